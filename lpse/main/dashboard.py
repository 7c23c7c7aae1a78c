"""The home page after login (/beranda): what each role has to do next.

A reader of every floor (it sits with the app's wiring): the Pokja sees its tenders waiting for
it, stage by stage (questions to answer, key shares to release, worksheets, approvals,
announcement, objections); the PPK its drafts, awards and contracts; a vendor the tenders it
joined or follows with their deadlines, its own bids and receipts, what changed since its last
visit, results, its objections and contracts; a verifier the vendors waiting. Nobody sees more
than the pages already show them: a vendor only ever sees its own bids, and no count or list
here says whether another vendor bid."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from lpse import pki_service, statelog
from lpse.auth.models import Role
from lpse.bids.models import Bid, BidStatus
from lpse.contracts.models import Contract, SigningStatus
from lpse.evaluation import decision
from lpse.evaluation.objection_models import Objection, ObjectionStatus
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.jobs.models import Job, JobStatus
from lpse.notify import outbox
from lpse.opening.models import OpeningCeremony, ShareRelease
from lpse.tenders import publication
from lpse.tenders.documents import Addendum
from lpse.tenders.models import ScheduleChange, Tender, TenderMember, TenderStatus
from lpse.tenders.prequalification import pages as prequalification
from lpse.tenders.questions import Question
from lpse.tenders.stages import Stage
from lpse.tenders.views import followed_by
from lpse.vendors import verification

NEWS_WINDOW = timedelta(days=30)  # how far back "since the last visit" looks at most
LIST_SIZE = 20
DRAFT_PROBLEMS_SHOWN = 5


@dataclass
class Item:
    """One tender on the home page and what its viewer is to do (or to know) about it."""

    tender: Tender
    todo: list = field(default_factory=list)


def _officer_tenders(user):
    return db.session.scalars(
        select(Tender)
        .where(
            Tender.superseded.is_(False),
            Tender.status.in_((TenderStatus.draft.value, TenderStatus.published.value)),
            Tender.handed_over_at.is_(None),
            or_(
                Tender.ppk_id == user.id,
                Tender.id.in_(
                    select(TenderMember.tender_id).where(TenderMember.user_id == user.id)
                ),
            ),
        )
        .order_by(Tender.code, Tender.version)
    ).all()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _released_share(tender, user) -> bool:
    return (
        _count(
            ShareRelease,
            ShareRelease.user_id == user.id,
            ShareRelease.ceremony_id.in_(
                select(OpeningCeremony.id).where(OpeningCeremony.tender_id == tender.id)
            ),
        )
        > 0
    )


def pokja_todo(tender, user, now) -> list:
    """What a Pokja member of ``tender`` has to do now, in the order of the stages."""
    if tender.is_draft:
        problems = publication.publication_problems(tender, now)
        if problems:  # the count, then what each is (the first few; the draft page has all)
            return [
                ngettext(
                    'Draf: %(num)s hal belum lengkap sebelum diumumkan.',
                    'Draf: %(num)s hal belum lengkap sebelum diumumkan.',
                    len(problems),
                ),
                *problems[:DRAFT_PROBLEMS_SHOWN],
            ]
        return [_l('Draf lengkap: siap diumumkan.')]
    todo = prequalification.pokja_tasks(tender, user, now)
    unanswered = _count(Question, Question.tender_id == tender.id, Question.answer.is_(None))
    if unanswered:
        todo.append(
            ngettext(
                '%(num)s pertanyaan belum dijawab.', '%(num)s pertanyaan belum dijawab.', unanswered
            )
        )
    deadline_passed = tender.bid_deadline is not None and now >= tender.bid_deadline
    if deadline_passed and tender.bids_opened_at is None:
        if not _released_share(tender, user):
            todo.append(_l('Serahkan bagian kunci Anda untuk pembukaan penawaran.'))
    elif tender.bids_opened_at is not None and tender.winner_decided_at is None:
        pending = decision.pending_proposal(tender)
        if pending is None:
            todo.append(_l('Isi lembar evaluasi dan usulkan hasilnya.'))
        elif pending.proposed_by_id != user.id and all(
            a.user_id != user.id for a in pending.approvals
        ):
            todo.append(_l('Setujui atau tolak usulan hasil evaluasi.'))
    elif tender.winner_decided_at is not None and tender.winner_announced_at is None:
        window = tender.schedule.get(Stage.winner_announcement)
        if window is not None and now < window.start:  # refused before its window opens
            start = with_wib(window.start, tender.timezone)
            todo.append(_l('Umumkan pemenang mulai %(start)s, sesuai jadwal.', start=start))
        else:
            todo.append(_l('Umumkan pemenang.'))
    objections = _count(
        Objection,
        Objection.tender_id == tender.id,
        Objection.status == ObjectionStatus.pending.value,
    )
    if objections:
        todo.append(
            ngettext('%(num)s sanggah belum dijawab.', '%(num)s sanggah belum dijawab.', objections)
        )
    return todo


def ppk_todo(tender, now) -> list:
    """What the PPK of ``tender`` has to do now: the draft, the SPPBJ, the contract steps."""
    if tender.is_draft:
        return [_l('Draf: periksa data paket, HPS dan BoQ.')]
    if tender.winner_announced_at is None:
        return []
    if tender.award_issued_at is None:
        if tender.stage(now) == Stage.objection:
            return [_l('Menunggu masa sanggah berakhir sebelum SPPBJ.')]
        return [_l('Terbitkan SPPBJ.')]
    contract = db.session.scalar(select(Contract).where(Contract.tender_id == tender.id))
    if contract is None:
        return [_l('Susun draf kontrak.')]
    if contract.status == SigningStatus.changes_requested.value:
        return [_l('Penyedia meminta perubahan draf kontrak.')]
    if contract.status == SigningStatus.vendor_signed.value:
        return [_l('Tanda tangani kontrak (penyedia sudah menandatangani).')]
    if contract.status != SigningStatus.signed.value:
        return [_l('Kontrak menunggu tinjauan dan tanda tangan penyedia.')]
    return [_l('Kontrak berjalan: SPMK, adendum kontrak atau BAST.')]


def officer_items(user, now) -> tuple[list[Item], list[Item]]:
    """(Pokja items, PPK items): the user's running tenders, those with something to do first."""
    pokja, ppk = [], []
    for tender in _officer_tenders(user):
        if user.has_role(Role.pokja) and tender.is_member(user):
            pokja.append(Item(tender, pokja_todo(tender, user, now)))
        if user.has_role(Role.ppk) and tender.ppk_id == user.id:
            ppk.append(Item(tender, ppk_todo(tender, now)))

    def order(items):
        return sorted(items, key=lambda i: (not i.todo, i.tender.code))

    return order(pokja), order(ppk)


