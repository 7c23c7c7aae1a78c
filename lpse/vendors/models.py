"""Vendors (penyedia): the company, its directors, licences, supporting documents, and the
Daftar Hitam (blacklist).

Indonesian words kept as the users say them: **NPWP** (tax number), **NIB** (Nomor Induk
Berusaha, the business id from OSS), **NIK** (citizen id of a director), **KBLI** (business
classification code), **SBU** (Sertifikat Badan Usaha, the construction firm grade K/M/B),
**akta** (deed of establishment), **Daftar Hitam** (the blacklist of sanctioned vendors).
"""

import enum
import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.auth import scope
from lpse.crypto.canonical import document_json
from lpse.extensions import db
from lpse.i18n import format_npwp
from lpse.types import UTCDateTime, sql_in

# Blacklist periods are dates in decrees; a day is a day in Jakarta (WIB).
BLACKLIST_ZONE = ZoneInfo('Asia/Jakarta')


class LegalForm(enum.StrEnum):
    pt = 'pt'
    cv = 'cv'
    firma = 'firma'
    koperasi = 'koperasi'
    perorangan = 'perorangan'


class SizeClass(enum.StrEnum):
    kecil = 'kecil'
    non_kecil = 'non_kecil'


class SbuGrade(enum.StrEnum):
    """Construction firm qualification: kecil, menengah, besar."""

    K = 'K'
    M = 'M'
    B = 'B'


class VendorStatus(enum.StrEnum):
    """Where a registration stands; only `verified` may take part in tenders."""

    unconfirmed = 'unconfirmed'  # registered, company email not yet confirmed
    submitted = 'submitted'  # in the verifier's queue
    changes_requested = 'changes_requested'
    rejected = 'rejected'
    verified = 'verified'
    suspended = 'suspended'


# The company profile's own fields (directors and licences are rows of their own): the form,
# the operation and the API schema all list them from here.
PROFILE_FIELDS = (
    'company_name',
    'legal_form',
    'npwp',
    'nib',
    'address',
    'province',
    'city',
    'phone',
    'bank_name',
    'bank_account',
    'size_class',
    'sbu_grade',
)

# Rows a profile may list, and supporting documents a vendor may keep (per kind and in all).
MAX_DIRECTORS = 20
MAX_LICENCES = 50
MAX_DOCUMENTS_PER_KIND = 10
MAX_DOCUMENTS = 30


# A vendor may edit its data (and resubmit) in these states; verified data is frozen.
EDITABLE = frozenset(
    {
        VendorStatus.unconfirmed,
        VendorStatus.submitted,
        VendorStatus.changes_requested,
        VendorStatus.rejected,
    }
)


class DocumentKind(enum.StrEnum):
    akta = 'akta'
    nib = 'nib'
    npwp = 'npwp'
    izin = 'izin'
    lainnya = 'lainnya'


# A verifier cannot approve a vendor without these.
REQUIRED_DOCUMENTS = (DocumentKind.akta, DocumentKind.nib, DocumentKind.npwp)


class Vendor(db.Model):
    """A company (penyedia) registered on this instance; one login user acts for it."""

    __tablename__ = 'vendor'
    __table_args__ = (
        CheckConstraint(f'legal_form {sql_in(LegalForm)}', name='known_legal_form'),
        CheckConstraint(f'size_class {sql_in(SizeClass)}', name='known_size_class'),
        CheckConstraint(f'sbu_grade IS NULL OR sbu_grade {sql_in(SbuGrade)}', name='known_sbu'),
        CheckConstraint(f'status {sql_in(VendorStatus)}', name='known_status'),
        CheckConstraint('length(npwp) IN (15, 16) AND length(npwp_key) = 16', name='npwp_digits'),
        CheckConstraint('length(nib) = 13', name='nib_digits'),
        CheckConstraint(
            "status NOT IN ('rejected', 'changes_requested', 'suspended') "
            'OR status_reason IS NOT NULL',
            name='decision_has_reason',
        ),
        CheckConstraint(
            "status = 'unconfirmed' OR email_confirmed_at IS NOT NULL", name='email_confirmed'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'), unique=True)
    company_name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(20))
    npwp: Mapped[str] = mapped_column(String(16))
    # The 16-digit form: a 15-digit NPWP and its 16-digit successor are one taxpayer.
    npwp_key: Mapped[str] = mapped_column(String(16), unique=True)
    nib: Mapped[str] = mapped_column(String(13), unique=True)
    address: Mapped[str] = mapped_column(Text)
    province: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    # The account contract payments go to (optional until a contract needs it; digits only).
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size_class: Mapped[str] = mapped_column(String(20))
    sbu_grade: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))

    user = relationship('User', foreign_keys=[user_id])
    directors = relationship(
        'VendorDirector', cascade='all, delete-orphan', order_by='VendorDirector.id'
    )
    licences = relationship(
        'VendorLicence', cascade='all, delete-orphan', order_by='VendorLicence.id'
    )
    documents = relationship(
        'VendorDocument', cascade='all, delete-orphan', order_by='VendorDocument.id'
    )

    @property
    def npwp_display(self) -> str:
        return format_npwp(self.npwp)

    def is_owner(self, user) -> bool:
        return _authenticated(user) and user.id == self.user_id

    def can_view(self, user) -> bool:
        """The vendor itself, verifiers, admins, and auditors whose current assignment reaches
        it (national, or a tender it took part in)."""
        return (
            self.is_owner(user)
            or _has(user, 'verifier', 'admin')
            or scope.audits_vendor(user, self.id)
        )

    can_download_documents = can_view

    def can_edit(self, user) -> bool:
        return self.is_owner(user) and self.status in EDITABLE

    def can_decide(self, user) -> bool:
        """A verifier approves, rejects or asks for changes while the vendor is in the queue,
        never for their own company."""
        return (
            _has(user, 'verifier')
            and self.status == VendorStatus.submitted
            and not self.is_owner(user)
        )

    def can_suspend(self, user) -> bool:
        return (
            _has(user, 'admin') and self.status == VendorStatus.verified and not self.is_owner(user)
        )

    def can_reinstate(self, user) -> bool:
        return (
            _has(user, 'admin')
            and self.status == VendorStatus.suspended
            and not self.is_owner(user)
        )

    def content_version(self) -> str:
        """A digest of everything a verifier looks at: the profile, its rows and the documents.
        A decision names the version it was made on; approving a changed vendor is refused."""
        content = {
            'profile': [getattr(self, name) for name in PROFILE_FIELDS],
            'email': self.email,
            'directors': [[d.name, d.position, d.nik] for d in self.directors],
            'licences': [[lic.name, lic.number, lic.kbli] for lic in self.licences],
            'documents': [[d.id, d.kind, d.sha256] for d in self.documents],
        }
        encoded = document_json(content).encode()
        return hashlib.sha256(encoded).hexdigest()[:32]

    def missing_documents(self) -> list[DocumentKind]:
        have = {d.kind for d in self.documents}
        return [k for k in REQUIRED_DOCUMENTS if k.value not in have]


