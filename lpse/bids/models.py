"""Sealed bids at rest: the bids as opaque envelopes with their signed receipts, upload locks
and attempts, and the bid-set commitment (the tender key lives with its tender: tenders/keys.py).

Nothing here holds a plaintext bid, the tender private key or the 32-byte secret that protects
it: only ciphertexts, SHA-256 commitments and public certificates (docs/SECURITY.md)."""

import enum
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import checkpoints, clock
from lpse.auth import scope
from lpse.auth.models import User
from lpse.extensions import db
from lpse.tenders import news
from lpse.tenders.models import Tender
from lpse.types import UTCDateTime, sql_in
from lpse.vendors.models import Vendor


class EnvelopeKind(enum.StrEnum):
    """single (one-file tender), technical (File I) or price (File II)."""

    single = 'single'
    technical = 'technical'
    price = 'price'


KIND_LABELS = {
    EnvelopeKind.single: _l('Penawaran (satu file)'),
    EnvelopeKind.technical: _l('File I: administrasi dan teknis'),
    EnvelopeKind.price: _l('File II: harga'),
}


class BidStatus(enum.StrEnum):
    """current (counts at the deadline), superseded (replaced by a newer one), withdrawn."""

    current = 'current'
    superseded = 'superseded'
    withdrawn = 'withdrawn'


def kinds_for(tender) -> tuple[EnvelopeKind, ...]:
    """The envelopes a tender takes: one `single`, or `technical` + `price` (two files)."""
    if tender.submission_files == 2:
        return (EnvelopeKind.technical, EnvelopeKind.price)
    return (EnvelopeKind.single,)


class Bid(db.Model):
    """One uploaded sealed envelope (opaque until opening) and the receipt that acknowledged it.

    IP address and user agent are kept for auditors (collusion signals), shown to no one else."""

    __tablename__ = 'bid'
    __table_args__ = (
        UniqueConstraint('tender_id', 'vendor_id', 'sha256', name='uq_bid_envelope'),
        UniqueConstraint('tender_id', 'receipt_number', name='uq_bid_receipt_number'),
        CheckConstraint(f'kind {sql_in(EnvelopeKind)}', name='known_kind'),
        CheckConstraint(f'status {sql_in(BidStatus)}', name='known_status'),
        CheckConstraint('size > 0', name='not_empty'),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name='withdrawn_has_time'
        ),
        Index(
            'uq_bid_one_current',
            'tender_id',
            'vendor_id',
            'kind',
            unique=True,
            sqlite_where=text("status = 'current'"),
            postgresql_where=text("status = 'current'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=BidStatus.current.value)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # The detached CMS signature over the envelope bytes, and its signer's certificate serial.
    submission_signature: Mapped[bytes] = mapped_column(LargeBinary)
    signer_serial: Mapped[str] = mapped_column(String(40))
    receipt_number: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey('audit_checkpoint.id'))
    receipt_json: Mapped[str] = mapped_column(Text)  # the signed receipt, as handed out
    receipt_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey('bid.id'))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    tender = relationship('Tender')
    vendor = relationship('Vendor')
    receipt_document = relationship('IssuedDocument')
    checkpoint = relationship('AuditCheckpoint')

    @property
    def is_current(self) -> bool:
        return self.status == BidStatus.current

    @property
    def kind_label(self) -> str:
        """`Penawaran (satu file)`, `File I: …`: the envelope kind in words, never `single`."""
        return KIND_LABELS[EnvelopeKind(self.kind)]


class BidUploadLock(db.Model):
    """One upload at a time per (tender, vendor): a row with an expiry, deleted in `finally`
    (the expiry frees it if the process died mid-upload)."""

    __tablename__ = 'bid_upload_lock'

    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BidUploadAttempt(db.Model):
    """An upload started by a vendor: the per-vendor rate limit counts these."""

    __tablename__ = 'bid_upload_attempt'
    __table_args__ = (Index('ix_bid_upload_attempt_vendor_at', 'vendor_id', 'attempted_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BidSetCommitment(db.Model):
    """The signed list of current envelopes' SHA-256 at the deadline (`lpse-bidset/1`), made
    once, on the first request at or after the deadline, and never changed."""

    __tablename__ = 'bid_set_commitment'

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), unique=True)
    count: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)  # the signed JSON, as published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def envelopes(self) -> list[str]:
        return json.loads(self.document)['commitment']['envelopes']


@news.audience_source
def bidders(tender):
    """The users of the vendors who bid on ``tender`` (withdrawn bids included: they took part)
    hear of its news with its followers."""
    return db.session.scalars(
        select(User)
        .join(Vendor, Vendor.user_id == User.id)
        .where(Vendor.id.in_(select(Bid.vendor_id).where(Bid.tender_id == tender.id)))
    ).all()


@scope.participants
def _bidders(reach):
    """Companies that sent an envelope (kept, replaced or withdrawn) to a tender in ``reach``
    whose bid deadline has passed: before it, nobody learns who has bid — not even an auditor
    through the vendor lists."""
    return (
        select(Bid.vendor_id)
        .join(Tender, Tender.id == Bid.tender_id)
        .where(
            Tender.bid_deadline <= clock.now(), reach.tender_clause(Tender.agency_id, Tender.code)
        )
    )


@checkpoints.withheld('bid.submitted')
def _still_sealed(now):
    """Tenders before their bid deadline: the checkpoints cut as their bids arrive stay off the
    public lists until then (checkpoints.withheld)."""
    return select(Tender.id).where(Tender.bid_deadline > now)
