"""The inbox (one row per user and message) and the outbox (one row per mail to send)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lpse.extensions import db
from lpse.types import UTCDateTime

QUEUED, SENT, FAILED = 'queued', 'sent', 'failed'


class Notification(db.Model):
    """A message in a user's inbox, already in the user's language. ``dedupe`` names a message
    that must reach a user once only (the deadline reminder of one tender)."""

    __tablename__ = 'notification'
    __table_args__ = (
        UniqueConstraint('user_id', 'dedupe', name='uq_notification_user_dedupe'),
        Index('ix_notification_user_read', 'user_id', 'read_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id', ondelete='CASCADE'))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    dedupe: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Mail(db.Model):
    """One message waiting for, or done with, delivery. The body may hold a secret (a
    confirmation link): it is never logged and never shown outside the development mailbox."""

    __tablename__ = 'mail_outbox'
    __table_args__ = (Index('ix_mail_outbox_state_next', 'state', 'next_attempt_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    transport: Mapped[str | None] = mapped_column(String(10))  # smtp | console, once sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
