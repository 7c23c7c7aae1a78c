"""The contract after the SPPBJ (e-Kontrak, DOMAIN §8): the PPK's draft, the vendor's review,
both signatures, the start-of-work order (SPMK), amendments (addendum kontrak) and the
handover minutes (BAST) that complete the tender.

A contract and each amendment are instruments signed by both parties: the PPK drafts, the
vendor reviews (asks for changes or accepts), signs the exact PDF of the draft with its own
certificate, then the PPK's (system) signature closes it and it becomes an issued document."""

import enum
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.tenders.models import MONEY
from lpse.types import UTCDateTime, sql_in


class SigningStatus(enum.StrEnum):
    draft = 'draft'  # drafted by the PPK, waiting for the vendor's review
    changes_requested = 'changes_requested'  # the vendor asked for changes; the PPK redrafts
    accepted = 'accepted'  # the vendor accepted the draft and may sign it
    vendor_signed = 'vendor_signed'  # the vendor signed; the PPK signs last
    signed = 'signed'  # both signed: an issued document


class ContractForm(enum.StrEnum):
    spk = 'spk'  # Surat Perintah Kerja, at or under the configured threshold
    surat_perjanjian = 'surat_perjanjian'


class BondBase(enum.StrEnum):
    contract = 'contract'  # 5 % of the contract value
    hps = 'hps'  # 5 % of the HPS: the price is under 80 % of it


class Instrument:
    """The columns of a document both parties sign (the contract, each amendment)."""

    status: Mapped[str] = mapped_column(String(20), default=SigningStatus.draft.value)
    # The reserved id of the issued document, printed (with its verify URL) in the draft.
    draft_id: Mapped[str] = mapped_column(String(20), unique=True)
    draft_sha256: Mapped[str] = mapped_column(String(64))  # blob of the to-be-signed PDF
    draft_data: Mapped[str] = mapped_column(Text)  # canonical JSON of the rendering context
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey('audit_checkpoint.id'))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_signed_sha256: Mapped[str | None] = mapped_column(String(64))
    vendor_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_certificate_id: Mapped[int | None] = mapped_column(ForeignKey('certificate.id'))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))

    @property
    def is_signed(self) -> bool:
        return self.status == SigningStatus.signed


class Contract(Instrument, db.Model):
    """The contract of an awarded tender (one per tender version)."""

    __tablename__ = 'contract'
    __table_args__ = (
        CheckConstraint(f'status {sql_in(SigningStatus)}', name='known_status'),
        CheckConstraint(f'form {sql_in(ContractForm)}', name='known_form'),
        CheckConstraint(f'bond_base {sql_in(BondBase)}', name='known_bond_base'),
        CheckConstraint('value > 0 AND bond_amount >= 0', name='positive_amounts'),
        CheckConstraint('ends_on >= starts_on', name='ends_after_start'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey('award_letter.id'), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id'), index=True)
    number: Mapped[str] = mapped_column(String(80))
    form: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(MONEY)  # as signed; amendments change it
    bond_amount: Mapped[Decimal] = mapped_column(MONEY)
    bond_base: Mapped[str] = mapped_column(String(10))
    bond_number: Mapped[str] = mapped_column(String(100))
    bond_issuer: Mapped[str] = mapped_column(String(200))
    bond_valid_until: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    payment_terms: Mapped[str] = mapped_column(Text)
    boq: Mapped[str] = mapped_column(Text)  # JSON rows at the contract prices
    spmk_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    spmk_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_starts_on: Mapped[date | None] = mapped_column(Date)
    bast_document_id: Mapped[str | None] = mapped_column(ForeignKey('issued_document.id'))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tender = relationship('Tender')
    award = relationship('AwardLetter')
    vendor = relationship('Vendor')
    drafted_by = relationship('User', foreign_keys='Contract.drafted_by_id')
    amendments = relationship(
        'ContractAmendment', back_populates='contract', order_by='ContractAmendment.seq'
    )

    @property
    def boq_rows(self) -> list[dict]:
        return json.loads(self.boq)


class ContractAmendment(Instrument, db.Model):
    """An addendum kontrak: a change of value, end date or scope, signed by both parties."""

    __tablename__ = 'contract_amendment'
    __table_args__ = (
        UniqueConstraint('contract_id', 'seq', name='uq_contract_amendment_seq'),
        CheckConstraint(f'status {sql_in(SigningStatus)}', name='known_status'),
        CheckConstraint('new_value IS NULL OR new_value > 0', name='positive_value'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey('contract.id'), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default='')
    new_value: Mapped[Decimal | None] = mapped_column(MONEY)
    new_ends_on: Mapped[date | None] = mapped_column(Date)

    contract = relationship('Contract', back_populates='amendments')

    @property
    def tender_id(self) -> int:
        """The tender the amendment belongs to (the log's tender index files its events)."""
        return self.contract.tender_id
