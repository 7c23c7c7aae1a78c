"""A two-file tender on the web form: File I (administration + technical) and File II (price)
in one go — two packages, two envelopes, two receipts, the same structures as `lpse seal` —
or one of them alone to replace just that envelope."""

import io

import pki_helpers
import pytest
from sqlalchemy import func, select

from lpse import pki_service, storage
from lpse.bids import package as bid_package
from lpse.bids.models import Bid, BidStatus
from lpse.bids.package import check_against_tender
from lpse.bids.sealing import terms_for
from lpse.crypto import envelope, receipts
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors.verification import vendor_of

from .conftest import PDF
from .test_interop import rebuilt_tender_key


@pytest.fixture
def two_file(create_tender, bidder):
    return create_tender(Stage.bid_submission, submission_files=2)


def both(**changes):
    data = {
        'kind': 'both',
        'price-1': '400.000',
        'price-2': '450000',
        'tkdn': '35',
        'validity_days': '120',
        'passphrase': pki_helpers.SIGNING_PASSPHRASE,
        'attachments': [(io.BytesIO(PDF + b'teknis'), 'dokumen-teknis.pdf')],
        'price_attachments': [(io.BytesIO(PDF + b'harga'), 'rincian-harga.pdf')],
    }
    return data | changes


def opened(bid, tender, cast):
    """What the opening will read: the envelope decrypted, its signature and its package."""
    key, _row = rebuilt_tender_key(tender, cast)
    with storage.blob_store().open(bid.sha256) as fh:
        signed = envelope.open_envelope(fh.read(), key)
    verified = envelope.verify_signed_data(signed, ca_cert=pki_service.authority().ca_cert)
    return verified, bid_package.read_package(verified.content)


def test_the_form_offers_both_files_at_once(client, two_file, bidder, as_user):
    as_user(bidder)
    html = client.get(f'/tenders/{two_file.code}/bid').get_data(as_text=True)
    assert 'value="both" selected' in html or 'selected value="both"' in html
    assert 'name="price_attachments"' in html and 'id="part-technical"' in html
    # File I (administration and technical) is opened first, and comes first on the page.
    assert html.index('id="part-technical"') < html.index('id="part-price"')
    assert html.index('File I: administrasi dan teknis') < html.index('File II: harga')


def test_file_i_and_file_ii_go_in_one_submission_as_two_envelopes(
    client, two_file, bidder, as_user, cast
):
    as_user(bidder)
    response = client.post(
        f'/tenders/{two_file.code}/bid', data=both(), content_type='multipart/form-data'
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    bids = {b.kind: b for b in db.session.scalars(select(Bid))}
    assert set(bids) == {'technical', 'price'}
    assert all(b.status == BidStatus.current for b in bids.values())
    assert bids['technical'].sha256 != bids['price'].sha256
    assert bids['technical'].receipt_number != bids['price'].receipt_number
    page = client.get(f'/tenders/{two_file.code}/bid').get_data(as_text=True)
    authority = pki_service.authority()
    for bid in bids.values():
        assert bid.receipt_number in page
        fields = receipts.verify_receipt(
            client.get(f'/tenders/{two_file.code}/bid/{bid.id}/receipt.json').get_json(),
            ca_cert=authority.ca_cert,
            signer=authority.system_cert,
        )
        assert fields['envelope_kind'] == bid.kind and fields['envelope_sha256'] == bid.sha256
    # One commit: the same received time, both under the same checkpoint.
    assert bids['technical'].received_at == bids['price'].received_at
    assert bids['technical'].checkpoint_id == bids['price'].checkpoint_id

    vendor = vendor_of(bidder)
    verified, technical = opened(bids['technical'], two_file, cast)
    assert verified.signer_cert.serial_number == int(bids['technical'].signer_serial, 16)
    assert technical.bid['envelope'] == 'technical'
    assert (technical.bid['tkdn'], technical.bid['validity_days']) == ('35', 120)
    assert 'price_lines' not in technical.bid
    assert [a.name for a in technical.attachments] == ['dokumen-teknis.pdf']
    _verified, price = opened(bids['price'], two_file, cast)
    assert price.bid['envelope'] == 'price' and 'tkdn' not in price.bid
    assert price.bid['declared_total'] and price.bid['currency'] == 'IDR'
    assert [a.name for a in price.attachments] == ['rincian-harga.pdf']
    for package in (technical, price):  # what the CLI's `lpse seal` checks, they pass
        check_against_tender(package.bid, terms_for(two_file, vendor))


def test_one_file_alone_replaces_only_that_envelope(client, two_file, bidder, as_user):
    as_user(bidder)
    assert (
        client.post(
            f'/tenders/{two_file.code}/bid', data=both(), content_type='multipart/form-data'
        ).status_code
        == 302
    )
    only_price = both(kind='price', tkdn='', validity_days='', attachments=[])
    response = client.post(
        f'/tenders/{two_file.code}/bid', data=only_price, content_type='multipart/form-data'
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    rows = db.session.scalars(select(Bid).order_by(Bid.id)).all()
    assert [(b.kind, b.status) for b in rows] == [
        ('technical', 'current'),
        ('price', 'superseded'),
        ('price', 'current'),
    ]


def test_a_problem_in_either_file_stores_neither(app, client, two_file, bidder, as_user):
    from .conftest import stored_files

    as_user(bidder)
    before = stored_files(app)
    for bad in (both(**{'price-1': 'empat ratus'}), both(tkdn='')):
        response = client.post(
            f'/tenders/{two_file.code}/bid', data=bad, content_type='multipart/form-data'
        )
        assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0
    assert stored_files(app) == before


def test_a_single_file_tender_has_no_both_option(client, tender, bidder, as_user):
    as_user(bidder)
    html = client.get(f'/tenders/{tender.code}/bid').get_data(as_text=True)
    assert 'value="both"' not in html and 'name="price_attachments"' not in html
    bad = both(kind='both')
    response = client.post(
        f'/tenders/{tender.code}/bid', data=bad, content_type='multipart/form-data'
    )
    assert response.status_code == 422


def test_file_i_is_not_kept_when_file_ii_is_refused(app, two_file, bidder):
    from lpse import clock
    from lpse.bids import submission
    from lpse.bids.errors import EnvelopeRejected

    from .conftest import VENDOR_KEY, seal, stored_files

    vendor = vendor_of(bidder)
    technical, tech_sig = seal(two_file, bidder, VENDOR_KEY, kind='technical')
    price, price_sig = seal(two_file, bidder, VENDOR_KEY, kind='price')
    tampered = bytearray(price)
    tampered[-40] ^= 0x01
    before = stored_files(app)
    uploads = [
        submission.Upload(io.BytesIO(technical), tech_sig, 'technical', len(technical)),
        submission.Upload(io.BytesIO(bytes(tampered)), price_sig, 'price', len(tampered)),
    ]
    with pytest.raises(EnvelopeRejected):
        submission.receive_many(two_file, bidder, vendor, uploads, now=clock.now())
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0
    assert stored_files(app) == before
