"""Sanggah: only bidders, only inside [announcement, announcement + period), answered by the
Pokja (late answers marked), public; an accepted objection reopens or fails the tender."""

import io
from datetime import timedelta

import pytest
from tenders.factories import PDF

from lpse import clock
from lpse.audit import AuditEvent
from lpse.errors import Conflict, NotAllowed, StageClosed, ValidationFailed
from lpse.evaluation import announcement, objections, recording, service
from lpse.evaluation.models import EvaluationVersion
from lpse.extensions import db
from lpse.tenders.models import TenderStatus

from .sanggah_fixtures import (
    LOSER,
    WINNER,
    announcement_time,
    vendor_user,
    written,
)

US = timedelta(microseconds=1)


def file(tender, bid, *, now, grounds='Penawaran kami dinilai gugur teknis tanpa dasar.', **kw):
    return objections.file_objection(tender, actor=vendor_user(bid), grounds=grounds, now=now, **kw)


@pytest.mark.parametrize(
    ('moment', 'accepted'),
    [
        (lambda row: row.announced_at, True),  # the moment of the announcement
        (lambda row: row.objection_ends_at - US, True),  # the last instant of the period
        (lambda row: row.objection_ends_at, False),  # the end is exclusive
        (lambda row: row.announced_at - US, False),  # before the announcement
    ],
)
def test_objection_window_boundaries(app, announced, moment, accepted):
    tender, bids, row = announced
    before = written()
    now = moment(row)
    if accepted:
        filed = file(tender, bids[LOSER], now=now)
        db.session.commit()
        assert filed.filed_at == now and filed.is_pending
    else:
        with pytest.raises(StageClosed):
            file(tender, bids[LOSER], now=now)
        db.session.rollback()
        assert written() == before


def test_before_any_announcement_nobody_can_object(app, decided):
    tender, bids = decided
    with pytest.raises(StageClosed, match='belum diumumkan'):
        file(tender, bids[LOSER], now=clock.now())


@pytest.mark.parametrize('who', ['vendor', 'pokja', 'auditor'])
def test_non_bidders_cannot_object(app, announced, cast, who):
    tender, _bids, _row = announced
    before = written()
    with pytest.raises(NotAllowed, match='peserta'):
        objections.file_objection(tender, actor=cast[who], grounds='Keberatan', now=clock.now())
    db.session.rollback()
    assert written() == before


def test_empty_grounds_and_second_objection_refused(app, announced):
    tender, bids, _row = announced
    with pytest.raises(ValidationFailed):
        file(tender, bids[LOSER], now=clock.now(), grounds='   ')
    db.session.rollback()
    file(tender, bids[LOSER], now=clock.now())
    db.session.commit()
    with pytest.raises(Conflict):
        file(tender, bids[LOSER], now=clock.now())


def test_attachments_are_checked_by_content_and_stored(app, announced):
    tender, bids, _row = announced
    before = written()
    with pytest.raises(ValidationFailed):
        file(
            tender,
            bids[LOSER],
            now=clock.now(),
            attachments=[(io.BytesIO(b'MZ\x90\x00 not a document'), 'bukti.pdf')],
        )
    db.session.rollback()
    assert written() == before
    row = file(
        tender, bids[LOSER], now=clock.now(), attachments=[(io.BytesIO(PDF), '../bukti.pdf')]
    )
    db.session.commit()
    assert [(a.filename, a.media_type, a.size) for a in row.attachments] == [
        ('bukti.pdf', 'application/pdf', len(PDF))
    ]


def test_answer_window_marks_late_answers(app, announced, pokja):
    tender, bids, row = announced
    first = file(tender, bids[LOSER], now=row.announced_at)
    second = file(tender, bids[0], now=row.announced_at + timedelta(hours=1))
    db.session.commit()
    objections.answer_objection(
        first,
        actor=pokja[0],
        accepted=False,
        answer='Sudah sesuai dokumen.',
        now=row.answer_due_at - US,
    )
    objections.answer_objection(
        second,
        actor=pokja[1],
        accepted=False,
        answer='Sudah sesuai dokumen.',
        now=row.answer_due_at,
    )
    db.session.commit()
    assert (first.answered_late, second.answered_late) == (False, True)
    assert first.answer_document.kind == 'objection_answer'
    actions = db.session.scalars(
        db.select(AuditEvent.action)
        .where(AuditEvent.action.like('objection.%'))
        .order_by(AuditEvent.seq)
    ).all()
    assert actions == [
        'objection.filed',
        'objection.filed',
        'objection.answered',
        'objection.answered',
    ]


