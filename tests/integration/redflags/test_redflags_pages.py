"""The red flags as auditors see them: the tender page and API with evidence, the agency list,
the network picture, the access matrix (auditors only), and nothing before its time."""

from datetime import timedelta

import pytest
from evaluation.conftest import _fake_bid
from helpers import login
from matrix import ALL, ANON, walk
from matrix_redflags import MATRIX
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.auth import operations
from lpse.bids.models import EnvelopeKind
from lpse.extensions import db
from lpse.redflags import store
from lpse.tenders.stages import Stage

SHARED_PHONE = '081299887766'


@pytest.fixture
def opened_tender(opened_tender):
    """The evaluation fixture with its bids hours apart and vendors of their own address, phone
    and director (it gives them all one time and one test identity)."""

    def make(*args, **kwargs):
        tender, bids = opened_tender(*args, **kwargs)
        for n, bid in enumerate(bids, start=1):
            bid.received_at = tender.bid_deadline - timedelta(hours=n)
            bid.vendor.address = f'Jl. Uji {bid.vendor_id}'
            bid.vendor.phone = f'0211{bid.vendor_id:06d}'
            bid.vendor.directors[0].nik = f'3174{bid.vendor_id:012d}'
            bid.vendor.directors[0].name = f'Direktur {bid.vendor_id}'
        db.session.commit()
        return tender, bids

    return make


def collude(bids, ip='36.1.2.3'):
    """Two bidders upload from one address and share a phone number."""
    for bid in bids[:2]:
        bid.ip = ip
        bid.user_agent = 'Mozilla/5.0 Uji'
        bid.vendor.phone = SHARED_PHONE
    db.session.commit()


def refreshed():
    """What the clock's round does: store the flags of every tender whose data changed."""
    return store.refresh(now=clock.now())


def token_headers(user):
    _row, token = operations.create_token(user, 'flags', now=clock.now())
    db.session.commit()
    return {'Authorization': f'Bearer {token}'}


@pytest.mark.parametrize('who', ALL)
def test_redflags_matrix(app, client, cast, opened_tender, who):
    tender, _bids = opened_tender()
    headers = {}
    if who != ANON:
        assert login(client, cast[who].email).status_code == 302
        headers = token_headers(cast[who])
    wrong = walk(client, MATRIX, who, headers, code=tender.code, agency=tender.agency.code)
    assert wrong == {}, f'(got, expected) {who}'


def test_tender_page_and_api_show_flags_with_evidence(client, cast, opened_tender):
    tender, bids = opened_tender()
    collude(bids)
    assert login(client, cast['auditor'].email).status_code == 302

    page = client.get(f'/audit/flags/tender/{tender.code}')
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'RF-IP-SAMA' in html and 'RF-DATA-SAMA' in html
    assert 'Peraturan KPPU No. 2 Tahun 2010' in html  # the rule's source
    assert bids[0].vendor.company_name in html and bids[1].vendor.company_name in html
    assert SHARED_PHONE not in html and '36.1.2.3' not in html  # masked
    assert f'/vendors/{bids[0].vendor_id}' in html  # evidence links to the vendors
    # each piece of evidence says what it is in words, its code kept as the title
    assert '<span title="ip">Alamat IP</span>' in html
    assert '<span title="phone">Telepon (9 angka terakhir)</span>' in html
    assert '<code>ip</code>' not in html
    assert f'/audit/flags/tender/{tender.code}/network.svg' in html
    # the tender page links to the flags for auditors only
    link = f'/audit/flags/tender/{tender.code}"'
    assert link in client.get(f'/tenders/{tender.code}').get_data(as_text=True)

    data = client.get(
        f'/api/v1/audit/tenders/{tender.code}/flags', headers=token_headers(cast['auditor'])
    ).get_json()
    by_rule = {f['rule']: f for f in data['flags']}
    assert set(by_rule) >= {'RF-IP-SAMA', 'RF-DATA-SAMA'}
    ip = by_rule['RF-IP-SAMA']['evidence'][0]
    assert {v['id'] for v in ip['vendors']} == {bids[0].vendor_id, bids[1].vendor_id}
    assert {b['id'] for b in ip['bids']} == {bids[0].id, bids[1].id}
    assert ip['value'] == '36.1.2.x'
    phone = by_rule['RF-DATA-SAMA']['evidence'][0]
    assert phone['kind'] == 'phone' and '99887766' not in phone['value']
    assert data['weight'] == sum(f['weight'] for f in data['flags'])
    assert by_rule['RF-IP-SAMA']['source'].startswith('Peraturan KPPU')


