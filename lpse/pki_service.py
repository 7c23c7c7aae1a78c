"""The instance certificate authority, held in the database (ARCHITECTURE §4).

The CA key and the system key are stored only as `keystore.lock_private_key` blobs (argon2id +
AES-256-GCM) under passphrases that come from the environment (`LPSE_CA_PASSPHRASE`,
`LPSE_SYSTEM_KEY_PASSPHRASE`), never from the database; they are unlocked for the moment of
signing. Every certificate the CA issues is a row of `certificate`; the current CRL is rebuilt
and stored whenever one is revoked (and when it grows old), so serving it costs no key unlock.
"""

import enum
import functools
import hashlib
import threading
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import audit
from lpse.auth import scope
from lpse.crypto import keystore, pki
from lpse.crypto.errors import CertificateRejected, CryptoError, WrongPassphrase
from lpse.errors import Conflict, DomainError
from lpse.extensions import db, held
from lpse.types import UTCDateTime

CA_NAME = 'LPSE Instance CA'
PASSPHRASE_MIN_LENGTH = 16
# Rebuild the stored CRL once it is this old, so it never nears its nextUpdate unpublished.
CRL_REFRESH = timedelta(days=1)
CRL_NEXT_UPDATE_DAYS = 7


class Custody(enum.StrEnum):
    """Who holds the private key: the user (a CSR was certified) or the server (locked)."""

    self_held = 'self'
    server_held = 'server'


class RevocationReason(enum.StrEnum):
    """The CRL reasons people pick (RFC 5280 §5.3.1 names)."""

    unspecified = 'unspecified'
    key_compromise = 'key_compromise'
    affiliation_changed = 'affiliation_changed'
    superseded = 'superseded'
    cessation_of_operation = 'cessation_of_operation'


class CaUnavailable(DomainError):
    status = 503
    code = 'ca_unavailable'


class CertificateUnusable(Conflict):
    code = 'certificate_unusable'


@functools.lru_cache(maxsize=1024)
def _parsed_certificate(pem: str) -> x509.Certificate:
    """A PEM certificate parsed once per process (an immutable value; parsed per bid otherwise)."""
    return x509.load_pem_x509_certificate(pem.encode())


class IssuedCrl(db.Model):
    """Every CRL the CA issued, kept: an audit bundle carries the one current at each of a
    tender's milestones (what a relying party could have known then)."""

    __tablename__ = 'crl_history'

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    crl_pem: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def crl_current_at(moment) -> IssuedCrl | None:
    """The newest CRL issued at or before `moment` (None before the first one kept)."""
    return db.session.scalars(
        select(IssuedCrl)
        .where(IssuedCrl.issued_at <= moment)
        .order_by(IssuedCrl.issued_at.desc(), IssuedCrl.number.desc())
        .limit(1)
    ).first()


