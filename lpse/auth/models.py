"""Users, their roles, login throttling state and API tokens."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime


class Role(enum.StrEnum):
    """What a user may do; one user may hold several roles."""

    admin = 'admin'
    verifier = 'verifier'
    ppk = 'ppk'
    pokja = 'pokja'
    vendor = 'vendor'
    auditor = 'auditor'


ROLE_VALUES = tuple(r.value for r in Role)
ROLE_LABELS = {
    Role.admin: _l('Admin'),
    Role.verifier: _l('Verifikator'),
    Role.ppk: _l('PPK'),
    Role.pokja: _l('Pokja Pemilihan'),
    Role.vendor: _l('Penyedia'),
    Role.auditor: _l('Auditor'),
}
OFFICER_ROLES = frozenset({Role.admin, Role.verifier, Role.ppk, Role.pokja, Role.auditor})


class User(UserMixin, db.Model):
    """A person who logs in; officers belong to an agency, vendors to their company."""

    __tablename__ = 'user'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey('agency.id'), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on logout, password change and disable: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Nomor Induk Pegawai (18 digits) of a civil servant: printed under the officer's name in
    # the signature blocks of issued documents.
    nip: Mapped[str | None] = mapped_column(String(18))
    # The previous visit of the home page (/beranda): news after it are marked new.
    home_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency = relationship('Agency')
    role_rows = relationship(
        'UserRole', cascade='all, delete-orphan', lazy='selectin', order_by='UserRole.role'
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles) -> bool:
        return bool(self.roles & {Role(r) for r in roles})

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        # The session version rides in the id, so a bumped version logs out every old cookie.
        return f'{self.id}:{self.session_version}'

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None

    def __repr__(self):
        return f'<User {self.email}>'


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = 'user_role'
    __table_args__ = (
        UniqueConstraint('user_id', 'role', name='uq_user_role_user_id_role'),
        CheckConstraint(f'role IN {ROLE_VALUES!r}', name='known_role'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id', ondelete='CASCADE'), index=True)
    role: Mapped[str] = mapped_column(String(20))


class LoginThrottle(db.Model):
    """Recent login failures for one key (an account or an IP address)."""

    __tablename__ = 'login_throttle'

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, the token is shown once. It works until
    ``expires_at`` unless revoked first (by its owner, or with every token of its account when
    the password changes or is reset, or the account is disabled)."""

    __tablename__ = 'api_token'

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id', ondelete='CASCADE'), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship('User')

    @property
    def active(self):
        return self.revoked_at is None

    def expired(self, now) -> bool:
        return now >= self.expires_at
