"""Who may see what of an opening (predicates for views, API, templates and the matrix).

Before the winner announcement only the tender's officers (Pokja, PPK) and auditors see opened
bids, the published key and the sealed envelopes; each bidder sees the minutes. After the
announcement the results, the key and the envelopes are public (anyone can re-open and check)."""

from sqlalchemy import select

from lpse.auth.models import Role
from lpse.bids.keys import key_of
from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.opening import service


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


def is_overseer(tender, user) -> bool:
    """A Pokja member or the PPK of this tender, or an auditor."""
    return _authenticated(user) and (tender.is_officer(user) or user.has_role(Role.auditor))


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
    if not service.is_opened(tender):
        return False
    return is_overseer(tender, user) or announced(tender)


def can_read_bid(tender, user) -> bool:
    """An opened bid's content and attachments: the Pokja, the PPK and auditors."""
    return service.is_opened(tender) and is_overseer(tender, user)


def key_published(tender) -> bool:
    row = key_of(tender)
    return row is not None and row.published_key_pem is not None


def can_download_key(tender, user) -> bool:
    """The published tender key and the sealed envelopes."""
    if not key_published(tender):
        return False
    return is_overseer(tender, user) or announced(tender)


def can_see_minutes(tender, user) -> bool:
    return is_overseer(tender, user) or is_bidder(tender, user)
