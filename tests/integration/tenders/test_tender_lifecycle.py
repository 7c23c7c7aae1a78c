"""Drafts, publication (frozen rules), cancellation, failure and retender."""

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.errors import InvalidTransition, NotAllowed, StageClosed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import documents, operations, publication
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.models import Tender
from lpse.tenders.stages import Phase, Stage

from .factories import PDF, T0, draft_data, schedule_at


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_codes_follow_agency_year_sequence(create_tender):
    first, second = create_tender('draft'), create_tender('draft')
    assert first.code == 'KOTAUJI-2026-00001'
    assert second.code == 'KOTAUJI-2026-00002'
    assert (first.version, first.status, first.timezone) == (1, 'draft', 'Asia/Makassar')
    assert len(events('tender.created')) == 2


@pytest.mark.parametrize(
    ('changes', 'field', 'words'),
    [
        ({'hps': '1700000000'}, 'hps', 'HPS tidak boleh melebihi pagu'),
        ({'pagu': '-5'}, 'pagu', 'negatif'),
        ({'hps': 'satu miliar'}, 'hps', 'tidak valid'),
        ({'hps': 1500000000.0}, 'hps', 'desimal'),
        ({'hps': '1400000000'}, 'boq', 'BoQ'),
        ({'category': 'senjata'}, 'category', 'tidak dikenal'),
        ({'fiscal_year': 'dua ribu'}, 'fiscal_year', 'Tahun'),
        ({'work_unit': 'NOPE'}, 'work_unit', 'Satuan kerja'),
    ],
)
def test_bad_drafts_write_nothing(app, cast, agency, changes, field, words):
    with pytest.raises(ValidationFailed) as caught:
        operations.create_draft(
            agency=agency, data=draft_data(cast, **changes), actor=cast['pokja'], now=T0
        )
    db.session.rollback()
    assert caught.value.field == field
    assert words in str(caught.value.message)
    assert count(Tender) == 0
    assert events('tender.created') == []


def test_pokja_from_another_agency_cannot_be_a_member(app, cast, agency):
    data = draft_data(cast, pokja=[cast['pokja'].id, cast['pokja2'].id, cast['pokja_agency'].id])
    with pytest.raises(ValidationFailed, match='instansi ini'):
        operations.create_draft(agency=agency, data=data, actor=cast['pokja'], now=T0)


def test_officers_of_another_agency_cannot_create_here(app, cast, agency):
    with pytest.raises(NotAllowed):
        operations.create_draft(
            agency=agency, data=draft_data(cast), actor=cast['pokja_agency'], now=T0
        )


def test_publication_lists_everything_missing(app, create_tender, cast):
    tender = create_tender('draft', pokja=[cast['pokja'].id, cast['pokja2'].id], location='')
    with pytest.raises(publication.PublicationRefused) as caught:
        publication.publish_tender(tender, actor=cast['pokja'], now=T0)
    reasons = ' | '.join(map(str, caught.value.reasons))
    for words in ('Lokasi', 'ganjil', 'Jadwal belum lengkap', 'Dokumen Pemilihan'):
        assert words in reasons
    db.session.rollback()
    assert db.session.get(Tender, tender.id).status == 'draft'
    assert events('tender.published') == []


def test_publication_freezes_the_rules(app, create_tender, cast):
    tender = create_tender('ready', method_params={'tkdn': {'formula': 'legacy'}})
    publication.publish_tender(tender, actor=cast['pokja'], now=T0)
    db.session.commit()
    frozen = json.loads(tender.frozen_rules)
    assert tender.rules_version == frozen['rules_version']
    params = frozen['evaluation_parameters']
    assert (params['hps'], params['budget'], params['tkdn']) == (
        '1500000000.00',
        '1600000000.00',
        {'formula': 'legacy'},
    )
    assert [i['hps_unit_price'] for i in params['boq']] == ['500000.00', '500000.00']
    assert frozen['key_threshold'] == 2 and len(frozen['pokja']) == 3
    [event] = events('tender.published')
    assert tender.frozen_sha256 in event.payload
    with pytest.raises(InvalidTransition):
        operations.update_draft(tender, data={'hps': '1'}, actor=cast['pokja'], now=T0)


def test_publication_refuses_bad_method_parameters(app, create_tender, cast):
    tender = create_tender(
        'ready',
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.4'},
            'technical_threshold': '70',
        },
    )
    with pytest.raises(publication.PublicationRefused, match='weights'):
        publication.publish_tender(tender, actor=cast['pokja'], now=T0)


