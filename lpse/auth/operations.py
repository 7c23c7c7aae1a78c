"""Account rules: log in, second factor, passwords, roles, tokens. No request, no commit."""

import hashlib
import hmac
import secrets
from datetime import timedelta

import email_validator
import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from lpse import audit
from lpse.auth import passwords, throttle
from lpse.auth.models import ApiToken, Role, User, UserRole
from lpse.errors import Conflict, NotAllowed, TokenExpired, ValidationFailed
from lpse.extensions import db

TOKEN_PREFIX = 'lpse_'  # noqa: S105 — a marker, not a secret
# Column sizes of `user` (email, name) and a bound on the password argon2 is asked to hash.
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200
MAX_PASSWORD_LENGTH = 1024
LOGIN_FAILED = _l('Email atau kata sandi salah.')
TOKEN_EXPIRED = _l('Token API sudah kedaluwarsa. Buat token baru.')


def normalise_email(email) -> str:
    return email.strip().lower() if isinstance(email, str) else ''


def email_syntax_ok(email: str) -> bool:
    """An address a mail server could take (email-validator: RFC 5322/6531 syntax, a domain
    with a dot, no reserved name such as .local). Whether it is really reachable is what the
    confirmation mail shows; no DNS is asked here."""
    try:
        email_validator.validate_email(
            email,
            check_deliverability=False,
            test_environment=bool(current_app.config.get('TESTING')),
        )
    except email_validator.EmailNotValidError:
        return False
    return True


def find_user(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email, password, *, ip, now):
    """The user whose email and password match, or LOGIN_FAILED (generic) — throttled."""
    throttle.check(email, ip, now=now)
    user = find_user(email)
    ok = passwords.verify_password(user.password_hash if user else None, password or '')
    if not ok or not user.active:
        throttle.register_failure(email, ip, now=now)
        audit.record(
            'auth.login_failed',
            user,
            actor=None,
            now=now,
            ip=ip,
            email=normalise_email(email)[:254],
        )
        raise NotAllowed(LOGIN_FAILED)
    throttle.register_success(email)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def totp_required(user) -> bool:
    required = set(current_app.config['LPSE_REQUIRE_TOTP_ROLES'])
    return bool(required & {r.value for r in user.roles})


def verify_totp(user, code, *, now) -> bool:
    """Accept a current TOTP code once only: a step already used is refused."""
    if not user.totp_secret or not code:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if step <= (user.totp_last_step or -1):
            continue
        if hmac.compare_digest(totp.generate_otp(step), str(code).strip()):
            user.totp_last_step = step
            db.session.flush()
            return True
    return False


def complete_login(user, *, ip, now, method='password'):
    audit.record('auth.login', user, actor=user, now=now, ip=ip, method=method)


def logout(user, *, ip, now):
    user.session_version += 1
    audit.record('auth.logout', user, actor=user, now=now, ip=ip)


def check_password_strength(password):
    minimum = current_app.config['LPSE_PASSWORD_MIN_LENGTH']
    if len(password or '') < minimum:
        raise ValidationFailed(
            _l('Kata sandi minimal %(n)s karakter.', n=minimum), field='password'
        )


def change_password(user, current, new, *, ip, now):
    if not passwords.verify_password(user.password_hash, current or ''):
        raise ValidationFailed(_l('Kata sandi saat ini salah.'), field='current_password')
    check_password_strength(new)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    audit.record('user.password_changed', user, actor=user, now=now, ip=ip)
    revoke_tokens(user, actor=user, now=now, ip=ip, reason='password_changed')


def reset_password(user, *, actor, now, ip=None):
    """Give the user a new random password (shown once); they must change it at next login."""
    password = passwords.generate_password()
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    audit.record('user.password_reset', user, actor=actor, now=now, ip=ip)
    revoke_tokens(user, actor=actor, now=now, ip=ip, reason='password_reset')
    return password


def create_user(*, email, name, roles, agency=None, password=None, actor, now, ip=None):
    """A new account; returns (user, password) — the password is generated when not given."""
    email = normalise_email(email)
    if not email_syntax_ok(email):
        raise ValidationFailed(_l('Alamat email tidak valid.'), field='email')
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationFailed(
            _l('Alamat email maksimal %(n)s karakter.', n=MAX_EMAIL_LENGTH), field='email'
        )
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed(_l('Nama wajib diisi.'), field='name')
    if len(name.strip()) > MAX_NAME_LENGTH:
        raise ValidationFailed(_l('Nama maksimal %(n)s karakter.', n=MAX_NAME_LENGTH), field='name')
    if password is not None and (
        not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH
    ):
        raise ValidationFailed(
            _l('Kata sandi maksimal %(n)s karakter.', n=MAX_PASSWORD_LENGTH), field='password'
        )
    if find_user(email) is not None:
        raise Conflict(_l('Email sudah terdaftar.'), field='email')
    roles = _parse_roles(roles)
    if roles & {Role.ppk, Role.pokja, Role.verifier} and agency is None:
        raise ValidationFailed(_l('Pejabat harus terdaftar pada sebuah instansi.'), field='agency')
    if password is None:
        password = passwords.generate_password()
    else:
        check_password_strength(password)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=passwords.hash_password(password),
        agency=agency,
        active=True,
        session_version=1,
        must_change_password=False,
        created_at=now,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    audit.record(
        'user.created',
        user,
        actor=actor,
        now=now,
        ip=ip,
        email=email,
        roles=sorted(r.value for r in roles),
        agency=agency.code if agency else None,
    )
    return user, password