def test_bad_answers_are_refused(app, announced, pokja, cast):
    tender, bids, _row = announced
    filed = file(tender, bids[LOSER], now=clock.now())
    db.session.commit()
    before = written()
    for kwargs, error in [
        ({'actor': cast['pokja_other'], 'accepted': False, 'answer': 'x'}, NotAllowed),
        ({'actor': pokja[0], 'accepted': False, 'answer': ' '}, ValidationFailed),
        ({'actor': pokja[0], 'accepted': True, 'answer': 'Benar.'}, ValidationFailed),
        ({'actor': pokja[0], 'accepted': 'yes', 'answer': 'Benar.'}, ValidationFailed),
    ]:
        with pytest.raises(error):
            objections.answer_objection(filed, now=clock.now(), **kwargs)
        db.session.rollback()
    assert written() == before
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Ditolak.', now=clock.now()
    )
    db.session.commit()
    with pytest.raises(Conflict):
        objections.answer_objection(
            filed,
            actor=pokja[0],
            accepted=True,
            answer='Lagi',
            consequence='fail',
            now=clock.now(),
        )


def test_accepted_objection_reopens_evaluation_as_a_new_version(app, announced, pokja, cast):
    tender, bids, row = announced
    filed = file(tender, bids[LOSER], now=clock.now())
    db.session.commit()
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='reevaluate',
        answer='Metode pelaksanaan memuat drainase pada halaman 12.',
        now=clock.now(),
    )
    db.session.commit()
    assert row.withdrawn_at is not None and 'Sanggah' in row.withdrawn_reason
    assert tender.winner_announced_at is None and tender.winner_decided_at is None
    numbers = db.session.scalars(
        db.select(EvaluationVersion.number).where(EvaluationVersion.tender_id == tender.id)
    ).all()
    assert sorted(numbers) == [1, 2]
    assert service.decided_result(tender) is None
    assert announcement.current_announcement(tender) is None
    # The withdrawn announcement stays visible to auditors, not to the public.
    result, old = announcement.visible_result(tender, cast['auditor'], row.id)
    assert old.id == row.id and result['evaluation_version'] == 1
    from lpse.errors import NotFound

    with pytest.raises(NotFound):
        announcement.visible_result(tender, cast['vendor'], row.id)
    with pytest.raises(NotFound):
        announcement.visible_result(tender, None)


def test_accepted_objection_can_fail_the_tender(app, announced, pokja):
    tender, bids, row = announced
    filed = file(tender, bids[LOSER], now=clock.now())
    db.session.commit()
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='fail',
        answer='Semua penawaran terindikasi persekongkolan.',
        now=clock.now(),
    )
    db.session.commit()
    assert tender.status == TenderStatus.failed
    assert 'Sanggah' in tender.end_reason
    assert row.withdrawn_at is not None


def test_winner_can_object_too_any_bidder(app, announced):
    tender, bids, _row = announced
    assert objections.can_object(tender, vendor_user(bids[WINNER]), clock.now())


def test_after_reevaluation_the_new_version_is_announced_and_both_are_kept(
    app, announced, pokja, cast
):
    from lpse.evaluation import decision

    tender, bids, first = announced
    filed = file(tender, bids[LOSER], now=clock.now())
    other = file(tender, bids[0], now=clock.now())
    db.session.commit()
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='reevaluate',
        answer='Nilai teknis PT Tiga dihitung ulang.',
        now=clock.now(),
    )
    db.session.commit()
    recording.record(
        tender,
        bids[LOSER].id,
        {'technical': {'passed': True}, 'pembuktian': {'passed': True}},
        actor=pokja[0],
        now=clock.now(),
    )
    decision.propose(tender, actor=pokja[0], now=clock.now())
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[2], now=clock.now()
    )
    second = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    assert (first.evaluation_version, second.evaluation_version) == (1, 2)
    tiga = next(b for b in second.result['bidders'] if b['vendor']['name'] == 'PT Tiga')
    assert tiga['columns']['T'] == 'passed' and tiga['reasons'] == []
    assert [a.id for a in announcement.announcements_of(tender)] == [second.id, first.id]
    # The objection left pending on the withdrawn announcement still blocks the award.
    from lpse.evaluation import award

    error = award.blocking_error(tender, second.objection_ends_at)
    assert isinstance(error, StageClosed) and 'belum dijawab' in error.message
    objections.answer_objection(
        other, actor=pokja[1], accepted=False, answer='Tidak relevan lagi.', now=clock.now()
    )
    assert award.blocking_error(tender, second.objection_ends_at) is None


def test_the_announced_sanggah_period_keeps_its_end(app, announced, pokja):
    """Announced with its deadline, the sanggah stage cannot be moved by "Ubah jadwal" (the
    announcement keeps the end it was announced with; a page would show two deadlines)."""
    from lpse.tenders import schedule as tender_schedule
    from lpse.tenders.stages import Stage, Window

    tender, _bids, row = announced
    window = tender.schedule[Stage.objection]
    assert row.objection_ends_at == window.end
    with pytest.raises(tender_schedule.ScheduleInvalid, match='sudah diumumkan'):
        tender_schedule.change_schedule(
            tender,
            {Stage.objection: Window(window.start, window.end - timedelta(hours=3))},
            reason='Percepat sanggah',
            actor=pokja[0],
            now=clock.now(),
        )
    db.session.rollback()
    assert tender.schedule[Stage.objection] == window
