"""What a prequalification records: each vendor's signed qualification form and the Pokja's
verdicts on it, the approvals of the result, the announced result (frozen, withdrawn when an
objection is accepted) and the objections against it."""

import enum
import json
from datetime import datetime
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
    and_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import clock
from lpse.auth import scope
from lpse.extensions import db
from lpse.tenders.models import ObjectionStatus, ScheduleEntry, Tender
from lpse.tenders.stages import Stage
from lpse.types import UTCDateTime, sql_in


class SubmissionStatus(enum.StrEnum):
    draft = 'draft'  # the form is rendered, not yet signed
    submitted = 'submitted'  # signed by the vendor, received (system-countersigned)


class QualificationSubmission(db.Model):
    """One vendor's qualification data for one tender: the form, its signed PDF, the verdicts."""

    __tablename__ = 'qualification_submission'
    __table_args__ = (
        UniqueConstraint('tender_id', 'vendor_id', name='uq_qualification_submission_vendor'),
        CheckConstraint(f'status {sql_in(SubmissionStatus)}', name='known_status'),
        CheckConstraint(
            "status = 'draft' OR (submitted_at IS NOT NULL AND document_id IS NOT NULL)",
            name='submitted_is_signed',
        ),
        CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name='score_in_range'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.draft.value)
    # The vendor's answers (experience, experts, equipment) as canonical JSON.
    data: Mapped[str] = mapped_column(Text)
    # The rendered, unsigned form (a blob) and the id its verify URL names.
    draft_sha256: Mapped[str] = mapped_column(String(64))
    draft_document_id: Mapped[str] = mapped_column(String(20))
    draft_data: Mapped[str] = mapped_column(Text)
    draft_checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey('audit_checkpoint.id'))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey('certificate.id'))
    # The form signed by the vendor and countersigned by the system on receipt.
    document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    # The Pokja's evaluation: {requirement: {"passed": bool, "reason": str}} (canonical JSON).
    verdicts: Mapped[str | None] = mapped_column(Text)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    # Set by the announcement (cleared when it is withdrawn).
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default='0')
    shortlist_rank: Mapped[int | None] = mapped_column(Integer)

    tender = relationship('Tender')
    vendor = relationship('Vendor')
    document = relationship('IssuedDocument')

    @property
    def answers(self) -> dict:
        return json.loads(self.data)

    @property
    def verdict_map(self) -> dict:
        return json.loads(self.verdicts) if self.verdicts else {}

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.submitted

    @property
    def has_fresh_draft(self) -> bool:
        """A prepared form not yet sent: the first, or a new one replacing the form sent."""
        return self.draft_document_id is not None and self.draft_document_id != self.document_id

    @property
    def passed(self) -> bool | None:
        """None until evaluated; passed when every requirement passed."""
        verdicts = self.verdict_map
        if not verdicts:
            return None
        return all(v['passed'] for v in verdicts.values())


class QualificationApproval(db.Model):
    """A Pokja member's approval of the prequalification result as it stands (its SHA-256):
    a changed verdict makes a new result that needs approving again."""

    __tablename__ = 'qualification_approval'
    __table_args__ = (
        UniqueConstraint(
            'tender_id', 'user_id', 'result_sha256', name='uq_qualification_approval_member'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    result_sha256: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship('User')


class QualificationResult(db.Model):
    """An announced prequalification result (pengumuman hasil prakualifikasi), frozen; an
    accepted objection withdraws it (the row stays)."""

    __tablename__ = 'qualification_result'
    __table_args__ = (
        CheckConstraint('objection_ends_at > announced_at', name='objection_period_not_empty'),
        CheckConstraint('answer_due_at >= objection_ends_at', name='answers_due_after_period'),
        CheckConstraint(
            '(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)', name='withdrawal_has_reason'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    announced_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    objection_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result_json: Mapped[str] = mapped_column(Text)  # what the public saw, canonical JSON
    result_sha256: Mapped[str] = mapped_column(String(64))
    report_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    notice_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    announced_by = relationship('User')
    report_document = relationship('IssuedDocument', foreign_keys=[report_document_id])
    notice_document = relationship('IssuedDocument', foreign_keys=[notice_document_id])
    objections = relationship(
        'QualificationObjection', order_by='QualificationObjection.id', lazy='selectin'
    )

    @property
    def result(self) -> dict:
        return json.loads(self.result_json)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class QualificationObjection(db.Model):
    """A sanggah against the prequalification result, by a vendor that sent its data."""

    __tablename__ = 'qualification_objection'
    __table_args__ = (
        CheckConstraint(f'status {sql_in(ObjectionStatus)}', name='known_status'),
        CheckConstraint(
            "(status = 'pending') = (answered_at IS NULL)", name='answered_unless_pending'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey('qualification_result.id'), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.pending.value)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))

    vendor = relationship('Vendor')

    @property
    def tender_id(self) -> int:
        """The tender of the result objected to (its audit events are indexed under it)."""
        return db.session.get(QualificationResult, self.result_id).tender_id


@scope.participants
def _applicants(reach):
    """Companies that sent their qualification form to a tender in ``reach``, once its window
    for sending them has closed (as with bids, not while firms may still apply)."""
    return (
        select(QualificationSubmission.vendor_id)
        .join(Tender, Tender.id == QualificationSubmission.tender_id)
        .join(
            ScheduleEntry,
            and_(
                ScheduleEntry.tender_id == Tender.id,
                ScheduleEntry.stage == Stage.qualification_submission.value,
            ),
        )
        .where(
            QualificationSubmission.status != SubmissionStatus.draft.value,
            ScheduleEntry.ends_at <= clock.now(),
            reach.tender_clause(Tender.agency_id, Tender.code),
        )
    )
