"""The state of a tender's opening: its ceremonies (one, or File I then File II), who holds a
share, what has been released and whether the envelopes are open."""

from sqlalchemy import func, select

from lpse.bids import commitment
from lpse.bids.models import Bid, BidStatus
from lpse.extensions import db
from lpse.opening.models import OpenedBid, OpeningCeremony, ShareRelease
from lpse.tenders import keys
from lpse.tenders.keys import TenderKeyShare

SINGLE, TECHNICAL, PRICE = 'single', 'technical', 'price'


def ceremony_kinds(tender) -> tuple[str, ...]:
    """One ceremony (`single`), or File I (`technical`) then File II (`price`)."""
    return (TECHNICAL, PRICE) if tender.submission_files == 2 else (SINGLE,)


def ceremony_of(tender, kind) -> OpeningCeremony | None:
    return db.session.scalar(
        select(OpeningCeremony).where(
            OpeningCeremony.tender_id == tender.id, OpeningCeremony.kind == kind
        )
    )


def ceremonies_of(tender) -> list[OpeningCeremony]:
    rows = {
        c.kind: c
        for c in db.session.scalars(
            select(OpeningCeremony).where(OpeningCeremony.tender_id == tender.id)
        )
    }
    return [rows[k] for k in ceremony_kinds(tender) if k in rows]


def pending_kind(tender) -> str | None:
    """The ceremony to run next (the first one not yet opened), None when all are done."""
    for kind in ceremony_kinds(tender):
        ceremony = ceremony_of(tender, kind)
        if ceremony is None or ceremony.opened_at is None:
            return kind
    return None


def is_opened(tender, kind=None) -> bool:
    """Whether the first ceremony (or the given one) has opened its envelopes."""
    ceremony = ceremony_of(tender, kind or ceremony_kinds(tender)[0])
    return ceremony is not None and ceremony.opened_at is not None


def share_of(tender, user) -> TenderKeyShare | None:
    row = keys.key_of(tender)
    if row is None:
        return None
    return next((s for s in row.shares if s.user_id == user.id), None)


def released_count(ceremony) -> int:
    if ceremony is None or ceremony.id is None:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(ShareRelease)
        .where(ShareRelease.ceremony_id == ceremony.id)
    )


def has_released(ceremony, user) -> bool:
    return ceremony is not None and any(r.user_id == user.id for r in ceremony.releases)


def technical_verdicts_missing(tender) -> int:
    """Opened File I envelopes whose technical verdict the evaluation has not set yet."""
    ceremony = ceremony_of(tender, TECHNICAL)
    if ceremony is None or ceremony.opened_at is None:
        return -1
    return db.session.scalar(
        select(func.count())
        .select_from(OpenedBid)
        .where(
            OpenedBid.ceremony_id == ceremony.id,
            OpenedBid.result == 'opened',
            OpenedBid.technical_pass.is_(None),
        )
    )


def commitment_matches(tender, ceremony) -> bool | None:
    """Whether the envelopes this ceremony found current are those of the signed bid-set
    commitment (None when there is no commitment)."""
    row = commitment.commitment_of(tender)
    if row is None:
        return None
    current = set(
        db.session.scalars(
            select(Bid.sha256).where(
                Bid.tender_id == tender.id, Bid.status == BidStatus.current.value
            )
        )
    )
    return current == set(row.envelopes)
