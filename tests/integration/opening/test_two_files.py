"""Two-file tenders: File I is opened first; File II in a second ceremony (k of n again), only
for bids the evaluation marked as technically passing; the key is published only after it."""

import opening_helpers
import pki_helpers
import pytest
from sqlalchemy import select

from lpse import clock
from lpse.errors import Conflict
from lpse.extensions import db
from lpse.opening import state
from lpse.opening.models import OpenedBid
from lpse.tenders.keys import key_of
from lpse.tenders.stages import Stage

from .conftest import OTHER_KEY, THIRD_KEY, VENDOR_KEY, submit_sealed


def consultancy(create_tender):
    return create_tender(
        Stage.bid_submission,
        category='jasa_konsultansi',
        selection_method='seleksi',
        submission_files=2,
        evaluation_method='qcbs',
        method_params={
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
    )


@pytest.fixture
def two_file(create_tender, bidder, rival, third):
    tender = consultancy(create_tender)
    bids = {}
    for user, key in ((bidder, VENDOR_KEY), (rival, OTHER_KEY), (third, THIRD_KEY)):
        bids[user.id] = {
            kind: submit_sealed(tender, user, key, kind=kind) for kind in ('technical', 'price')
        }
    clock.set_now(tender.bid_deadline)
    return tender, bids


def _results(kind):
    return {
        r.bid_id: (r.result, r.reason_detail)
        for r in db.session.scalars(select(OpenedBid).where(OpenedBid.ceremony.has(kind=kind)))
    }


def test_file_two_opens_only_for_technically_passing_bids(two_file, bidder, rival, third, members):
    tender, bids = two_file
    first = opening_helpers.open_all(tender, members)
    assert first.kind == 'technical' and tender.bids_opened_at == clock.now()
    assert set(_results('technical').values()) == {('opened', None)}
    assert _results('price') == {}
    assert key_of(tender).published_key_pem is None  # File II must stay sealed
    # no File II ceremony while any technical verdict is missing
    with pytest.raises(Conflict, match='File II'):
        opening_helpers.release(tender, members[0])
    db.session.rollback()
    verdicts = {bidder.id: True, rival.id: False, third.id: True}
    for row in db.session.scalars(select(OpenedBid)):
        row.technical_pass = verdicts[row.bid.vendor.user_id]
    db.session.commit()
    assert state.pending_kind(tender) == 'price'
    second = opening_helpers.open_all(tender, [members[2], members[1]])
    assert second.kind == 'price' and second.minutes_document_id is not None
    assert _results('price') == {
        bids[bidder.id]['price'].id: ('opened', None),
        bids[rival.id]['price'].id: ('not_opened', 'technical_not_passed'),
        bids[third.id]['price'].id: ('opened', None),
    }
    opened = db.session.scalar(
        select(OpenedBid).where(OpenedBid.bid_id == bids[bidder.id]['price'].id)
    )
    assert opened.declared_total is not None and opened.tkdn is None
    assert key_of(tender).published_key_pem is not None
    assert state.pending_kind(tender) is None
    assert len(state.ceremony_of(tender, 'price').releases) == 2


def test_a_price_envelope_in_the_technical_slot_is_malformed(create_tender, bidder, members):
    tender = consultancy(create_tender)
    from .conftest import make_bid, seal, submit

    package = make_bid(tender, bidder, kind='price')
    wrong = submit(
        tender, bidder, *seal(tender, bidder, VENDOR_KEY, package=package), kind='technical'
    )
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    row = db.session.scalar(select(OpenedBid).where(OpenedBid.bid_id == wrong.id))
    assert (row.result, row.reason) == ('not_openable', 'package_malformed')
    assert row.reason_detail.startswith('unexpected_envelope')


def test_the_last_share_released_on_the_page_opens_file_one(
    client, create_tender, cast, bidder, as_user
):
    """The k-th share of File I given on the page opens it and says so (it answered 500: the
    page looked for the ceremony pending after the release, File II's, not yet created)."""
    pokja = cast['pokja']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = consultancy(create_tender)
    for kind in ('technical', 'price'):
        submit_sealed(tender, bidder, VENDOR_KEY, kind=kind)
    clock.set_now(tender.bid_deadline)
    opening_helpers.release(tender, cast['pokja2'])
    as_user(pokja)
    url = f'/tenders/{tender.code}/opening'
    done = client.post(f'{url}/release', data={'passphrase': pki_helpers.SIGNING_PASSPHRASE})
    assert done.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'Bagian kunci diterima. Penawaran telah dibuka.' in page
    assert state.is_opened(tender, 'technical') and state.pending_kind(tender) == 'price'
