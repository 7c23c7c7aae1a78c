"""Tender fixtures: a cast of officers, vendors and auditors, and `create_tender(stage=…)`."""

import io
from datetime import timedelta

import pki_helpers
import pytest

from lpse import clock
from lpse.agencies import operations as agency_ops
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.tenders import documents, operations, publication
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.stages import GATES, STAGES, Phase, Stage
from lpse.vendors.models import Vendor, VendorStatus

from .factories import PDF, T0, draft_data, login, offsets_for, schedule_at


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'WTF_CSRF_ENABLED': False,
        'LPSE_STAGE_MIN_DURATIONS': {},
        'LPSE_STAGE_MIN_GAPS': {},
        'LPSE_FAST_STAGE_MIN_DURATIONS': {},
        'LPSE_FAST_STAGE_MIN_GAPS': {},
        **pki_helpers.CONFIG,
    }


@pytest.fixture(autouse=True)
def _reused_tender_keys(monkeypatch):
    pki_helpers.fake_tender_keys(monkeypatch)


@pytest.fixture
def other_agency(app):
    agency = agency_ops.create_agency(
        code='KABLAIN',
        name='Pemerintah Kabupaten Lain',
        timezone='Asia/Jayapura',
        actor=None,
        now=clock.now(),
    )
    db.session.commit()
    return agency


@pytest.fixture
def cast(person, agency, other_agency):
    """Everyone the tender tests need, keyed by who they are to the tender."""
    clock.set_now(T0)
    people = {
        'pokja': person('pokja1@uji.go.id', 'pokja', agency=agency),
        'pokja2': person('pokja2@uji.go.id', 'pokja', agency=agency),
        'pokja3': person('pokja3@uji.go.id', 'pokja', agency=agency),
        'pokja_other': person('pokja.lain@uji.go.id', 'pokja', agency=agency),
        'pokja_agency': person('pokja@lain.go.id', 'pokja', agency=other_agency),
        'ppk': person('ppk@uji.go.id', 'ppk', agency=agency),
        'ppk_other': person('ppk.lain@uji.go.id', 'ppk', agency=agency),
        'vendor': verified_vendor(person('pt.maju.jaya@contoh.co.id', 'vendor')),
        'auditor': person('auditor@bpkp.go.id', 'auditor'),
        'admin': person('admin@uji.go.id', 'admin', agency=agency),
        'verifier': person('verifikator@uji.go.id', 'verifier', agency=agency),
    }
    # Publication splits the tender key among the Pokja: each member needs a pokja certificate.
    pki_helpers.certify_pokja(
        [people[k] for k in ('pokja', 'pokja2', 'pokja3', 'pokja_other', 'pokja_agency')]
    )
    return people


def verified_vendor(user):
    """Give ``user`` a verified company (lpse.vendors decides who may take part)."""
    now = clock.now()
    vendor = Vendor(
        user=user,
        company_name='PT Maju Jaya',
        legal_form='pt',
        npwp='012345678901000',
        nib='9120001230001',
        address='Jl. Uji 1',
        province='DKI Jakarta',
        city='Jakarta Pusat',
        phone='0211234567',
        email=user.email,
        size_class='kecil',
        status=VendorStatus.verified.value,
        registered_at=now,
        email_confirmed_at=now,
        submitted_at=now,
    )
    vendor.npwp_key = '0' + vendor.npwp
    db.session.add(vendor)
    db.session.commit()
    return user


@pytest.fixture
def create_tender(app, cast, agency):
    """A tender in the given stage at T0 (the clock is left at T0): 'draft' (no schedule),
    'ready' (a complete draft), any Stage, or Phase.cancelled / Phase.failed."""

    def make(stage='ready', **changes):
        clock.set_now(T0)
        pokja = cast['pokja']
        tender = operations.create_draft(
            agency=agency, data=draft_data(cast, **changes), actor=pokja, now=T0
        )
        if stage == 'draft':
            db.session.commit()
            return tender
        target = Stage.clarification if stage in (Phase.cancelled, Phase.failed) else stage
        if stage == Phase.failed:
            target = Stage.bid_opening
        offsets = offsets_for(tender.method.stages)
        if target == 'ready':
            base = T0 + timedelta(days=1)
        else:
            base = T0 - timedelta(hours=offsets[Stage(target)][0], minutes=30)
        windows = schedule_at(base, offsets)
        tender_schedule.set_schedule(tender, windows, actor=pokja, now=T0)
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
        if target != 'ready':
            publication.publish_tender(tender, actor=pokja, now=base - timedelta(hours=1))
            # Milestones later issues record (bids opened, winner decided…) before the target.
            for gated, name in GATES.items():
                if gated in STAGES and STAGES.index(gated) < STAGES.index(Stage(target)):
                    setattr(tender, name, tender.schedule[gated].end)
        if stage == Phase.cancelled:
            operations.cancel_tender(tender, reason='Anggaran dialihkan', actor=pokja, now=T0)
        if stage == Phase.failed:
            operations.fail_tender(tender, reason='Tidak ada penawaran', actor=pokja, now=T0)
        db.session.commit()
        return tender

    return make


@pytest.fixture
def as_user(client):
    def do(user):
        client.post('/auth/logout')
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def token(app):
    """Bearer headers of a new API token of ``user``."""

    def make(user):
        _row, value = auth_ops.create_token(user, 'test', now=T0)
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make