def remaining(deadline: datetime | None, now: datetime):
    """The time left before ``deadline`` in words (`2 hari 3 jam lagi`), None once passed."""
    if deadline is None or deadline <= now:
        return None
    left = deadline - now
    days, hours, minutes = left.days, left.seconds // 3600, left.seconds % 3600 // 60
    if days:
        return _l('%(d)s hari %(h)s jam lagi', d=days, h=hours)
    if hours:
        return _l('%(h)s jam %(m)s menit lagi', h=hours, m=minutes)
    return _l('%(m)s menit lagi', m=max(minutes, 1))


@dataclass
class VendorHome:
    tenders: list
    bids: list
    news: list
    objections: list
    contracts: list
    since: datetime
    first_visit: bool = False  # no earlier visit: the news of the last NEWS_WINDOW
    window_days: int = NEWS_WINDOW.days


def _own_bids(vendor):
    return db.session.scalars(
        select(Bid).where(Bid.vendor_id == vendor.id).order_by(Bid.received_at.desc())
    ).all()


def _news(tenders, since) -> list[tuple[datetime, Tender, object]]:
    """What happened to ``tenders`` after ``since``: answers, addenda, schedule changes,
    announced results — newest first, each (when, tender, what)."""
    if not tenders:
        return []
    ids = [t.id for t in tenders]
    by_id = {t.id: t for t in tenders}
    news = []
    answered = db.session.execute(
        select(Question.tender_id, func.count(), func.max(Question.answered_at))
        .where(Question.tender_id.in_(ids), Question.answered_at > since)
        .group_by(Question.tender_id)
    ).all()
    for tender_id, n, last in answered:
        news.append(
            (
                last,
                by_id[tender_id],
                ngettext('%(num)s pertanyaan dijawab.', '%(num)s pertanyaan dijawab.', n),
            )
        )
    for row in db.session.scalars(
        select(Addendum).where(Addendum.tender_id.in_(ids), Addendum.issued_at > since)
    ):
        news.append(
            (row.issued_at, by_id[row.tender_id], _l('Adendum %(n)s diterbitkan.', n=row.number))
        )
    changes = db.session.execute(
        select(ScheduleChange.tender_id, func.max(ScheduleChange.changed_at))
        .where(ScheduleChange.tender_id.in_(ids), ScheduleChange.changed_at > since)
        .group_by(ScheduleChange.tender_id)
    ).all()
    for tender_id, last in changes:
        news.append((last, by_id[tender_id], _l('Jadwal diubah.')))
    for tender in tenders:
        if tender.bids_opened_at and tender.bids_opened_at > since:
            news.append((tender.bids_opened_at, tender, _l('Penawaran telah dibuka.')))
        if tender.winner_announced_at and tender.winner_announced_at > since:
            news.append((tender.winner_announced_at, tender, _l('Pemenang diumumkan.')))
    news.sort(key=lambda n: n[0], reverse=True)
    return news


