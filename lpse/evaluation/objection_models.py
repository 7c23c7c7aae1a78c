"""The public side of a decided evaluation: the winner announcement (pengumuman pemenang), the
objections bidders file against it (**sanggah**) with the Pokja's answers, and the letter of
award (**SPPBJ**, Surat Penunjukan Penyedia Barang/Jasa) the PPK issues afterwards.

An announcement freezes what was made public (the result rows, canonical JSON) and the
objection period computed at that moment; an objection the Pokja accepts withdraws it (the row
stays: auditors see every announcement the tender ever had)."""

import enum
import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.auth.scope import audits_tender
from lpse.extensions import db
from lpse.tenders.models import ObjectionStatus
from lpse.types import UTCDateTime, sql_in


class Consequence(enum.StrEnum):
    """What an accepted objection does: evaluate again (a new version) or fail the tender."""

    reevaluate = 'reevaluate'
    fail = 'fail'


class Announcement(db.Model):
    """One winner announcement of one evaluation version, with its frozen public result."""

    __tablename__ = 'winner_announcement'
    __table_args__ = (
        UniqueConstraint('tender_id', 'evaluation_version', name='uq_winner_announcement_version'),
        CheckConstraint('objection_ends_at > announced_at', name='objection_period_not_empty'),
        CheckConstraint('answer_due_at >= objection_ends_at', name='answers_due_after_period'),
        CheckConstraint(
            '(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)', name='withdrawal_has_reason'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    evaluation_version: Mapped[int] = mapped_column(Integer)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    announced_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    # Frozen at the announcement: [announced_at, objection_ends_at) is the objection period;
    # the Pokja answers each objection before answer_due_at (a later answer is marked late).
    objection_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result_json: Mapped[str] = mapped_column(Text)  # what the public saw, canonical JSON
    bahp_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    notice_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    tender = relationship('Tender')
    announced_by = relationship('User')
    bahp_document = relationship('IssuedDocument', foreign_keys=[bahp_document_id])
    notice_document = relationship('IssuedDocument', foreign_keys=[notice_document_id])
    objections = relationship(
        'Objection', order_by='Objection.id', back_populates='announcement', lazy='selectin'
    )

    @property
    def result(self) -> dict:
        return json.loads(self.result_json)

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    @property
    def objection_last_minute(self) -> datetime:
        """The period's last minute for display ("sampai 23:59"): objections are accepted
        until ``objection_ends_at`` (the next local midnight, exclusive)."""
        return self.objection_ends_at - timedelta(minutes=1)

    def in_objection_period(self, now) -> bool:
        return self.is_current and self.announced_at <= now < self.objection_ends_at

    @property
    def pending(self) -> list['Objection']:
        return [o for o in self.objections if o.status == ObjectionStatus.pending]


class Objection(db.Model):
    """A sanggah: a bidder's written objection to an announced result, and the Pokja's answer."""

    __tablename__ = 'objection'
    __table_args__ = (
        UniqueConstraint('announcement_id', 'vendor_id', name='uq_objection_one_per_vendor'),
        CheckConstraint(f'status {sql_in(ObjectionStatus)}', name='known_status'),
        CheckConstraint(
            f'consequence IS NULL OR consequence {sql_in(Consequence)}', name='known_consequence'
        ),
        CheckConstraint(
            "(status = 'pending') = (answered_at IS NULL)", name='answered_iff_decided'
        ),
        CheckConstraint(
            "status = 'pending' OR (answer IS NOT NULL AND answered_by_id IS NOT NULL)",
            name='answer_has_text_and_author',
        ),
        CheckConstraint(
            "(status = 'accepted') = (consequence IS NOT NULL)", name='accepted_has_consequence'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey('winner_announcement.id'), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.pending.value)
    answer: Mapped[str | None] = mapped_column(Text)
    consequence: Mapped[str | None] = mapped_column(String(20))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    answered_late: Mapped[bool] = mapped_column(Boolean, default=False)
    answer_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))

    announcement = relationship('Announcement', back_populates='objections')
    vendor = relationship('Vendor')
    filed_by = relationship('User', foreign_keys=[filed_by_id])
    answered_by = relationship('User', foreign_keys=[answered_by_id])
    answer_document = relationship('IssuedDocument')
    attachments = relationship(
        'ObjectionAttachment', order_by='ObjectionAttachment.id', lazy='selectin'
    )

    @property
    def is_pending(self) -> bool:
        return self.status == ObjectionStatus.pending

    def can_see_attachments(self, user) -> bool:
        """The objector's company, the tender's officers and auditors (the text is public)."""
        if user is None or not getattr(user, 'is_authenticated', False):
            return False
        tender = self.announcement.tender
        if audits_tender(user, tender) or tender.is_officer(user):
            return True
        return self.vendor.user_id == user.id


class ObjectionAttachment(db.Model):
    """A file supporting an objection (PDF or office document), stored as a blob."""

    __tablename__ = 'objection_attachment'
    __table_args__ = (CheckConstraint('size > 0', name='not_empty'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey('objection.id'), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class AwardLetter(db.Model):
    """The SPPBJ: the PPK appoints the announced winner at the agreed (corrected) price."""

    __tablename__ = 'award_letter'
    __table_args__ = (
        CheckConstraint('amount > 0 AND performance_bond >= 0', name='positive_amounts'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), unique=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey('winner_announcement.id'))
    number: Mapped[str] = mapped_column(String(80))
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    performance_bond: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    contract_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))

    tender = relationship('Tender')
    announcement = relationship('Announcement')
    vendor = relationship('Vendor')
    issued_by = relationship('User')
    document = relationship('IssuedDocument')
