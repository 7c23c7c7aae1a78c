"""Only verified, not suspended, not blacklisted vendors may download full tender documents
and ask questions (lpse.tenders.permissions.vendor_may_participate)."""

import io
from datetime import timedelta

import pki_helpers
import pytest
from tenders.factories import OFFSETS, PDF, T0, draft_data, schedule_at

from lpse import clock
from lpse.extensions import db
from lpse.tenders import documents, operations, publication
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.documents import Document
from lpse.tenders.stages import Stage
from lpse.vendors.models import BlacklistEntry, VendorStatus, local_date


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'LPSE_STAGE_MIN_DURATIONS': {},
        'LPSE_STAGE_MIN_GAPS': {},
        **pki_helpers.CONFIG,
    }


@pytest.fixture
def tender(app, person, agency, monkeypatch):
    """A published tender in its clarification stage at T0 (downloads open too)."""
    clock.set_now(T0)
    officers = {
        name: person(f'{name}@uji.go.id', role, agency=agency)
        for name, role in (
            ('pokja', 'pokja'),
            ('pokja2', 'pokja'),
            ('pokja3', 'pokja'),
            ('ppk', 'ppk'),
        )
    }
    pokja = officers['pokja']
    # Publication splits the tender key among the Pokja: each member needs a pokja certificate.
    pki_helpers.certify_pokja([officers[n] for n in ('pokja', 'pokja2', 'pokja3')])
    pki_helpers.fake_tender_keys(monkeypatch)
    tender = operations.create_draft(agency=agency, data=draft_data(officers), actor=pokja, now=T0)
    base = T0 - timedelta(hours=OFFSETS[Stage.clarification][0], minutes=30)
    tender_schedule.set_schedule(tender, schedule_at(base), actor=pokja, now=T0)
    documents.add_document(
        tender,
        kind='dokumen_pemilihan',
        title='Dokumen Pemilihan',
        fileobj=io.BytesIO(PDF),
        filename='dokpil.pdf',
        reason='',
        actor=pokja,
        now=T0,
    )
    publication.publish_tender(tender, actor=pokja, now=base - timedelta(hours=1))
    db.session.commit()
    assert tender.is_open(Stage.clarification, T0) and tender.is_open(Stage.download, T0)
    return tender


def attempt(client, tender, headers):
    document = db.session.scalar(db.select(Document).where(Document.tender_id == tender.id))
    download = client.get(f'/tenders/{tender.code}/documents/{document.id}')
    download.close()
    question = client.post(
        f'/api/v1/tenders/{tender.code}/questions',
        headers=headers,
        json={'body': 'Apakah boleh konsorsium?'},
    )
    return download.status_code, question.status_code


def blacklist(vendor, starts, ends):
    db.session.add(
        BlacklistEntry(
            company_name=vendor.company_name,
            npwp=vendor.npwp,
            npwp_key=vendor.npwp_key,
            reason='Wanprestasi',
            decree_number='SK-9',
            starts_on=starts,
            ends_on=ends,
            created_at=T0,
        )
    )
    db.session.commit()


@pytest.mark.parametrize(
    ('case', 'expected'),
    [
        ('verified', (200, 201)),
        ('submitted', (403, 403)),
        ('unconfirmed', (403, 403)),
        ('changes_requested', (403, 403)),
        ('suspended', (403, 403)),
        ('blacklisted', (403, 403)),
        ('blacklist_expired', (200, 201)),
        ('blacklist_lifted', (200, 201)),
        ('no_company', (403, 403)),
    ],
)
def test_who_may_take_part(
    client, as_user, create_vendor, person, token_for, tender, case, expected
):
    today = local_date(T0)
    if case == 'no_company':
        user = person('vendor.tanpa.perusahaan@contoh.co.id', 'vendor')
    else:
        status = case if case in {s.value for s in VendorStatus} else 'verified'
        vendor = create_vendor(status=status)
        user = vendor.user
        if case == 'blacklisted':
            blacklist(vendor, today - timedelta(days=10), today)
        if case == 'blacklist_expired':
            blacklist(vendor, today - timedelta(days=400), today - timedelta(days=1))
        if case == 'blacklist_lifted':
            blacklist(vendor, today - timedelta(days=10), today + timedelta(days=300))
            entry = db.session.scalar(db.select(BlacklistEntry))
            entry.lifted_at, entry.lift_reason = T0 - timedelta(hours=1), 'Dibatalkan PTUN'
            db.session.commit()
    headers = token_for(user)
    as_user(user)
    assert attempt(client, tender, headers) == expected