class Authority(db.Model):
    """The one CA of this instance and the system's own signing certificate."""

    __tablename__ = 'pki_authority'
    __table_args__ = (CheckConstraint('id = 1', name='single_row'),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ca_cert_pem: Mapped[str] = mapped_column(Text)
    ca_key_locked: Mapped[bytes] = mapped_column(LargeBinary)
    system_cert_pem: Mapped[str] = mapped_column(Text)
    system_key_locked: Mapped[bytes] = mapped_column(LargeBinary)
    crl_number: Mapped[int] = mapped_column(Integer)
    crl_pem: Mapped[str] = mapped_column(Text)
    crl_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def ca_cert(self) -> x509.Certificate:
        return _parsed_certificate(self.ca_cert_pem)

    @property
    def system_cert(self) -> x509.Certificate:
        return _parsed_certificate(self.system_cert_pem)

    @property
    def crl(self) -> x509.CertificateRevocationList:
        return x509.load_pem_x509_crl(self.crl_pem.encode())


class Certificate(db.Model):
    """A certificate the CA issued to a user (vendor signing or Pokja), with its key custody."""

    __tablename__ = 'certificate'
    __table_args__ = (
        CheckConstraint(f'custody IN {tuple(c.value for c in Custody)!r}', name='known_custody'),
        CheckConstraint(f'profile IN {tuple(p.name for p in pki.Profile)!r}', name='known_profile'),
        CheckConstraint(
            "(custody = 'server') = (locked_key IS NOT NULL)", name='server_key_iff_server_held'
        ),
        CheckConstraint(
            '(revoked_at IS NULL) = (revocation_reason IS NULL)', name='revocation_has_reason'
        ),
        CheckConstraint(
            'revocation_reason IS NULL OR revocation_reason IN '
            f'{tuple(r.value for r in RevocationReason)!r}',
            name='known_revocation_reason',
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'), index=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # hex
    profile: Mapped[str] = mapped_column(String(20))
    custody: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    pem: Mapped[str] = mapped_column(Text)
    # Server-held only: PKCS#8 under the user's signing passphrase (keystore.lock_private_key).
    locked_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(30))
    revocation_note: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))

    user = relationship('User', foreign_keys=[user_id])

    @property
    def x509(self) -> x509.Certificate:
        return _parsed_certificate(self.pem)

    def state(self, now) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return 'revoked'
        if now > self.not_after:
            return 'expired'
        if now < self.not_before:
            return 'not_yet_valid'
        return 'valid'

    def is_usable(self, now) -> bool:
        return self.state(now) == 'valid'

    def can_download(self, user) -> bool:
        """Its holder, admins and national auditors (the registry is not a scoped reader's)."""
        if user is not None and getattr(user, 'id', None) == self.user_id:
            return _authenticated(user)
        return scope.audits_everything(user)

    def can_revoke(self, user, now) -> bool:
        if self.revoked_at is not None or now > self.not_after:
            return False
        return _has(user, 'admin') or (_authenticated(user) and user.id == self.user_id)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


def _has(user, *roles) -> bool:
    return _authenticated(user) and user.has_role(*roles)


# --- the authority ---------------------------------------------------------------------------


def authority() -> Authority | None:
    return held('authority', 1, lambda: db.session.get(Authority, 1))


def require_authority() -> Authority:
    row = authority()
    if row is None:
        raise CaUnavailable(
            _l('CA instansi belum dibuat. Operator menjalankan perintah flask lpse init-ca.')
        )
    return row


def _passphrase(name: str) -> str:
    value = current_app.config.get(name) or ''
    if len(value) < PASSPHRASE_MIN_LENGTH:
        raise CaUnavailable(
            _l(
                '%(name)s belum diatur (minimal %(n)s karakter).',
                name=name,
                n=PASSPHRASE_MIN_LENGTH,
            )
        )
    return value


def init_ca(*, now, common_name=CA_NAME, organization=None, validity_days=3650, actor=None):
    """Create the CA and the system certificate, once; an existing CA is never overwritten."""
    if authority() is not None:
        raise Conflict(_l('CA sudah ada; tidak ditimpa.'))
    ca_pass = _passphrase('LPSE_CA_PASSPHRASE')
    system_pass = _passphrase('LPSE_SYSTEM_KEY_PASSPHRASE')
    if ca_pass == system_pass:
        raise CaUnavailable(_l('Frasa sandi CA dan kunci sistem harus berbeda.'))
    ca_key, ca_cert = pki.create_ca(
        common_name, now=now, validity_days=validity_days, organization=organization
    )
    system_key = pki.generate_key()
    attrs = {'common_name': f'{common_name} — sistem'}
    if organization:
        attrs['organization'] = organization
    system_cert = pki.issue_certificate(
        ca_key,
        ca_cert,
        system_key.public_key(),
        pki.build_subject(**attrs),
        profile=pki.Profile.system,
        now=now,
        validity_days=validity_days,
    )
    crl = pki.build_crl(
        ca_key, ca_cert, [], number=1, now=now, next_update_days=CRL_NEXT_UPDATE_DAYS
    )
    row = Authority(
        id=1,
        ca_cert_pem=_pem(ca_cert),
        ca_key_locked=keystore.lock_private_key(ca_key, ca_pass),
        system_cert_pem=_pem(system_cert),
        system_key_locked=keystore.lock_private_key(system_key, system_pass),
        crl_number=1,
        crl_pem=_pem(crl),
        crl_updated_at=now,
        created_at=now,
    )
    db.session.add(row)
    db.session.add(IssuedCrl(number=1, crl_pem=row.crl_pem, issued_at=now))
    db.session.flush()
    audit.record(
        'pki.ca_created',
        ('pki_authority', 1),
        actor=actor,
        now=now,
        ca_fingerprint=pki.certificate_fingerprint(ca_cert),
        system_fingerprint=pki.certificate_fingerprint(system_cert),
    )
    return row


