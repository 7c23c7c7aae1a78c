"""An auditor's assignment holds beyond the auditor pages: a company's data and documents, the
vendor lists, the certificate registry, a tender's contract and its issued documents follow the
account's scope and end date (docs/SECURITY.md). National: everything; an inspectorate of the
tender's agency or an auditor assigned the tender: that tender's contract and documents and the
companies that took part in it; an inspectorate of another agency: none of these; an assignment
that has ended: nothing."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from tenders.factories import login
from vendor_helpers import verify_vendor

from lpse import clock, storage
from lpse.auth import operations as auth_ops
from lpse.auth import scope
from lpse.contracts import operations as contracts
from lpse.documents.models import IssuedDocument
from lpse.extensions import db
from lpse.pki_service import Certificate
from lpse.vendors.models import Vendor, VendorDocument

from .conftest import TERMS

WHO = ('national', 'agency_in', 'tender_in', 'agency_out', 'expired')
IN = {'national', 'agency_in', 'tender_in'}


@pytest.fixture
def auditors(cast, person, awarded, other_agency):
    tender = awarded[0]
    yesterday = (clock.now() + timedelta(hours=7)).date() - timedelta(days=1)

    def scoped(email, **kw):
        user = person(email, 'auditor')
        scope.set_scope(user, actor=None, now=clock.now(), ip=None, **kw)
        return user

    made = {
        'national': cast['auditor'],
        'agency_in': scoped('apip@uji.go.id', national=False, agency_ids=[tender.agency_id]),
        'tender_in': scoped('tugas@bpkp.go.id', national=False, tender_codes=[tender.code]),
        'agency_out': scoped('apip@lain.go.id', national=False, agency_ids=[other_agency.id]),
        'expired': scoped('bpk.lama@bpk.go.id', national=True, ends_on=yesterday),
    }
    db.session.commit()
    return made


def _vendor_document(vendor):
    sha256, size = storage.blob_store().put_stream(io.BytesIO(b'%PDF-1.4 akta'), max_size=1000)
    row = VendorDocument(
        vendor_id=vendor.id,
        kind='akta',
        filename='akta.pdf',
        media_type='application/pdf',
        sha256=sha256,
        size=size,
        uploaded_at=clock.now(),
    )
    db.session.add(row)
    return row


@pytest.mark.parametrize('who', WHO)
def test_an_auditors_reach_follows_its_assignment(client, awarded, cast, person, auditors, who):
    tender, winner, _loser = awarded
    contracts.draft_contract(tender, TERMS, actor=cast['ppk'], now=clock.now())
    bidder = db.session.scalar(select(Vendor).where(Vendor.user_id == winner.id))
    document = _vendor_document(bidder)
    outsider = person('cv.lain@contoh.co.id', 'vendor')  # never took part in this tender
    verify_vendor(outsider, company='CV Tidak Ikut Tender')
    stranger = db.session.scalar(select(Vendor).where(Vendor.user_id == outsider.id))
    issued = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.tender_id == tender.id)
    ).first()
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == winner.id))
    db.session.commit()

    user = auditors[who]
    assert login(client, user.email).status_code == 302
    _row, value = auth_ops.create_token(user, 'reach', now=clock.now())
    db.session.commit()
    api = {'Authorization': f'Bearer {value}'}
    inside = who in IN

    def status(url, **kw):
        return client.get(url, **kw).status_code

    got = {
        'vendor page': status(f'/vendors/{bidder.id}'),
        'vendor document': status(f'/vendors/{bidder.id}/documents/{document.id}'),
        'vendor api': status(f'/api/v1/vendors/{bidder.id}', headers=api),
        'contract page': status(f'/tenders/{tender.code}/contract'),
        'contract api': status(f'/api/v1/tenders/{tender.code}/contract', headers=api),
        'issued document': status(f'/documents/{issued.id}.pdf'),
        'certificate': status(f'/keys/{certificate.id}.pem'),
        'certificate registry': status('/keys/all'),
        'other company': status(f'/vendors/{stranger.id}'),
    }
    expected = {
        'vendor page': 200 if inside else 404,
        'vendor document': 200 if inside else 404,
        'vendor api': 200 if inside else 404,
        'contract page': 200 if inside else 403,
        'contract api': 200 if inside else 403,
        'issued document': 200 if inside else 403,
        'certificate': 200 if who == 'national' else 404,
        'certificate registry': 200 if who == 'national' else 403,
        'other company': 200 if who == 'national' else 404,
    }
    assert got == expected

    # the lists: a scoped auditor sees the companies of its tenders only; an ended one none
    page = client.get('/vendors/queue', query_string={'status': 'verified'})
    listed = client.get('/api/v1/vendors', query_string={'status': 'verified'}, headers=api)
    if who == 'expired':
        assert page.status_code == 403 and listed.status_code == 403
        assert 'error' in listed.get_json()
        return
    assert page.status_code == 200 and listed.status_code == 200
    ids = {v['id'] for v in listed.get_json()['vendors']}
    html = page.get_data(as_text=True)
    assert (bidder.id in ids) == inside and (f'/vendors/{bidder.id}"' in html) == inside
    assert (stranger.id in ids) == (who == 'national')
    assert (f'/vendors/{stranger.id}"' in html) == (who == 'national')
    assert ('daftar ini hanya memuat perusahaan yang ikut tender' in html) == (who != 'national')


def test_before_the_deadline_a_bidder_is_outside_every_scoped_reach(awarded, auditors):
    """Who has bid is nobody's to know before the deadline: the vendor lists of an auditor of
    the tender would otherwise name them."""
    tender, winner, _loser = awarded
    bidder = db.session.scalar(select(Vendor).where(Vendor.user_id == winner.id))
    after = clock.now()
    for who in ('tender_in', 'agency_in'):
        assert bidder.can_view(auditors[who])
    clock.set_now(tender.bid_deadline - timedelta(seconds=1))
    for who in ('tender_in', 'agency_in'):
        assert not bidder.can_view(auditors[who])
        reach = scope.active_scope(auditors[who], clock.now())
        listed = db.session.scalars(
            select(Vendor.id).where(scope.vendor_clause(reach, Vendor.id))
        ).all()
        assert bidder.id not in listed
    assert bidder.can_view(auditors['national'])  # the register is national's anyway
    clock.set_now(after)


def test_a_scoped_auditor_is_told_why_the_registry_is_closed(client, auditors):
    login(client, auditors['agency_in'].email)
    page = client.get('/keys/all').get_data(as_text=True)
    assert 'hanya auditor nasional dan admin' in page
    client.post('/auth/logout')
    login(client, auditors['expired'].email)
    assert 'Penugasan auditor Anda telah berakhir' in client.get('/keys/all').get_data(as_text=True)
