"""Announcing the winner: only the approved result, once, by the Pokja; the result becomes
public with the SPSE legend and failure reasons; BAHP and winner announcement are issued."""

from datetime import timedelta

import pytest

from lpse import clock
from lpse.audit import AuditEvent
from lpse.errors import InvalidTransition, NotAllowed
from lpse.evaluation import announcement
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .sanggah_fixtures import (
    LOSER,
    RESERVE,
    TECHNICAL_FAILURE,
    WINNER,
    announcement_time,
    evaluate,
    written,
)


def test_announcing_freezes_the_public_result_and_starts_the_objection_period(app, announced, cast):
    tender, bids, row = announced
    now = clock.now()
    assert tender.winner_announced_at == now
    assert row.objection_ends_at == tender.schedule[Stage.objection].end  # the published one
    assert row.answer_due_at == row.objection_ends_at + timedelta(days=3)
    result = row.result
    names = [b['vendor']['name'] for b in result['bidders']]
    assert sorted(names) == ['PT Dua', 'PT Satu', 'PT Tiga']
    by_name = {b['vendor']['name']: b for b in result['bidders']}
    winner = by_name['PT Dua']
    assert winner['winner'] and winner['bid_id'] == bids[WINNER].id
    assert winner['columns'] == {
        'A': 'passed',
        'K': 'passed',
        'T': 'passed',
        'ST': None,
        'P': '1340000000',
        'PT': '1340000000',
        'HN': None,
        'SH': None,
        'SA': None,
        'B': 'passed',
    }
    assert by_name['PT Satu']['reserve'] == 1
    loser = by_name['PT Tiga']
    assert loser['columns']['T'] == 'failed' and not loser['winner']
    assert loser['reasons'] == [
        {'stage': 'technical', 'stage_name': 'Teknis', 'reason': TECHNICAL_FAILURE}
    ]
    assert result['stage_counts']['technical'] == {'passed': 2, 'failed': 1, 'not_evaluated': 0}
    assert result['approved_by'] == [cast['pokja'].name, cast['pokja2'].name]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == 'winner.announced')
    ).one()
    assert event.actor_id == cast['pokja'].id
    assert row.bahp_document.kind == 'evaluation_report'
    assert row.notice_document.kind == 'winner_announcement'


def test_no_announcement_before_its_scheduled_window_and_none_too_late_for_the_minimum(
    app, decided, pokja, monkeypatch
):
    """The issue's point 2: the period ends with the published Masa Sanggah; the announcement
    waits for its own window, and is refused when less than the schedule's minimum of the Masa
    Sanggah would remain (the Pokja changes the schedule first) — each with its reason."""
    from lpse.tenders import rules
    from lpse.tenders.stages import ScheduleRules

    tender, _bids = decided
    opens = tender.schedule[Stage.winner_announcement].start
    before = written()
    with pytest.raises(InvalidTransition, match='dijadwalkan mulai'):
        announcement.announce_winner(tender, actor=pokja[1], now=opens - timedelta(seconds=1))
    db.session.rollback()
    minimum = ScheduleRules({'objection': 120}, {})
    monkeypatch.setattr(rules, 'frozen_rules_of', lambda tender: minimum)
    late = tender.schedule[Stage.objection].end - timedelta(hours=119)
    with pytest.raises(InvalidTransition, match='Ubah jadwal tahap Masa Sanggah'):
        announcement.announce_winner(tender, actor=pokja[1], now=late)
    db.session.rollback()
    assert written() == before
    in_time = tender.schedule[Stage.objection].end - timedelta(hours=120)
    row = announcement.announce_winner(tender, actor=pokja[1], now=in_time)
    assert row.objection_ends_at - row.announced_at == timedelta(hours=120)


def test_announcing_without_approval_is_refused_and_writes_nothing(app, opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate(tender, bids, pokja)  # proposed: one approval of the two needed
    before = written()
    with pytest.raises(InvalidTransition, match='disetujui'):
        announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.rollback()
    assert written() == before
    assert tender.winner_announced_at is None


@pytest.mark.parametrize('who', ['pokja_other', 'ppk', 'vendor', 'auditor'])
def test_only_the_tenders_pokja_announces(app, decided, cast, who):
    tender, _bids = decided
    before = written()
    with pytest.raises(NotAllowed):
        announcement.announce_winner(tender, actor=cast[who], now=announcement_time(tender))
    db.session.rollback()
    assert written() == before


def test_a_second_announcement_is_refused(app, announced, pokja):
    tender, _bids, _row = announced
    with pytest.raises(InvalidTransition, match='sudah diumumkan'):
        announcement.announce_winner(tender, actor=pokja[1], now=announcement_time(tender))


def test_loser_reason_and_reserve_ids(announced):
    _tender, bids, row = announced
    assert row.result['winner_bid_id'] == bids[WINNER].id
    assert row.result['reserve_bid_ids'] == [bids[RESERVE].id]
    assert bids[LOSER].id not in row.result['reserve_bid_ids']