def _unlock(blob: bytes, config_name: str):
    try:
        return keystore.unlock_private_key(blob, _passphrase(config_name))
    except WrongPassphrase:
        raise CaUnavailable(
            _l('%(name)s tidak membuka kunci yang tersimpan.', name=config_name)
        ) from None


def ca_key():
    """The CA private key, unlocked for one signing."""
    return _unlock(require_authority().ca_key_locked, 'LPSE_CA_PASSPHRASE')


# The system key, unlocked once per process. Its passphrase sits in this process's environment
# anyway, so keeping the unlocked key adds no exposure; unlocking (argon2id, ~0.3 s) for every
# receipt and checkpoint would serialise bid submissions at the deadline.
_system_keys: dict[bytes, object] = {}
# One unlock per process even when a burst of threads needs the key at once (each argon2id
# unlock costs 64 MiB and ~0.3 s: a dozen in parallel would only waste memory and CPU).
_system_key_lock = threading.Lock()


def system_key():
    """The system's private key (receipts, checkpoints, PDF signatures)."""
    blob = require_authority().system_key_locked
    cache_key = hashlib.sha256(blob + _passphrase('LPSE_SYSTEM_KEY_PASSPHRASE').encode()).digest()
    key = _system_keys.get(cache_key)
    if key is None:
        with _system_key_lock:
            key = _system_keys.get(cache_key)
            if key is None:
                key = _unlock(blob, 'LPSE_SYSTEM_KEY_PASSPHRASE')
                _system_keys.clear()
                _system_keys[cache_key] = key
    return key


LOG_KEY_INFO = b'lpse/transparency-log-key/v1'


def log_key() -> Ed25519PrivateKey:
    """The transparency log's Ed25519 key (C2SP signed notes), derived from the system key
    with HKDF-SHA256: nothing more to keep, back up or rotate apart from the system key, and
    exactly as secret (whoever holds one holds the other; witnesses are what stop them)."""
    private = system_key().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LOG_KEY_INFO).derive(private)
    return Ed25519PrivateKey.from_private_bytes(seed)


def validity_days() -> int:
    return int(current_app.config.get('LPSE_CERT_VALIDITY_DAYS', 730))


