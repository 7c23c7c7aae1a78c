"""Who may do and see what of an opening (predicates for views, API, templates and the matrix).

Only a Pokja member of the tender releases a share, and only after the bid deadline, in the
opening stage (File II once every File I has its technical verdict), once per ceremony.

Before the winner announcement only the tender's officers (Pokja, PPK) and auditors see opened
bids, the published key and the sealed envelopes; each bidder sees the minutes. After the
announcement the results, the key and the envelopes are public (anyone can re-open and check)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit, clock
from lpse.auth.models import Role
from lpse.auth.scope import audits_tender
from lpse.bids.models import Bid
from lpse.errors import Conflict, NotAllowed, NotFound, StageClosed
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.opening.state import (
    PRICE,
    SINGLE,
    TECHNICAL,
    ceremony_of,
    has_released,
    is_opened,
    pending_kind,
    share_of,
    technical_verdicts_missing,
)
from lpse.tenders.keys import key_of
from lpse.tenders.stages import Stage


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


def is_overseer(tender, user) -> bool:
    """A Pokja member or the PPK of this tender, or an auditor."""
    return _authenticated(user) and (tender.is_officer(user) or audits_tender(user, tender))


def is_bidder(tender, user) -> bool:
    """A vendor user whose company sent at least one envelope to this tender."""
    if not _authenticated(user) or not user.has_role(Role.vendor):
        return False
    from lpse.vendors.verification import vendor_of

    vendor = vendor_of(user)
    return vendor is not None and (
        db.session.scalar(
            select(Bid.id).where(Bid.tender_id == tender.id, Bid.vendor_id == vendor.id).limit(1)
        )
        is not None
    )


def announced(tender) -> bool:
    return tender.winner_announced_at is not None


def can_see_bids(tender, user) -> bool:
    """The opened bids (vendor, result, prices): overseers; everyone once the winner is out."""
    if not is_opened(tender):
        return False
    return is_overseer(tender, user) or announced(tender)


def can_read_bid(tender, user) -> bool:
    """An opened bid's content and attachments: the Pokja, the PPK and auditors."""
    return is_opened(tender) and is_overseer(tender, user)


def key_published(tender) -> bool:
    row = key_of(tender)
    return row is not None and row.published_key_pem is not None


def can_download_key(tender, user) -> bool:
    """The published tender key and the sealed envelopes."""
    if not key_published(tender):
        return False
    return is_overseer(tender, user) or announced(tender)


def record_read(what, tender, obj, user, *, ip, **data):
    """Log a read of a bid's attachment or envelope or of the tender key (lpse.audit.record_read,
    committed) while it is not public; after the winner announcement, when anyone may fetch
    the key and the envelopes, only envelope reads by a signed-in reader (a log anyone could
    grow at will is not wanted)."""
    if announced(tender) and (what == 'tender_key' or not _authenticated(user)):
        return
    if not _authenticated(user):
        user = None
    audit.record_read(what, obj, actor=user, now=clock.now(), ip=ip, code=tender.code, **data)


def can_see_minutes(tender, user) -> bool:
    return is_overseer(tender, user) or is_bidder(tender, user)


def release_problem(tender, user, now):
    """Why `user` may not release a share of `tender` at `now` (a domain error), or None."""
    if not tender.is_active:
        return StageClosed(_l('Tender ini tidak dalam proses pemilihan.'))
    if tender.bid_deadline is None or now < tender.bid_deadline:
        deadline = with_wib(tender.bid_deadline, tender.timezone) if tender.bid_deadline else '–'
        return StageClosed(
            _l(
                'Bagian kunci baru dapat diserahkan pada atau setelah batas akhir penawaran '
                '(%(d)s).',
                d=deadline,
            )
        )
    if user is None or not tender.is_member(user):
        return NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat menyerahkan bagian kunci.'))
    kind = pending_kind(tender)
    if kind is None:
        return Conflict(_l('Semua sampul penawaran tender ini sudah dibuka.'))
    if kind in (SINGLE, TECHNICAL) and tender.stage(now) != Stage.bid_opening:
        window = tender.schedule.get(Stage.bid_opening)
        start = with_wib(window.start, tender.timezone) if window else '–'
        return StageClosed(_l('Tahap pembukaan penawaran belum dimulai (mulai %(t)s).', t=start))
    if kind == PRICE and technical_verdicts_missing(tender) != 0:
        return Conflict(
            _l(
                'File II dibuka setelah evaluasi teknis menetapkan hasil setiap penawaran yang '
                'File I-nya terbuka.'
            )
        )
    if share_of(tender, user) is None:
        return NotFound(_l('Anda tidak memegang bagian kunci tender ini.'))
    if has_released(ceremony_of(tender, kind), user):
        return Conflict(_l('Anda sudah menyerahkan bagian kunci untuk pembukaan ini.'))
    return None


def require_release(tender, user, now) -> str:
    """The kind of the ceremony `user` may release a share for now (or the refusal)."""
    problem = release_problem(tender, user, now)
    if problem is not None:
        raise problem
    return pending_kind(tender)