def test_consultancy_needs_a_consultancy_method(app, create_tender, cast):
    tender = create_tender('ready', category='jasa_konsultansi', submission_files=2)
    with pytest.raises(publication.PublicationRefused, match='method lowest_price'):
        publication.publish_tender(tender, actor=cast['pokja'], now=T0)


@pytest.mark.parametrize('who', ['pokja_other', 'ppk', 'pokja_agency', 'vendor'])
def test_only_the_tenders_pokja_publishes(app, create_tender, cast, who):
    tender = create_tender('ready')
    with pytest.raises(NotAllowed):
        publication.publish_tender(tender, actor=cast[who], now=T0)


def test_the_ppk_may_edit_a_draft_but_another_ppk_may_not(app, create_tender, cast):
    tender = create_tender('draft')
    operations.update_draft(tender, data={'title': 'Jalan Baru'}, actor=cast['ppk'], now=T0)
    with pytest.raises(NotAllowed):
        operations.update_draft(tender, data={'title': 'X'}, actor=cast['ppk_other'], now=T0)


def test_cancel_needs_a_reason_and_the_pokja(app, create_tender, cast):
    tender = create_tender(Stage.clarification)
    with pytest.raises(ValidationFailed):
        operations.cancel_tender(tender, reason='  ', actor=cast['pokja'], now=T0)
    with pytest.raises(NotAllowed):
        operations.cancel_tender(tender, reason='x', actor=cast['pokja_other'], now=T0)
    operations.cancel_tender(tender, reason='Anggaran dialihkan', actor=cast['pokja2'], now=T0)
    db.session.commit()
    assert tender.stage(T0) is Phase.cancelled
    assert [e.object_id for e in events('tender.cancelled')] == [str(tender.id)]


def test_failure_only_after_the_bid_deadline(app, create_tender, cast):
    tender = create_tender(Stage.bid_submission)
    with pytest.raises(InvalidTransition):
        operations.fail_tender(tender, reason='Tidak ada penawaran', actor=cast['pokja'], now=T0)
    later = tender.bid_deadline + timedelta(minutes=1)
    operations.fail_tender(tender, reason='Tidak ada penawaran', actor=cast['pokja'], now=later)
    assert tender.stage(later) is Phase.failed


def test_retender_is_the_next_version_of_the_same_code(app, create_tender, cast):
    old = create_tender(Phase.failed)
    new = operations.retender(old, actor=cast['pokja'], now=T0)
    db.session.commit()
    assert (new.code, new.version, new.previous_id, new.status) == (old.code, 2, old.id, 'draft')
    assert [m.user_id for m in new.members] == [m.user_id for m in old.members]
    assert len(new.boq_items) == 2 and new.hps == old.hps
    with pytest.raises(Exception, match='sudah dibuat'):
        operations.retender(old, actor=cast['pokja'], now=T0)
    db.session.rollback()
    assert events('tender.retendered')[0].object_id == str(new.id)
    assert operations.get_tender(old.code).id == new.id
    assert operations.get_tender(old.code, 1).id == old.id
    assert not old.superseded


def publish_draft(tender, pokja):
    """Schedule, upload the Dokumen Pemilihan and publish a draft (a retender) at T0."""
    tender_schedule.set_schedule(tender, schedule_at(T0 + timedelta(days=1)), actor=pokja, now=T0)
    documents.add_document(
        tender,
        kind='dokumen_pemilihan',
        title='Dokpil',
        fileobj=io.BytesIO(PDF),
        filename='a.pdf',
        reason='',
        actor=pokja,
        now=T0,
    )
    publication.publish_tender(tender, actor=pokja, now=T0)
    db.session.commit()


def test_a_published_retender_supersedes_the_old_version(app, client, create_tender, cast):
    old = create_tender(Phase.failed)
    publish_draft(operations.retender(old, actor=cast['pokja'], now=T0), cast['pokja'])
    assert old.superseded
    page = client.get('/tenders/').get_data(as_text=True)
    assert page.count(f'>{old.code}</a>') == 1 and 'Tender ulang v2' in page
    detail = client.get(f'/tenders/{old.code}?version=1').get_data(as_text=True)
    assert 'sudah diganti' in detail


def test_asking_outside_the_window_is_refused(app, create_tender, cast):
    from lpse.tenders import questions

    tender = create_tender(Stage.bid_submission)
    with pytest.raises(StageClosed, match='Pemberian Penjelasan'):
        questions.ask_question(tender, body='Apakah boleh?', actor=cast['vendor'], now=T0)
    clock.set_now(T0)
