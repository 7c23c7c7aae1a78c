"""Following a tender ("ikut tender"): a vendor asks to hear of a tender's news (answers,
addenda, schedule changes, the deadline, the opening, the results). Who follows a tender is
never shown to anyone but the follower: the tender's news goes to each follower alone."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column

from lpse import audit
from lpse.auth.models import User
from lpse.errors import NotAllowed
from lpse.extensions import db
from lpse.tenders.models import Tender
from lpse.types import UTCDateTime


class TenderFollow(db.Model):
    __tablename__ = 'tender_follow'

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id', ondelete='CASCADE'), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey('user.id', ondelete='CASCADE'), primary_key=True, index=True
    )
    followed_at: Mapped[datetime] = mapped_column(UTCDateTime)


def may_follow(tender, user) -> bool:
    """A vendor's user, on a published tender it can see."""
    return (
        user is not None
        and getattr(user, 'is_authenticated', False)
        and user.has_role('vendor')
        and tender.published_at is not None
        and tender.can_view(user)
    )


def is_following(tender, user) -> bool:
    if user is None or not getattr(user, 'is_authenticated', False):
        return False
    return db.session.get(TenderFollow, (tender.id, user.id)) is not None


def follow(tender, *, actor, now, ip=None) -> bool:
    """Start following; False when the vendor already did (nothing changes)."""
    if not may_follow(tender, actor):
        raise NotAllowed(_l('Hanya penyedia yang dapat mengikuti tender yang sudah diumumkan.'))
    if is_following(tender, actor):
        return False
    db.session.add(TenderFollow(tender_id=tender.id, user_id=actor.id, followed_at=now))
    audit.record('tender.followed', tender, actor=actor, now=now, ip=ip)
    return True


def unfollow(tender, *, actor, now, ip=None) -> bool:
    row = db.session.get(TenderFollow, (tender.id, actor.id))
    if row is None:
        return False
    db.session.delete(row)
    audit.record('tender.unfollowed', tender, actor=actor, now=now, ip=ip)
    return True


def followers(tender):
    return db.session.scalars(
        select(User)
        .join(TenderFollow, TenderFollow.user_id == User.id)
        .where(TenderFollow.tender_id == tender.id)
    ).all()


def followed_tenders(user):
    return db.session.scalars(
        select(Tender)
        .join(TenderFollow, TenderFollow.tender_id == Tender.id)
        .where(TenderFollow.user_id == user.id)
    ).all()