def issue(user, public_key, subject, *, profile, custody, locked_key=None, now):
    """Certify a key for `user` and record it; the caller audits (enrolment knows the context)."""
    row_ca = require_authority()
    if len(subject.rfc4514_string()) > pki.MAX_SUBJECT_LENGTH:
        raise CertificateUnusable(
            _l(
                'Subjek sertifikat terlalu panjang (maksimal %(n)s karakter).',
                n=pki.MAX_SUBJECT_LENGTH,
            )
        )
    try:
        cert = pki.issue_certificate(
            ca_key(),
            row_ca.ca_cert,
            public_key,
            subject,
            profile=profile,
            now=now,
            validity_days=validity_days(),
        )
    except CryptoError as exc:
        raise CertificateUnusable(exc.message) from None
    row = Certificate(
        user_id=user.id,
        serial=format(cert.serial_number, 'x'),
        profile=profile.name,
        custody=custody.value,
        subject=cert.subject.rfc4514_string(),
        fingerprint=pki.certificate_fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=_pem(cert),
        locked_key=locked_key,
        issued_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def revoke(certificate, *, reason, note=None, actor, now, ip=None):
    """Revoke from `now` on, republish the CRL, audit `certificate.revoked`."""
    if certificate.revoked_at is not None:
        raise Conflict(_l('Sertifikat sudah dicabut.'))
    certificate.revoked_at = now
    certificate.revocation_reason = RevocationReason(reason).value
    certificate.revocation_note = (note or '').strip()[:1000] or None
    certificate.revoked_by_id = getattr(actor, 'id', None)
    db.session.flush()
    publish_crl(now=now)
    audit.record(
        'certificate.revoked',
        certificate,
        actor=actor,
        now=now,
        ip=ip,
        serial=certificate.serial,
        reason=certificate.revocation_reason,
    )


def _locked_authority() -> Authority:
    """The authority row, locked for this transaction (SELECT … FOR UPDATE) and re-read.

    Every CRL write goes through this lock, so two revocations in flight are serialised: the
    second one reads the revoked certificates only after the first has committed, and the CRL
    numbers never repeat. (SQLite has no row locks; it serialises writers anyway.)"""
    row = db.session.get(Authority, 1, with_for_update=True, populate_existing=True)
    if row is None:
        return require_authority()  # raises CaUnavailable
    return row


def publish_crl(*, now):
    """Rebuild the CRL from every revoked certificate and store it (signed by the CA)."""
    return _publish(_locked_authority(), now=now)


def _publish(row, *, now):
    revoked = db.session.scalars(
        select(Certificate).where(Certificate.revoked_at.is_not(None)).order_by(Certificate.id)
    ).all()
    entries = [
        pki.Revocation(
            int(c.serial, 16), c.revoked_at, getattr(x509.ReasonFlags, c.revocation_reason)
        )
        for c in revoked
    ]
    row.crl_number += 1
    crl = pki.build_crl(
        ca_key(),
        row.ca_cert,
        entries,
        number=row.crl_number,
        now=now,
        next_update_days=CRL_NEXT_UPDATE_DAYS,
    )
    row.crl_pem = _pem(crl)
    row.crl_updated_at = now
    db.session.add(IssuedCrl(number=row.crl_number, crl_pem=row.crl_pem, issued_at=now))
    db.session.flush()
    return row.crl_pem


def current_crl_pem(*, now) -> str:
    """The stored CRL, rebuilt first when it is a day old (so it is always far from stale)."""
    row = require_authority()
    if now - row.crl_updated_at < CRL_REFRESH:
        return row.crl_pem
    row = _locked_authority()  # another request may have refreshed it while we waited
    if now - row.crl_updated_at >= CRL_REFRESH:
        return _publish(row, now=now)
    return row.crl_pem


def check_usable(certificate, *, now):
    """Refuse a revoked, expired, not-yet-valid or foreign certificate (CA signature and CRL)."""
    row = require_authority()
    if certificate.revoked_at is not None and certificate.revoked_at <= now:
        raise CertificateUnusable(_l('Sertifikat sudah dicabut dan tidak dapat dipakai.'))
    try:
        pki.check_certificate(certificate.x509, row.ca_cert, now=now, revoked=row.crl)
    except CertificateRejected as exc:
        raise CertificateUnusable(
            _l('Sertifikat tidak dapat dipakai: %(why)s', why=exc.message)
        ) from None


def active_certificate(user, *, now) -> Certificate | None:
    """The user's newest certificate that is valid at `now` (not revoked, not expired)."""
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return next((c for c in rows if c.is_usable(now)), None)


def certificates_of(user) -> list[Certificate]:
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()


def _pem(obj) -> str:
    return obj.public_bytes(serialization.Encoding.PEM).decode('ascii')