def test_clean_tender_has_no_flags(client, cast, opened_tender):
    tender, _bids = opened_tender()
    data = client.get(
        f'/api/v1/audit/tenders/{tender.code}/flags', headers=token_headers(cast['auditor'])
    ).get_json()
    assert data['flags'] == []
    link = f'/audit/flags/tender/{tender.code}"'
    assert link not in client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert login(client, cast['pokja'].email).status_code == 302
    assert link not in client.get(f'/tenders/{tender.code}').get_data(as_text=True)


def test_nothing_about_bids_before_the_deadline(client, cast, create_tender, person):
    tender = create_tender(Stage.bid_submission)
    first = verify_vendor(person('pt.satu@contoh.co.id', 'vendor'), company='PT Satu Uji')
    other = verify_vendor(person('pt.lain@contoh.co.id', 'vendor'), company='PT Lain')
    for vendor in (first, other):
        bid = _fake_bid(tender, vendor, vendor.user, EnvelopeKind.single)
        bid.ip = '36.1.2.3'
    db.session.commit()
    assert clock.now() < tender.bid_deadline
    headers = token_headers(cast['auditor'])
    data = client.get(f'/api/v1/audit/tenders/{tender.code}/flags', headers=headers).get_json()
    assert data['flags'] == []
    assert login(client, cast['auditor'].email).status_code == 302
    html = client.get(f'/audit/flags/tender/{tender.code}').get_data(as_text=True)
    assert 'RF-' not in html and 'network.svg' not in html
    assert other.company_name not in html
    svg = client.get(f'/audit/flags/tender/{tender.code}/network.svg').get_data(as_text=True)
    assert '<circle' not in svg  # no bidder drawn before the deadline
    # once the deadline has passed, the same bids are examined
    clock.set_now(tender.bid_deadline)
    data = client.get(f'/api/v1/audit/tenders/{tender.code}/flags', headers=headers).get_json()
    assert 'RF-IP-SAMA' in {f['rule'] for f in data['flags']}


def test_network_svg(client, cast, opened_tender):
    tender, bids = opened_tender()
    collude(bids)
    assert login(client, cast['auditor'].email).status_code == 302
    response = client.get(f'/audit/flags/tender/{tender.code}/network.svg')
    assert response.status_code == 200
    assert response.mimetype == 'image/svg+xml'
    svg = response.get_data(as_text=True)
    assert svg.count('<circle') == 3  # every bidder
    assert 'RF-IP-SAMA' in svg and 'RF-DATA-SAMA' in svg  # the flagged pair's edges
    assert 'no-store' in response.headers['Cache-Control']
    refreshed()
    agency = client.get(f'/audit/flags/agency/{tender.agency.code}/network.svg')
    assert agency.status_code == 200 and agency.get_data(as_text=True).count('<circle') == 3


def test_agency_list_sorted_by_flags(client, cast, opened_tender):
    clean, _ = opened_tender()
    one, bids_one = opened_tender()
    for bid in bids_one[:2]:
        bid.ip = '36.1.2.3'  # one flag
    two, bids_two = opened_tender()
    collude(bids_two)  # two flags
    db.session.commit()
    refreshed()
    assert login(client, cast['auditor'].email).status_code == 302
    html = client.get(f'/audit/flags/agency/{clean.agency.code}').get_data(as_text=True)
    assert clean.code not in html
    assert html.index(two.code) < html.index(one.code)


