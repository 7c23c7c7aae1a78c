"""Signing certificates for vendors and Pokja members: self-held (CSR) or server-held keys,
renewal, revocation, and unlocking a server-held key for the moment of signing.

No request, no commit. A failed unlock flushes its throttle count and `key.unlock_failed`
event before raising: the caller commits them before reporting the error."""

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lpse import audit, pki_service
from lpse.auth import passwords
from lpse.auth.models import LoginThrottle
from lpse.crypto import keystore, pki
from lpse.crypto.errors import CsrRejected, MalformedCsr, SubjectMismatch, WeakKey, WrongPassphrase
from lpse.errors import NotAllowed, Throttled, ValidationFailed
from lpse.extensions import db
from lpse.pki_service import Custody, RevocationReason
from lpse.vendors import verification

MAX_CSR_BYTES = 16 * 1024


class WrongSigningPassphrase(ValidationFailed):
    code = 'wrong_passphrase'


def profile_for(user) -> pki.Profile | None:
    """Pokja members get `pokja` (they also receive key shares); vendors get `signing`."""
    if user.has_role('pokja'):
        return pki.Profile.pokja
    if user.has_role('vendor'):
        return pki.Profile.signing
    return None


def enrolment_problem(user, now):
    """Why the user may not get a certificate now, or None."""
    profile = profile_for(user)
    if profile is None:
        return _l('Sertifikat hanya untuk penyedia dan anggota Pokja.')
    if profile is pki.Profile.signing:
        return verification.participation_problem(verification.vendor_of(user), now)
    return None


def can_enrol(user, now) -> bool:
    return user is not None and enrolment_problem(user, now) is None


def expected_subject(user) -> dict[str, str]:
    """The subject a CSR must carry: CN = the account's name, emailAddress = its email; for a
    vendor also O = the company name and serialNumber = the NPWP digits."""
    subject = {'common_name': user.name, 'email': user.email}
    if profile_for(user) is pki.Profile.signing:
        vendor = verification.vendor_of(user)
        subject |= {'organization': vendor.company_name, 'serial_number': vendor.npwp}
    return subject


def _require_enrolment(user, now):
    problem = enrolment_problem(user, now)
    if problem is not None:
        raise NotAllowed(problem)


def _finish(user, row, *, now, ip, renewed):
    for old in renewed:
        pki_service.revoke(old, reason=RevocationReason.superseded, actor=user, now=now, ip=ip)
    audit.record(
        'certificate.issued',
        row,
        actor=user,
        now=now,
        ip=ip,
        serial=row.serial,
        profile=row.profile,
        custody=row.custody,
        fingerprint=row.fingerprint,
        not_after=row.not_after.isoformat(),
        supersedes=[old.serial for old in renewed],
    )
    return row


def _current(user, now):
    """Certificates a new one replaces (renewal): every one not revoked and not expired."""
    return [
        c for c in pki_service.certificates_of(user) if c.revoked_at is None and c.not_after > now
    ]


def enrol_csr(user, csr_pem, *, now, ip=None):
    """Certify a self-held key from its CSR; the private key never reaches the server."""
    _require_enrolment(user, now)
    data = csr_pem.encode('utf-8', 'replace') if isinstance(csr_pem, str) else csr_pem
    if not isinstance(data, bytes) or not data.strip() or len(data) > MAX_CSR_BYTES:
        raise ValidationFailed(_l('Tempelkan CSR dalam format PEM.'), field='csr')
    try:
        csr = pki.validate_csr(data, expected=expected_subject(user))
    except MalformedCsr:
        raise ValidationFailed(
            _l('CSR tidak dapat dibaca: harus PEM "CERTIFICATE REQUEST" (PKCS#10).'), field='csr'
        ) from None
    except WeakKey:
        raise ValidationFailed(
            _l('Kunci lemah: sertifikat penandatanganan memerlukan RSA minimal 3072 bit.'),
            field='csr',
        ) from None
    except SubjectMismatch as exc:
        raise ValidationFailed(
            _l('Subjek CSR tidak cocok dengan akun Anda: %(why)s', why=exc.message), field='csr'
        ) from None
    except CsrRejected:
        raise ValidationFailed(
            _l('Tanda tangan CSR tidak cocok dengan kuncinya.'), field='csr'
        ) from None
    key = csr.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key, rsa.RSAPublicKey):
        raise ValidationFailed(
            _l(
                'Sertifikat penandatanganan harus memakai kunci RSA minimal 3072 bit, karena '
                'penawaran ditandatangani dengan RSA-PSS. Kunci EC tidak diterima.'
            ),
            field='csr',
        )
    renewed = _current(user, now)
    row = pki_service.issue(
        user, key, csr.subject, profile=profile_for(user), custody=Custody.self_held, now=now
    )
    return _finish(user, row, now=now, ip=ip, renewed=renewed)


