"""Pengumuman pemenang: the Pokja makes the approved result public and the objection period
(masa sanggah) starts. Before it, the result is the Pokja's, the PPK's and the auditors' only."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit, checkpoints
from lpse.crypto.canonical import canonical_json
from lpse.errors import InvalidTransition, NotAllowed, NotFound
from lpse.evaluation import award_documents, public_result, service
from lpse.evaluation.objection_models import Announcement
from lpse.extensions import db
from lpse.tenders import news
from lpse.tenders.models import TenderStatus

DEFAULT_PERIOD_DAYS = 5
#: DOMAIN §2 stage 10: the Pokja answers at most 3 days after the objection period ends.
ANSWER_DAYS = 3


def objection_period_end(announced_at: datetime, zone: str, days: int) -> datetime:
    """The (exclusive) end of the objection period: DOMAIN §2 stage 10 gives "5 calendar
    days" after the announcement, counted in the tender's time zone — the announcement day
    itself is not counted, and the period runs to the end of the 5th calendar day after it
    (23:59:59.999999 local; stored as the following local midnight, exclusive)."""
    tz = ZoneInfo(zone)
    last_day = announced_at.astimezone(tz).date() + timedelta(days=days)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    return end.astimezone(UTC)


def period_days() -> int:
    return int(current_app.config.get('LPSE_OBJECTION_PERIOD_DAYS', DEFAULT_PERIOD_DAYS))


def current_announcement(tender) -> Announcement | None:
    """The announcement in force (None before the announcement or after a withdrawal)."""
    return db.session.scalar(
        select(Announcement)
        .where(Announcement.tender_id == tender.id, Announcement.withdrawn_at.is_(None))
        .order_by(Announcement.id.desc())
    )


def announcements_of(tender) -> list[Announcement]:
    """Every announcement the tender had, newest first (withdrawn ones are kept)."""
    return db.session.scalars(
        select(Announcement)
        .where(Announcement.tender_id == tender.id)
        .order_by(Announcement.id.desc())
    ).all()


def get_announcement(tender, announcement_id) -> Announcement:
    row = db.session.get(Announcement, announcement_id) if announcement_id else None
    if row is None or row.tender_id != tender.id:
        raise NotFound(_l('Pengumuman tidak ditemukan.'))
    return row


def is_privileged(tender, user) -> bool:
    """The Pokja, the PPK and auditors see the result before it is announced."""
    if tender.is_officer(user):
        return True
    return bool(getattr(user, 'is_authenticated', False)) and user.has_role('auditor')


def _approved(decision, tender) -> bool:
    return 2 * len(decision.approvals) >= len(tender.members)


def announce_winner(tender, *, actor, now, ip=None) -> Announcement:
    """Announce the approved result of the current evaluation version; the objection period
    runs from now for the configured number of calendar days (frozen on the row)."""
    if not tender.is_member(actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat mengumumkan pemenang.'))
    if tender.status != TenderStatus.published:
        raise InvalidTransition(_l('Tender ini tidak sedang berjalan.'))
    if tender.winner_announced_at is not None or current_announcement(tender) is not None:
        raise InvalidTransition(_l('Pemenang tender ini sudah diumumkan.'))
    decision = service.decided_result(tender)
    if decision is None or tender.winner_decided_at is None or not _approved(decision, tender):
        raise InvalidTransition(
            _l(
                'Hasil evaluasi belum ditetapkan: pemenang harus disetujui sekurang-kurangnya '
                'separuh anggota Pokja sebelum diumumkan.'
            )
        )
    if decision.failed_reason or decision.winner_bid_id is None or decision.result is None:
        raise InvalidTransition(_l('Tender tanpa pemenang tidak diumumkan; nyatakan gagal.'))
    ends = objection_period_end(now, tender.timezone, period_days())
    row = Announcement(
        tender_id=tender.id,
        evaluation_version=decision.version,
        announced_at=now,
        announced_by_id=actor.id,
        objection_ends_at=ends,
        answer_due_at=ends + timedelta(days=ANSWER_DAYS),
        result_json=canonical_json(public_result.build(tender, decision)),
    )
    db.session.add(row)
    tender.winner_announced_at = now
    db.session.flush()
    audit.record(
        'winner.announced',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        announcement=row.id,
        evaluation_version=decision.version,
        winner_bid=decision.winner_bid_id,
        objection_ends_at=ends.isoformat(),
    )
    checkpoints.create_checkpoint('winner.announced', now=now, tender=tender)
    award_documents.issue_announcement_documents(row, now=now)
    news.tell(tender, 'announced', now=now, endpoint='sanggah.results', ends=ends)
    return row


def withdraw(announcement, *, reason, actor, now, ip=None) -> None:
    """An accepted objection takes the announcement back (kept for auditors)."""
    announcement.withdrawn_at = now
    announcement.withdrawn_reason = reason
    announcement.tender.winner_announced_at = None
    db.session.flush()
    audit.record(
        'winner.announcement_withdrawn',
        announcement.tender,
        actor=actor,
        now=now,
        ip=ip,
        announcement=announcement.id,
        reason=reason,
    )


def visible_result(tender, user, announcement_id=None):
    """(result, announcement) the visitor may see: the announced result for everyone; before
    the announcement the decided result for the Pokja, the PPK and auditors only (announcement
    None); a withdrawn announcement for them by id. Anyone else gets 404 (nothing leaks)."""
    privileged = is_privileged(tender, user)
    if announcement_id is not None:
        row = get_announcement(tender, announcement_id)
        if row.is_current or privileged:
            return row.result, row
        raise NotFound(_l('Pengumuman tidak ditemukan.'))
    row = current_announcement(tender)
    if row is not None:
        return row.result, row
    if privileged:
        decision = service.decided_result(tender)
        if decision is not None and decision.result is not None and decision.winner_bid_id:
            return public_result.build(tender, decision), None
    raise NotFound(_l('Hasil pemilihan belum diumumkan.'))
