"""Pengumuman pemenang: the Pokja makes the approved result public and the objection period
(masa sanggah) starts. Before it, the result is the Pokja's, the PPK's and the auditors' only."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit, checkpoints
from lpse.auth.scope import audits_tender
from lpse.crypto.canonical import canonical_json
from lpse.errors import InvalidTransition, NotAllowed, NotFound
from lpse.evaluation import award_documents, public_result, service
from lpse.evaluation.objection_models import Announcement
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders import news
from lpse.tenders import rules as tender_rules
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.models import TenderStatus
from lpse.tenders.stages import Stage

#: DOMAIN §2 stage 10: the Pokja answers at most 3 days after the objection period ends.
ANSWER_DAYS = 3


def objection_period(tender, now: datetime) -> datetime:
    """The (exclusive) end of the objection period of an announcement made `now`: the end of
    the tender's published Masa Sanggah stage. The minimum period is the schedule's business —
    it is enforced when the schedule is set or changed (`tenders.schedule`) — so here the
    announcement is refused, with the reason, when it comes before its own scheduled window
    or so late that less than that minimum would remain (the Pokja changes the schedule
    first, with a reason everyone sees)."""
    announce = tender.schedule.get(Stage.winner_announcement)
    window = tender.schedule.get(Stage.objection)
    if announce is None or window is None:
        raise InvalidTransition(_l('Jadwal pengumuman pemenang dan masa sanggah belum diisi.'))
    zone = tender.timezone
    if now < announce.start:
        raise InvalidTransition(
            _l(
                'Pengumuman pemenang dijadwalkan mulai %(start)s: belum dapat diumumkan.',
                start=with_wib(announce.start, zone),
            )
        )
    rules = tender_rules.tender_schedule_rules(tender)
    if window.end - now < max(rules.duration(Stage.objection), timedelta(minutes=1)):
        raise InvalidTransition(
            _l(
                'Masa sanggah menurut jadwal berakhir %(end)s: sisa waktunya kurang dari batas '
                'minimum. Ubah jadwal tahap Masa Sanggah terlebih dahulu.',
                end=with_wib(window.end, zone),
            )
        )
    return window.end


def current_announcement(tender) -> Announcement | None:
    """The announcement in force (None before the announcement or after a withdrawal)."""
    return db.session.scalar(
        select(Announcement)
        .where(Announcement.tender_id == tender.id, Announcement.withdrawn_at.is_(None))
        .order_by(Announcement.id.desc())
    )


@tender_schedule.register_frozen_stages
def _announced_objection_period(tender) -> set[Stage]:
    """The sanggah period announced with the winner keeps the end it was announced with."""
    return {Stage.objection} if current_announcement(tender) is not None else set()


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
    return audits_tender(user, tender)


def _approved(decision, tender) -> bool:
    return 2 * len(decision.approvals) >= len(tender.members)


def announce_winner(tender, *, actor, now, ip=None) -> Announcement:
    """Announce the approved result of the current evaluation version; the objection period
    runs from now to the end of the scheduled Masa Sanggah (frozen on the row)."""
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
    ends = objection_period(tender, now)
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
    news.tell(announcement.tender, 'announcement_withdrawn', now=now, endpoint='sanggah.results')


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