class VendorDirector(db.Model):
    """A director or owner (pengurus / pemilik) with their NIK."""

    __tablename__ = 'vendor_director'
    __table_args__ = (CheckConstraint('length(nik) = 16', name='nik_digits'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id', ondelete='CASCADE'), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(100))
    nik: Mapped[str] = mapped_column(String(16))


class VendorLicence(db.Model):
    """A business licence (izin usaha) with its KBLI code."""

    __tablename__ = 'vendor_licence'
    __table_args__ = (CheckConstraint('length(kbli) = 5', name='kbli_digits'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id', ondelete='CASCADE'), index=True)
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    kbli: Mapped[str] = mapped_column(String(5))


class VendorDocument(db.Model):
    """A supporting document (PDF or image) in the blob store, named by its SHA-256."""

    __tablename__ = 'vendor_document'
    __table_args__ = (
        CheckConstraint(f'kind {sql_in(DocumentKind)}', name='known_kind'),
        CheckConstraint('size > 0', name='not_empty'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey('vendor.id', ondelete='CASCADE'), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(160))
    media_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))


class BlacklistEntry(db.Model):
    """An entry of the Daftar Hitam: a sanctioned company, by NPWP and/or NIB, for a period
    (inclusive dates, WIB). Active is derived from the time asked about, never stored."""

    __tablename__ = 'blacklist_entry'
    __table_args__ = (
        CheckConstraint('npwp IS NOT NULL OR nib IS NOT NULL', name='names_an_id'),
        CheckConstraint('ends_on >= starts_on', name='period_in_order'),
        CheckConstraint('(lifted_at IS NULL) = (lift_reason IS NULL)', name='lift_has_reason'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    npwp: Mapped[str | None] = mapped_column(String(16))
    npwp_key: Mapped[str | None] = mapped_column(String(16), index=True)
    nib: Mapped[str | None] = mapped_column(String(13), index=True)
    reason: Mapped[str] = mapped_column(Text)
    decree_number: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def npwp_display(self) -> str:
        return format_npwp(self.npwp)

    def is_active(self, now: datetime) -> bool:
        if self.lifted_at is not None and self.lifted_at <= now:
            return False
        return self.starts_on <= local_date(now) <= self.ends_on

    def is_upcoming(self, now: datetime) -> bool:
        return self.lifted_at is None and local_date(now) < self.starts_on

    def can_lift(self, user, now) -> bool:
        return (
            _has(user, 'admin', 'verifier')
            and self.lifted_at is None
            and (local_date(now) <= self.ends_on)
            and not self.names_company_of(user)
        )

    def names_company_of(self, user) -> bool:
        """Whether this entry sanctions the company `user` acts for (they may not lift it)."""
        if not _authenticated(user):
            return False
        vendor = db.session.scalar(db.select(Vendor).where(Vendor.user_id == user.id))
        if vendor is None:
            return False
        return (self.npwp_key is not None and self.npwp_key == vendor.npwp_key) or (
            self.nib is not None and self.nib == vendor.nib
        )


def local_date(now: datetime) -> date:
    return now.astimezone(BLACKLIST_ZONE).date()


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


def _has(user, *roles) -> bool:
    return _authenticated(user) and user.has_role(*roles)