def check_signing_passphrase(user, passphrase):
    minimum = int(current_app.config.get('LPSE_SIGNING_PASSPHRASE_MIN_LENGTH', 12))
    if not isinstance(passphrase, str) or len(passphrase) < minimum:
        raise ValidationFailed(
            _l('Frasa sandi penandatanganan minimal %(n)s karakter.', n=minimum),
            field='passphrase',
        )
    if passwords.verify_password(user.password_hash, passphrase):
        raise ValidationFailed(
            _l('Frasa sandi penandatanganan harus berbeda dari kata sandi masuk.'),
            field='passphrase',
        )


def enrol_server_held(user, passphrase, *, now, ip=None):
    """Generate a key on the server, store it only locked under the signing passphrase
    (argon2id + AES-256-GCM), and certify it."""
    _require_enrolment(user, now)
    check_signing_passphrase(user, passphrase)
    key = pki.generate_key()
    locked = keystore.lock_private_key(key, passphrase)
    subject = pki.build_subject(**expected_subject(user))
    renewed = _current(user, now)
    row = pki_service.issue(
        user,
        key.public_key(),
        subject,
        profile=profile_for(user),
        custody=Custody.server_held,
        locked_key=locked,
        now=now,
    )
    return _finish(user, row, now=now, ip=ip, renewed=renewed)


def revoke_certificate(certificate, *, reason, note=None, actor, now, ip=None):
    if not certificate.can_revoke(actor, now):
        raise NotAllowed(_l('Anda tidak dapat mencabut sertifikat ini.'))
    try:
        reason = RevocationReason(reason)
    except ValueError:
        raise ValidationFailed(
            _l('Pilih alasan pencabutan yang tersedia.'), field='reason'
        ) from None
    pki_service.revoke(certificate, reason=reason, note=note, actor=actor, now=now, ip=ip)


# --- unlocking a server-held key -------------------------------------------------------------


def _throttle_row(user):
    return db.session.get(LoginThrottle, f'signkey:{user.id}')


def _check_throttle(user, now):
    row = _throttle_row(user)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        raise Throttled(
            _l('Terlalu banyak percobaan frasa sandi. Coba lagi dalam %(s)s detik.', s=wait),
            retry_after=wait,
        )


def _register_failure(user, now):
    """The login throttle's rule: after N failures a doubling delay, capped; failures decay."""
    cfg = current_app.config
    cap = timedelta(seconds=cfg['LPSE_LOGIN_MAX_DELAY'])
    row = _throttle_row(user)
    if row is None:
        row = LoginThrottle(key=f'signkey:{user.id}', failures=0, last_failure_at=now)
        db.session.add(row)
    elif now - row.last_failure_at > 2 * cap:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    over = row.failures - cfg['LPSE_LOGIN_ACCOUNT_FAILURES']
    if over >= 0:
        delay = timedelta(seconds=cfg['LPSE_LOGIN_BASE_DELAY'] * 2 ** min(over, 16))
        row.locked_until = now + min(delay, cap)
    db.session.flush()


def unlock_signing_key(user, passphrase, *, now, ip=None):
    """The user's server-held private key and its certificate, for one signing.

    The certificate must be usable at `now` (CA signature, validity, CRL). A wrong passphrase
    raises WrongSigningPassphrase after counting the failure and auditing `key.unlock_failed`;
    the caller commits those before answering."""
    certificate = pki_service.active_certificate(user, now=now)
    if certificate is None:
        raise NotAllowed(_l('Anda belum memiliki sertifikat yang berlaku.'))
    if certificate.custody != Custody.server_held:
        raise NotAllowed(
            _l('Kunci Anda disimpan sendiri; tandatangani dengan perintah lpse di komputer Anda.')
        )
    pki_service.check_usable(certificate, now=now)
    _check_throttle(user, now)
    try:
        key = keystore.unlock_private_key(certificate.locked_key, passphrase or '')
    except WrongPassphrase:
        _register_failure(user, now)
        audit.record(
            'key.unlock_failed', certificate, actor=user, now=now, ip=ip, serial=certificate.serial
        )
        raise WrongSigningPassphrase(
            _l('Frasa sandi penandatanganan salah.'), field='passphrase'
        ) from None
    row = _throttle_row(user)
    if row is not None:
        db.session.delete(row)
    audit.record('key.unlocked', certificate, actor=user, now=now, ip=ip, serial=certificate.serial)
    return key, certificate