def _parse_roles(roles):
    try:
        parsed = {Role(r) for r in roles}
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_l('Peran tidak dikenal.'), field='roles') from exc
    if not parsed:
        raise ValidationFailed(_l('Pilih minimal satu peran.'), field='roles')
    return parsed


def set_roles(user, roles, *, actor, now, ip=None):
    roles = _parse_roles(roles)
    if user.id == actor.id and Role.admin in user.roles and Role.admin not in roles:
        raise NotAllowed(_l('Admin tidak dapat mencabut peran admin miliknya sendiri.'))
    before = sorted(r.value for r in user.roles)
    if set(before) == {r.value for r in roles}:
        return
    keep = [row for row in user.role_rows if Role(row.role) in roles]
    have = {Role(row.role) for row in keep}
    user.role_rows = keep + [UserRole(role=r.value) for r in sorted(roles - have)]
    db.session.flush()
    audit.record(
        'user.roles_changed',
        user,
        actor=actor,
        now=now,
        ip=ip,
        before=before,
        after=sorted(r.value for r in roles),
    )


def set_active(user, active, *, actor, now, ip=None):
    if user.id == actor.id and not active:
        raise NotAllowed(_l('Anda tidak dapat menonaktifkan akun Anda sendiri.'))
    user.active = active
    user.session_version += 1
    audit.record('user.enabled' if active else 'user.disabled', user, actor=actor, now=now, ip=ip)
    if not active:
        revoke_tokens(user, actor=actor, now=now, ip=ip, reason='account_disabled')


NIP_DIGITS = 18


def normalise_nip(value) -> str | None:
    """A NIP as its 18 digits (spaces and dots people type are dropped); empty means none."""
    text = ''.join(str(value or '').split()).replace('.', '')
    if not text:
        return None
    if not text.isdigit() or len(text) != NIP_DIGITS:
        raise ValidationFailed(_l('NIP harus 18 angka.'), field='nip')
    return text


def set_nip(user, nip, *, actor, now, ip=None) -> bool:
    """Record an officer's NIP (printed in the signature blocks of issued documents); False
    when nothing changes."""
    value = normalise_nip(nip)
    if value == user.nip:
        return False
    before, user.nip = user.nip, value
    audit.record('user.nip_set', user, actor=actor, now=now, ip=ip, before=before, after=value)
    return True


def start_totp_enrolment() -> str:
    return pyotp.random_base32()


def enable_totp(user, secret, code, *, now, ip=None):
    """Turn on the second factor once the user proves their app shows the right code."""
    probe = User(totp_secret=secret, totp_last_step=None)
    if not verify_totp(probe, code, now=now):
        raise ValidationFailed(_l('Kode verifikasi salah.'), field='code')
    user.totp_secret = secret
    user.totp_last_step = probe.totp_last_step
    audit.record('user.totp_enabled', user, actor=user, now=now, ip=ip)


def disable_totp(user, *, actor, now, ip=None):
    user.totp_secret = None
    user.totp_last_step = None
    audit.record('user.totp_disabled', user, actor=actor, now=now, ip=ip)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def create_token(user, name, *, now, ip=None):
    """A new API token, valid LPSE_API_TOKEN_DAYS; returns (row, token) — the token itself is
    never stored."""
    name = name.strip()[:100] if isinstance(name, str) else ''
    if not name:
        raise ValidationFailed(_l('Nama token wajib diisi.'), field='name')
    secret = secrets.token_urlsafe(32)
    token = f'{TOKEN_PREFIX}{secret}'
    expires_at = now + timedelta(days=current_app.config['LPSE_API_TOKEN_DAYS'])
    row = ApiToken(
        user=user,
        name=name,
        prefix=secret[:8],
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        'token.created',
        row,
        actor=user,
        now=now,
        ip=ip,
        name=name,
        expires_at=expires_at.isoformat(),
    )
    return row, token


def revoke_token(row, *, actor, now, ip=None, reason=None):
    if row.revoked_at is None:
        row.revoked_at = now
        details = {'reason': reason} if reason else {}
        audit.record('token.revoked', row, actor=actor, now=now, ip=ip, **details)


def revoke_tokens(user, *, actor, now, ip=None, reason):
    """Revoke every token of ``user``: a new password or a disabled account ends API access
    too, as it ends the sessions."""
    rows = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()
    for row in rows:
        revoke_token(row, actor=actor, now=now, ip=ip, reason=reason)


def user_for_token(token, *, now, touch_every=timedelta(minutes=1)):
    """The active user an active token belongs to, noting its use (once a minute); else None.
    A token that would otherwise work but is past its expiry raises TokenExpired."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expired(now):
        raise TokenExpired(TOKEN_EXPIRED)
    if row.last_used_at is None or now - row.last_used_at > touch_every:
        _note_use(row, now)
    return row.user


def _note_use(row, now) -> None:
    """The token's last use, best effort, on a connection of its own: the request's session is
    not committed for it (which would expire the user and its roles, read again at once)."""
    try:
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    except OperationalError:  # SQLite busy under a burst of writers: a later use notes it
        return
    set_committed_value(row, 'last_used_at', now)