def test_unknown_tender_and_agency(client, cast):
    assert login(client, cast['auditor'].email).status_code == 302
    assert client.get('/audit/flags/tender/NOPE-2026-00001').status_code == 404
    assert client.get('/audit/flags/agency/NOPE').status_code == 404
    response = client.get(
        '/api/v1/audit/tenders/NOPE-2026-00001/flags', headers=token_headers(cast['auditor'])
    )
    assert response.status_code == 404
    assert response.get_json()['error']['code']


def test_deadline_moved_after_bids_shown_in_the_agency_zone(client, cast, opened_tender, app):
    from lpse.i18n import in_zone
    from lpse.tenders.models import ScheduleChange

    tender, bids = opened_tender()
    old = tender.bid_deadline - timedelta(days=1)
    db.session.add(
        ScheduleChange(
            tender_id=tender.id,
            stage=Stage.bid_submission.value,
            old_starts_at=old - timedelta(days=7),
            old_ends_at=old,
            new_starts_at=old - timedelta(days=7),
            new_ends_at=tender.bid_deadline,
            reason='Server padam',
            changed_at=tender.bid_deadline - timedelta(minutes=90),
        )
    )
    db.session.commit()
    assert login(client, cast['auditor'].email).status_code == 302
    html = client.get(f'/audit/flags/tender/{tender.code}').get_data(as_text=True)
    assert 'RF-JADWAL-UBAH' in html
    with app.test_request_context():
        assert in_zone(old, tender.timezone) in html
    data = client.get(
        f'/api/v1/audit/tenders/{tender.code}/flags', headers=token_headers(cast['auditor'])
    ).get_json()
    [moved] = [f for f in data['flags'] if f['rule'] == 'RF-JADWAL-UBAH']
    # bids are 1, 2 and 3 hours before the deadline: the change came after the last two
    assert [v['id'] for v in moved['evidence'][0]['vendors']] == sorted(
        b.vendor_id for b in bids[1:]
    )


def test_an_auditor_dismisses_a_flag_with_a_logged_reason(client, cast, opened_tender):
    from sqlalchemy import func, select

    from lpse.audit import AuditEvent

    tender, bids = opened_tender()
    for bid in bids[:2]:
        bid.ip = '36.1.2.3'  # one flag, one piece of evidence
    db.session.commit()
    headers = token_headers(cast['auditor'])
    url = f'/api/v1/audit/tenders/{tender.code}/flags'
    before = client.get(url, headers=headers).get_json()
    [flag] = before['flags']
    [evidence] = flag['evidence']
    assert evidence['dismissed'] is None and before['weight'] == 3
    assert login(client, cast['auditor'].email).status_code == 302
    refreshed()
    agency = client.get(f'/audit/flags/agency/{tender.agency.code}').get_data(as_text=True)
    assert tender.code in agency

    def events():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like('redflag.%'))
        )

    page = f'/audit/flags/tender/{tender.code}'
    dismiss = f'{page}/dismiss'
    # no reason, or evidence that is not there: refused, nothing logged
    assert client.post(dismiss, data={'key': evidence['key'], 'reason': ' '}).status_code == 422
    assert client.post(dismiss, data={'key': 'f' * 24, 'reason': 'x'}).status_code == 422
    assert events() == 0

    reason = 'Satu gedung kantor bersama (co-working), diperiksa'
    response = client.post(dismiss, data={'key': evidence['key'], 'reason': reason})
    assert response.status_code == 303
    assert events() == 1
    html = client.get(page).get_data(as_text=True)
    assert reason in html and 'RF-IP-SAMA' in html  # still shown, with its dismissal
    after = client.get(url, headers=headers).get_json()
    gone = after['flags'][0]['evidence'][0]['dismissed']
    assert gone['reason'] == reason and gone['by'] == cast['auditor'].id
    assert after['weight'] == 0  # left out of the weights and the agency ranking
    assert refreshed() == 1  # the dismissal is an event of the tender: only it is recomputed
    agency = client.get(f'/audit/flags/agency/{tender.agency.code}').get_data(as_text=True)
    assert tender.code not in agency
    # once only
    assert client.post(dismiss, data={'key': evidence['key'], 'reason': 'lagi'}).status_code == 422
    assert events() == 1
