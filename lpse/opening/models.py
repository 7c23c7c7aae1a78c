"""Opening at rest: one ceremony per envelope kind, the shares members released for it (the
share itself is erased once the key is rebuilt), and per bid what opening found.

Two-file tenders run two ceremonies: `single`/`technical` first, then `price` for the bids
whose `technical_pass` the evaluation set (lpse.evaluation writes that column)."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime, sql_in


class OpenResult(enum.StrEnum):
    opened = 'opened'
    not_openable = 'not_openable'
    not_opened = 'not_opened'  # superseded / withdrawn / File II of a technically failed bid


class NotOpenableReason(enum.StrEnum):
    bad_envelope = 'bad_envelope'
    wrong_recipient = 'wrong_recipient'
    signature_invalid = 'signature_invalid'
    signer_mismatch = 'signer_mismatch'
    certificate_revoked = 'certificate_revoked'
    package_malformed = 'package_malformed'
    unsafe_zip = 'unsafe_zip'


class OpeningCeremony(db.Model):
    """The opening of one envelope kind of one tender. `opened_at` is set in the same
    transaction that records every `OpenedBid`: it is complete or absent."""

    __tablename__ = 'opening_ceremony'
    __table_args__ = (
        UniqueConstraint('tender_id', 'kind', name='uq_opening_ceremony_kind'),
        CheckConstraint("kind IN ('single', 'technical', 'price')", name='known_kind'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey('audit_checkpoint.id'))
    minutes_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))

    tender = relationship('Tender')
    checkpoint = relationship('AuditCheckpoint')
    minutes_document = relationship('IssuedDocument')
    releases = relationship(
        'ShareRelease', order_by='ShareRelease.id', cascade='all, delete-orphan'
    )
    results = relationship(
        'OpenedBid',
        order_by='OpenedBid.id',
        cascade='all, delete-orphan',
        back_populates='ceremony',
    )


class ShareRelease(db.Model):
    """A member's released share. `share` (the SLIP-39 mnemonic, UTF-8) is set to NULL as soon
    as the tender key has been rebuilt; the row stays as the record of who opened."""

    __tablename__ = 'opening_share_release'
    __table_args__ = (
        UniqueConstraint('ceremony_id', 'user_id', name='uq_opening_share_release'),
        CheckConstraint("via IN ('server', 'cli')", name='known_via'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(ForeignKey('opening_ceremony.id'), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    via: Mapped[str] = mapped_column(String(10))
    share: Mapped[bytes | None] = mapped_column(LargeBinary)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship('User')


class OpenedBid(db.Model):
    """What opening found in one bid envelope. `bid_json` is the parsed, validated `bid.json`
    (canonical JSON) when `result` is `opened`."""

    __tablename__ = 'opened_bid'
    __table_args__ = (
        CheckConstraint(f'result {sql_in(OpenResult)}', name='known_result'),
        CheckConstraint(
            f'reason IS NULL OR reason {sql_in(NotOpenableReason)}', name='known_reason'
        ),
        CheckConstraint(
            "(result = 'not_openable') = (reason IS NOT NULL)", name='reason_iff_not_openable'
        ),
        CheckConstraint("(result = 'opened') = (bid_json IS NOT NULL)", name='json_iff_opened'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceremony_id: Mapped[int] = mapped_column(ForeignKey('opening_ceremony.id'), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey('bid.id'), unique=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'))
    result: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    reason_detail: Mapped[str | None] = mapped_column(Text)
    signature_valid: Mapped[bool | None] = mapped_column(Boolean)
    bid_json: Mapped[str | None] = mapped_column(Text)
    declared_total: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    tkdn: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    validity_days: Mapped[int | None] = mapped_column(Integer)
    # Two-file tenders: set by lpse.evaluation from the technical verdict; the `price`
    # ceremony opens only the File II envelopes of vendors whose File I has technical_pass.
    technical_pass: Mapped[bool | None] = mapped_column(Boolean)
    # The envelope's own AES-256 content key, kept once it is opened (or its signature looked
    # at): it re-reads this one envelope (attachments for the Pokja) and nothing else, so a
    # two-file tender's price envelopes stay sealed until their own ceremony.
    content_key: Mapped[bytes | None] = mapped_column(LargeBinary)

    ceremony = relationship('OpeningCeremony', back_populates='results')
    bid = relationship('Bid')
    vendor = relationship('Vendor')