def vendor_home(user, vendor, now) -> VendorHome:
    """The vendor's tenders (joined, followed, downloaded from, asked about, bid on) with their
    deadlines, its own bids only, the news since ``user.home_seen_at``, its objections and
    contracts."""
    since = max(user.home_seen_at or now - NEWS_WINDOW, now - NEWS_WINDOW)
    followed, _questions = followed_by(user)
    bids = _own_bids(vendor) if vendor is not None else []
    tenders = {t.id: t for t in followed}
    for bid in bids:
        tenders.setdefault(bid.tender_id, bid.tender)
    running = [
        t for t in tenders.values() if not t.superseded and t.status == TenderStatus.published.value
    ]
    current = {b.tender_id: b for b in bids if b.status == BidStatus.current.value}
    rows = sorted(
        (
            {
                'tender': t,
                'deadline': t.bid_deadline,
                'left': remaining(t.bid_deadline, now),
                'bid': current.get(t.id),
                # why the method keeps this vendor from bidding (outside the shortlist, a
                # Tender Cepat requirement), shown instead of the bid link
                'refusal': t.participation_problem(user, now) if vendor is not None else None,
            }
            for t in running
        ),
        key=lambda r: (r['left'] is None, r['deadline'] or now, r['tender'].code),
    )
    objections = (
        db.session.scalars(
            select(Objection)
            .where(Objection.vendor_id == vendor.id)
            .order_by(Objection.filed_at.desc())
        ).all()
        if vendor is not None
        else []
    )
    contracts = (
        db.session.scalars(
            select(Contract).where(Contract.vendor_id == vendor.id).order_by(Contract.id.desc())
        ).all()
        if vendor is not None
        else []
    )
    return VendorHome(
        tenders=rows,
        bids=bids[:LIST_SIZE],
        news=_news(list(tenders.values()), since),
        objections=objections,
        contracts=contracts,
        since=since,
        first_visit=user.home_seen_at is None,
    )


def vendors_waiting():
    """The verifier's queue, oldest first (as the queue page lists it)."""
    return verification.queue()


@dataclass
class AdminHome:
    """What the LPSE admin is to look after: the CA, failed background jobs and mail, and the
    latest reconciliation of the log against the database (whose outcome auditors read)."""

    authority: object  # pki_service.Authority | None: the CA (its certificate's end)
    failed_jobs: int
    failed_mail: int
    reconcile: object  # statelog.ReconcileRun | None


def admin_home() -> AdminHome:
    return AdminHome(
        authority=pki_service.authority(),
        failed_jobs=_count(Job, Job.status == JobStatus.failed),
        failed_mail=outbox.failure_count(),
        reconcile=statelog.latest_run(),
    )
