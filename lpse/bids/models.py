"""Sealed bids at rest: the tender key (protected, split among the Pokja), the bids as opaque
envelopes with their signed receipts, upload locks and attempts, and the bid-set commitment.

Nothing here holds a plaintext bid, the tender private key or the 32-byte secret that protects
it: only ciphertexts, SHA-256 commitments and public certificates (docs/SECURITY.md)."""

import enum
import functools
import json
from datetime import datetime

from cryptography import x509
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime, sql_in


class EnvelopeKind(enum.StrEnum):
    """single (one-file tender), technical (File I) or price (File II)."""

    single = 'single'
    technical = 'technical'
    price = 'price'


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


@functools.lru_cache(maxsize=256)
def _parsed_certificate(pem: str) -> x509.Certificate:
    """Parsed once per process: every upload checks its recipient against it."""
    return x509.load_pem_x509_certificate(pem.encode())


class TenderKey(db.Model):
    """A tender's recipient certificate and its private key, encrypted under a secret that
    exists only as k-of-n shares (`TenderKeyShare`)."""

    __tablename__ = 'tender_key'
    __table_args__ = (CheckConstraint('threshold >= 1', name='threshold_positive'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), unique=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    # shamir.protect_tender_key: MAGIC ‖ nonce ‖ AES-256-GCM(PKCS#8) under the split secret.
    protected_key: Mapped[bytes] = mapped_column(LargeBinary)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The tender private key (PKCS#8 PEM), published at opening so anyone can re-open the bids;
    # NULL until then.
    published_key_pem: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shares = relationship(
        'TenderKeyShare', order_by='TenderKeyShare.id', cascade='all, delete-orphan'
    )

    @property
    def certificate(self) -> x509.Certificate:
        return _parsed_certificate(self.certificate_pem)


class TenderKeyShare(db.Model):
    """One member's SLIP-39 share, encrypted to their `pokja` certificate, and its commitment."""

    __tablename__ = 'tender_key_share'
    __table_args__ = (UniqueConstraint('tender_key_id', 'user_id', name='uq_tender_key_share'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_key_id: Mapped[int] = mapped_column(ForeignKey('tender_key.id'), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    certificate_serial: Mapped[str] = mapped_column(String(40))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # RSAES-OAEP-SHA256
    commitment: Mapped[str] = mapped_column(String(64))  # shamir.share_commitment
    context: Mapped[str] = mapped_column(String(120))  # "<code>/<version>/<user id>"

    user = relationship('User')


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
