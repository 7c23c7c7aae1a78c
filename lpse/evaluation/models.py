"""Evaluation at rest: numbered evaluation versions of a tender, the Pokja's worksheet entries,
result proposals and their approvals.

An **evaluation version** is one round of evaluation: the first starts when the bids are opened;
an accepted objection (sanggah) or a correction starts the next, copying the entries so the Pokja
amends rather than retypes. Older versions are kept (superseded) for auditors.
**Pembuktian** is the check of the original qualification documents; a **clarification** is the
price-reasonableness clarification for a bid below 80% of the HPS.
"""

import enum
import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime, sql_in


class EntryKind(enum.StrEnum):
    """What a worksheet entry records about one bid."""

    administration = 'administration'
    qualification = 'qualification'
    technical = 'technical'
    clarification = 'clarification'
    pembuktian = 'pembuktian'
    tie_break = 'tie_break'


#: Verdicts of File I (administration + technical, plus qualification in pascakualifikasi).
FILE_ONE = (EntryKind.administration, EntryKind.qualification, EntryKind.technical)


class ProposalStatus(enum.StrEnum):
    """pending (collecting approvals), approved (the decision), superseded (an entry changed
    or the evaluation was reopened before it took effect)."""

    pending = 'pending'
    approved = 'approved'
    superseded = 'superseded'


class EvaluationVersion(db.Model):
    """One round of evaluation of a tender; the current one has no ``superseded_at``."""

    __tablename__ = 'evaluation_version'
    __table_args__ = (
        UniqueConstraint('tender_id', 'number', name='uq_evaluation_version_number'),
        CheckConstraint('number >= 1', name='number_positive'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    reason: Mapped[str] = mapped_column(Text, default='')
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tender = relationship('Tender')
    created_by = relationship('User')
    entries = relationship(
        'WorksheetEntry',
        order_by='WorksheetEntry.id',
        cascade='all, delete-orphan',
        back_populates='version',
    )
    proposals = relationship(
        'ResultProposal', order_by='ResultProposal.id', back_populates='version'
    )

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class WorksheetEntry(db.Model):
    """The latest entry of one kind for one bid in one version, by the member who made it
    (earlier values are in the audit log). A failed verdict always carries its reason."""

    __tablename__ = 'evaluation_entry'
    __table_args__ = (
        UniqueConstraint('version_id', 'bid_id', 'kind', name='uq_evaluation_entry_kind'),
        CheckConstraint(f'kind {sql_in(EntryKind)}', name='known_kind'),
        CheckConstraint(
            'passed IS NULL OR passed OR length(trim(reason)) > 0', name='failure_has_reason'
        ),
        CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name='score_in_range'),
        CheckConstraint("(kind = 'tie_break') = (tie_order IS NOT NULL)", name='tie_order_iff'),
        CheckConstraint("(kind = 'tie_break') = (passed IS NULL)", name='verdict_unless_tie'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey('evaluation_version.id'), index=True)
    # The bid's first envelope (single, or technical = File I).
    bid_id: Mapped[int] = mapped_column(ForeignKey('bid.id'))
    kind: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default='')
    # Technical: the single score NT, or per-criterion scores as canonical JSON {id: "80.5"}.
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    criteria: Mapped[str | None] = mapped_column(Text)
    tie_order: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    version = relationship('EvaluationVersion', back_populates='entries')
    bid = relationship('Bid')
    entered_by = relationship('User')

    @property
    def criterion_scores(self) -> dict[str, Decimal]:
        return {k: Decimal(v) for k, v in json.loads(self.criteria or '{}').items()}


class ResultProposal(db.Model):
    """A member's proposal of the result (winner and reserves) of one version. It takes effect
    (``approved``) when at least half the Pokja approved it; the proposer's approval is implied
    and recorded. ``case_json`` is the evaluation case it was made on, so the published result
    is recomputable with ``lpse evaluate``; ``result_json`` is that result."""

    __tablename__ = 'evaluation_proposal'
    __table_args__ = (
        CheckConstraint(f'status {sql_in(ProposalStatus)}', name='known_status'),
        CheckConstraint(
            "(status = 'approved') = (decided_at IS NOT NULL)", name='decided_iff_approved'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey('evaluation_version.id'), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.pending.value)
    winner_bid_id: Mapped[int] = mapped_column(ForeignKey('bid.id'))
    reserves: Mapped[str] = mapped_column(Text, default='[]')  # JSON list of bid ids
    case_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default='')
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version = relationship('EvaluationVersion', back_populates='proposals')
    winner_bid = relationship('Bid')
    proposed_by = relationship('User')
    approvals = relationship(
        'ResultApproval', order_by='ResultApproval.id', cascade='all, delete-orphan'
    )

    @property
    def reserve_bid_ids(self) -> list[int]:
        return json.loads(self.reserves)


class ResultApproval(db.Model):
    """One Pokja member's approval of a proposal (at most one each)."""

    __tablename__ = 'evaluation_approval'
    __table_args__ = (
        UniqueConstraint('proposal_id', 'user_id', name='uq_evaluation_approval_user'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey('evaluation_proposal.id'), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship('User')


class NegotiationStatus(enum.StrEnum):
    """The outcome of the clarification and negotiation with the invited firm (seleksi)."""

    agreed = 'agreed'
    failed = 'failed'


class Negotiation(db.Model):
    """The clarification and negotiation (seleksi, DOMAIN §9) with one firm in one version: the
    technical and price clarification notes, the negotiated unit price (HN, never above the
    offer's) of the lines that changed, and the outcome; a failed negotiation states why (the
    next-ranked firm is then invited). Earlier values are in the audit log."""

    __tablename__ = 'evaluation_negotiation'
    __table_args__ = (
        UniqueConstraint('version_id', 'bid_id', name='uq_evaluation_negotiation_bid'),
        CheckConstraint(f'status {sql_in(NegotiationStatus)}', name='known_status'),
        CheckConstraint("status = 'agreed' OR length(trim(reason)) > 0", name='failure_has_reason'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey('evaluation_version.id'), index=True)
    # The bid's first envelope (File I), as worksheet entries.
    bid_id: Mapped[int] = mapped_column(ForeignKey('bid.id'))
    status: Mapped[str] = mapped_column(String(20))
    technical_notes: Mapped[str] = mapped_column(Text, default='')
    price_notes: Mapped[str] = mapped_column(Text, default='')
    reason: Mapped[str] = mapped_column(Text, default='')
    # Canonical JSON [{"item": "1", "unit_price": "19000"}]: the negotiated lines.
    lines: Mapped[str] = mapped_column(Text, default='[]')
    entered_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The BA Klarifikasi dan Negosiasi issued for the latest record.
    document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))

    version = relationship('EvaluationVersion')
    bid = relationship('Bid')
    entered_by = relationship('User')

    @property
    def negotiated_lines(self) -> list[dict]:
        return json.loads(self.lines or '[]')

    def case_dict(self) -> dict:
        """The bid's ``negotiation`` in the evaluation case (docs/EVALUATION_FORMAT.md)."""
        out = {'status': self.status, 'lines': self.negotiated_lines}
        if self.reason:
            out['reason'] = self.reason
        return out
