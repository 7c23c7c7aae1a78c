"""Regression tests of the evaluation review (#7): reopening after the announcement or the
SPPBJ, price clarifications, reserve ties, not-evaluated bids, rounding of the published
result, the worksheet form, the objection period and the BAHP of a failed tender."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.errors import InvalidTransition
from lpse.evaluation import (
    announcement,
    award,
    decision,
    objections,
    recording,
    service,
    worksheets,
)
from lpse.evaluation.models import EvaluationVersion
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .conftest import BidSpec
from .sanggah_fixtures import (
    LOSER,
    PASSING,
    agree_negotiation,
    announcement_time,
    vendor_user,
)


def _versions(tender):
    return db.session.scalar(
        select(func.count())
        .select_from(EvaluationVersion)
        .where(EvaluationVersion.tender_id == tender.id)
    )


def test_direct_reopen_after_the_announcement_is_refused(app, announced, pokja):
    tender, _bids, row = announced
    before = _versions(tender)
    with pytest.raises(InvalidTransition, match='sanggah yang diterima'):
        decision.reopen(tender, reason='koreksi', actor=pokja[0], now=clock.now())
    db.session.rollback()
    assert _versions(tender) == before
    assert announcement.current_announcement(tender).id == row.id
    assert award.blocking_error(tender, row.objection_ends_at) is None


def test_reopen_page_after_the_announcement_answers_409(app, announced, pokja, as_user):
    tender, _bids, _row = announced
    before = _versions(tender)
    response = as_user(pokja[0]).post(
        f'/tenders/{tender.code}/evaluation/reopen', data={'reason': 'koreksi'}
    )
    assert response.status_code == 409
    assert 'sanggah yang diterima' in response.get_data(as_text=True)
    assert _versions(tender) == before


def test_reopen_after_the_sppbj_is_refused(app, announced, pokja):
    tender, _bids, row = announced
    later = row.objection_ends_at
    award.issue_award(tender, actor=tender.ppk, now=later)
    db.session.commit()
    with pytest.raises(InvalidTransition, match='SPPBJ'):
        decision.reopen(tender, reason='x', actor=pokja[0], now=later)
    db.session.rollback()
    assert _versions(tender) == 1


def test_accepted_objection_still_reopens_and_the_public_api_says_so(app, announced, pokja, client):
    tender, bids, row = announced
    filed = objections.file_objection(
        tender,
        actor=vendor_user(bids[LOSER]),
        grounds='Dinilai gugur tanpa dasar.',
        now=clock.now(),
    )
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='reevaluate',
        answer='Diterima, dievaluasi ulang.',
        now=clock.now(),
    )
    db.session.commit()
    assert _versions(tender) == 2
    assert row.withdrawn_at is not None and tender.winner_announced_at is None
    response = client.get(f'/api/v1/tenders/{tender.code}/evaluation')
    assert response.status_code == 200
    body = response.get_json()
    assert body['state'] == 'reevaluation' and body['result'] is None
    assert [w['announcement'] for w in body['withdrawn']] == [row.id]
    assert 'Sanggah' in body['withdrawn'][0]['reason']
    page = client.get(f'/tenders/{tender.code}/results')
    assert page.status_code == 200
    assert 'Evaluasi ulang sedang berlangsung' in page.get_data(as_text=True)
    assert f'id="withdrawn-{row.id}"' in page.get_data(as_text=True)
    # the new version can be evaluated, decided and announced again
    assert service.current_version(tender).number == 2
    recording.record(
        tender, bids[LOSER].id, {'technical': {'passed': True}}, actor=pokja[0], now=clock.now()
    )
    db.session.commit()


def test_a_cheap_bid_without_its_price_clarification_blocks_the_proposal(opened_tender, pokja):
    specs = (
        BidSpec('PT Murah', {1: Decimal('250000'), 2: Decimal('300000')}),
        BidSpec('PT Dua', {1: Decimal('400000'), 2: Decimal('470000')}),
        BidSpec('PT Tiga', {1: Decimal('480000'), 2: Decimal('490000')}),
    )
    tender, bids = opened_tender(bids=specs)
    now = clock.now()
    for bid in bids:
        recording.record(tender, bid.id, dict(PASSING), actor=pokja[0], now=now)
    db.session.commit()
    from lpse.errors import Conflict

    with pytest.raises(Conflict, match='PT Murah'):
        decision.propose(tender, actor=pokja[0], now=now)
    db.session.rollback()
    recording.record(
        tender, bids[0].id, {'clarification': {'passed': True}}, actor=pokja[0], now=now
    )
    proposal = decision.propose(tender, actor=pokja[0], now=now)
    assert proposal.winner_bid_id == bids[0].id


@pytest.mark.parametrize('order', ['²', '٣', '1²'])
def test_a_non_ascii_tie_break_order_is_a_422_on_its_field(opened_tender, pokja, as_user, order):
    tender, bids = opened_tender()
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    response = client.post(url, data={'tie_break_order': order})
    assert response.status_code == 422
    assert 'Urutan keputusan Pokja' in response.get_data(as_text=True)


def test_half_of_a_pokja_of_four_is_two():
    """Publication requires an odd Pokja, but a Pokja may shrink or grow afterwards: four
    members need two approvals (at least half), not three."""
    from types import SimpleNamespace

    assert decision.approvals_needed(SimpleNamespace(members=[1, 2, 3, 4])) == 2
    assert decision.approvals_needed(SimpleNamespace(members=[1, 2, 3])) == 2
    assert decision.approvals_needed(SimpleNamespace(members=[1, 2, 3, 4, 5])) == 3


QUALITY = {
    'category': 'jasa_konsultansi',
    'selection_method': 'seleksi',
    'submission_files': 2,
    'evaluation_method': 'quality',
    'method_params': {'technical_threshold': '70'},
}


def _file_one(tender, bid, score, member):
    entries = {
        'administration': {'passed': True},
        'qualification': {'passed': True},
        'technical': {'passed': True, 'score': score},
    }
    recording.record(tender, bid.id, entries, actor=member, now=clock.now())


def _technical_pass(tender):
    return {p.bid.id: p.first.technical_pass for p in worksheets.participants(tender)}


def test_quality_opens_only_the_top_technical_bids_file_two(opened_tender, pokja):
    tender, bids = opened_tender(**QUALITY)
    _file_one(tender, bids[0], '85', pokja[0])
    _file_one(tender, bids[1], '90', pokja[0])
    assert _technical_pass(tender)[bids[1].id] is None  # PT Tiga not yet evaluated
    _file_one(tender, bids[2], '80', pokja[0])
    db.session.commit()
    assert _technical_pass(tender) == {bids[0].id: False, bids[1].id: True, bids[2].id: False}


def test_quality_equal_top_scores_wait_for_the_pokja_decision(opened_tender, pokja):
    tender, bids = opened_tender(**QUALITY)
    for bid, score in zip(bids, ('90', '90', '80'), strict=True):
        _file_one(tender, bid, score, pokja[0])
    db.session.commit()
    assert _technical_pass(tender) == {bids[0].id: None, bids[1].id: None, bids[2].id: False}
    recording.record(tender, bids[1].id, {'tie_break_order': 1}, actor=pokja[0], now=clock.now())
    recording.record(tender, bids[0].id, {'tie_break_order': 2}, actor=pokja[0], now=clock.now())
    db.session.commit()
    assert _technical_pass(tender) == {bids[0].id: False, bids[1].id: True, bids[2].id: False}


def test_published_result_rounds_exactly_like_lpse_evaluate(
    app, opened_tender, pokja, tmp_path, capsys
):
    """NA = 0.7 × 80.35 + 0.3 × 100 = 86.245: half up gives 86.25 everywhere (half even, the
    old public rounding, gave 86.24 on the page while the export said 86.25)."""
    import json

    from lpse.console import main

    tender, bids = opened_tender(
        bids=(BidSpec('PT Tunggal', {1: Decimal('450000'), 2: Decimal('480000')}),),
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
        },
    )
    scored = {**PASSING, 'technical': {'passed': True, 'score': '80.35'}}
    recording.record(tender, bids[0].id, scored, actor=pokja[0], now=clock.now())
    proposal = decision.propose(tender, actor=pokja[0], now=clock.now())
    decision.approve(tender, proposal_id=proposal.id, actor=pokja[1], now=clock.now())
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(service.export_case(tender)), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)['bids'][0]
    public = row.result['bidders'][0]
    assert printed['scores']['NA'] == public['columns']['SA'] == '86.25'
    assert printed['scores']['NT'] == public['columns']['ST'] == '80.35'
    assert printed['corrected_total'] == public['columns']['PT']
    assert printed['declared_total'] == public['columns']['P']


def test_bids_never_evaluated_are_published_as_not_evaluated(app, opened_tender, pokja):
    from .test_award import pdf_text

    specs = (
        BidSpec('PT A', {1: Decimal('400000'), 2: Decimal('470000')}),
        BidSpec('PT B', {1: Decimal('410000'), 2: Decimal('470000')}),
        BidSpec('PT C', {1: Decimal('420000'), 2: Decimal('470000')}),
        BidSpec('PT D', {1: Decimal('480000'), 2: Decimal('490000')}),
    )
    tender, bids = opened_tender(bids=specs)
    now = clock.now()
    for bid in bids[:3]:
        recording.record(tender, bid.id, dict(PASSING), actor=pokja[0], now=now)
    proposal = decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(tender, proposal_id=proposal.id, actor=pokja[1], now=now)
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    d = next(r for r in row.result['bidders'] if r['vendor']['name'] == 'PT D')
    assert {d['columns'][k] for k in ('A', 'K', 'T')} == {'not_evaluated'}
    assert d['reasons'] == [] and d['not_evaluated'] is True and d['rank'] is None
    counts = row.result['stage_counts']
    assert counts['technical'] == {'passed': 3, 'failed': 0, 'not_evaluated': 1}
    text = pdf_text(row.bahp_document)
    assert 'PT D' in text and 'Tidak dievaluasi' in text
    assert 'Tidak ada peserta yang gugur' in text
    assert 'belum dievaluasi' not in text


def test_a_tie_for_a_reserve_place_needs_the_pokja_decision(opened_tender, pokja):
    from lpse.errors import Conflict

    same = {1: Decimal('450000'), 2: Decimal('480000')}
    specs = (
        BidSpec('PT Satu', {1: Decimal('400000'), 2: Decimal('470000')}),
        BidSpec('PT Dua', same),
        BidSpec('PT Tiga', same),
    )
    tender, bids = opened_tender(bids=specs)
    now = clock.now()
    for bid in bids:
        recording.record(tender, bid.id, dict(PASSING), actor=pokja[0], now=now)
    db.session.commit()
    ranking = service.live_result(tender)
    assert ranking.winner == str(bids[0].id)
    assert set(ranking.unresolved_reserve_tie) == {str(bids[1].id), str(bids[2].id)}
    assert ranking.reserves == ()
    with pytest.raises(Conflict, match='PT Dua, PT Tiga'):
        decision.propose(tender, actor=pokja[0], now=now)
    db.session.rollback()
    # The Pokja decides PT Tiga first: the later bid id becomes reserve 1.
    recording.record(tender, bids[2].id, {'tie_break_order': 1}, actor=pokja[0], now=now)
    recording.record(tender, bids[1].id, {'tie_break_order': 2}, actor=pokja[0], now=now)
    proposal = decision.propose(tender, actor=pokja[0], now=now)
    assert proposal.reserve_bid_ids == [bids[2].id, bids[1].id]


def test_a_refused_attachment_on_the_web_leaves_no_objection(app, announced, as_user):
    import io

    from tenders.factories import PDF

    from lpse.evaluation.objection_models import Objection, ObjectionAttachment

    tender, bids, _row = announced
    client = as_user(vendor_user(bids[LOSER]))
    url = f'/tenders/{tender.code}/objections'
    response = client.post(
        url,
        data={
            'grounds': 'Penawaran kami dinilai gugur teknis tanpa dasar.',
            'attachments': [
                (io.BytesIO(PDF), 'bukti.pdf'),
                (io.BytesIO(b'MZ\x90\x00 not a document'), 'program.pdf'),
            ],
        },
        content_type='multipart/form-data',
    )
    assert response.status_code == 422
    assert 'class="card objection"' not in response.get_data(as_text=True)
    db.session.rollback()
    for model in (Objection, ObjectionAttachment):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    response = client.post(
        url,
        data={'grounds': 'Alasan kedua.', 'attachments': [(io.BytesIO(PDF), 'bukti.pdf')]},
        content_type='multipart/form-data',
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ObjectionAttachment)) == 1


def test_objections_are_accepted_until_the_scheduled_end_of_the_masa_sanggah(app, announced):
    from lpse.errors import StageClosed

    tender, bids, row = announced
    assert row.objection_ends_at == tender.schedule[Stage.objection].end
    with pytest.raises(StageClosed):
        objections.file_objection(
            tender, actor=vendor_user(bids[LOSER]), grounds='x', now=row.objection_ends_at
        )
    last = row.objection_ends_at - timedelta(microseconds=1)
    filed = objections.file_objection(tender, actor=vendor_user(bids[LOSER]), grounds='x', now=last)
    assert filed.filed_at == last


def test_declaring_the_tender_failed_issues_the_bahp_stating_it(app, opened_tender, pokja):
    from lpse.documents.models import IssuedDocument

    from .test_award import pdf_text

    tender, bids = opened_tender()
    now = clock.now()
    for bid in bids:
        failed = {'passed': False, 'reason': f'Jaminan penawaran {bid.spec.company} tidak sah'}
        recording.record(tender, bid.id, {'administration': failed}, actor=pokja[0], now=now)
    report = decision.declare_failed(
        tender, reason='Seluruh penawaran gugur administrasi', actor=pokja[1], now=now
    )
    db.session.commit()
    assert report.kind == 'evaluation_report'
    stored = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.kind == 'evaluation_report')
    ).all()
    assert [d.id for d in stored] == [report.id]
    text = pdf_text(report)
    assert 'Tender Gagal' in text and 'gagal' in text
    assert 'Alasan tender gagal: Seluruh penawaran gugur administrasi' in text
    assert f'Dinyatakan gagal oleh {pokja[1].name}' in text
    for bid in bids:
        assert f'Jaminan penawaran {bid.spec.company} tidak sah' in text
    assert 'Pemenang cadangan' not in text


QCBS = {
    'category': 'jasa_konsultansi',
    'selection_method': 'seleksi',
    'submission_files': 2,
    'evaluation_method': 'qcbs',
    'method_params': {'weights': {'technical': '0.8', 'price': '0.2'}, 'technical_threshold': '70'},
}


def test_a_reevaluation_after_an_accepted_objection_may_correct_file_one(app, opened_tender, pokja):
    from datetime import timedelta

    from .conftest import open_price_envelopes

    tender, bids = opened_tender(**QCBS)
    for bid, score in zip(bids, ('85', '90', '60'), strict=True):
        _file_one(tender, bid, score, pokja[0])
    db.session.commit()
    clock.set_now(clock.now() + timedelta(minutes=5))
    open_price_envelopes(tender, bids)
    clock.set_now(clock.now() + timedelta(minutes=5))
    with pytest.raises(InvalidTransition, match='File II sudah dibuka'):
        _file_one(tender, bids[0], '95', pokja[0])
    db.session.rollback()
    winner = int(service.live_result(tender).winner)
    recording.record(
        tender, winner, {'pembuktian': {'passed': True}}, actor=pokja[0], now=clock.now()
    )
    agree_negotiation(tender, pokja[0])
    proposal = decision.propose(tender, actor=pokja[0], now=clock.now())
    decision.approve(tender, proposal_id=proposal.id, actor=pokja[1], now=clock.now())
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    clock.set_now(clock.now() + timedelta(hours=1))
    loser = next(b for b in bids if b.id != winner and b.spec.company != 'PT Tiga')
    filed = objections.file_objection(
        tender, actor=vendor_user(loser), grounds='Nilai teknis kami salah.', now=clock.now()
    )
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='reevaluate',
        answer='Nilai teknis dikoreksi.',
        now=clock.now(),
    )
    db.session.commit()
    assert row.withdrawn_at is not None and service.current_version(tender).number == 2
    # The re-evaluation corrects File I: the objector's technical score goes up.
    _file_one(tender, loser, '99', pokja[0])
    db.session.commit()
    assert service.live_result(tender).result(str(loser.id)).scores['NT'] == Decimal('99.00')


def test_the_period_is_shown_ending_at_its_last_local_minute(app, announced, client):
    from zoneinfo import ZoneInfo

    from .test_award import pdf_text

    tender, _bids, row = announced
    last = (row.objection_ends_at - timedelta(minutes=1)).astimezone(ZoneInfo(tender.timezone))
    shown = last.strftime('%H:%M')
    page = client.get(f'/tenders/{tender.code}/results').get_data(as_text=True)
    assert 'Masa sanggah sampai' in page and shown in page
    assert shown in pdf_text(row.notice_document)
