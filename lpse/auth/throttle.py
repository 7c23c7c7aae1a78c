"""Login throttling per account and per IP: doubling delays with a cap, never a permanent lock."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from lpse.auth.models import LoginThrottle
from lpse.errors import Throttled
from lpse.extensions import db


def keys_for(email, ip):
    return {f'acct:{email.strip().lower()}': 'ACCOUNT', f'ip:{ip or "-"}': 'IP'}


def check(email, ip, *, now):
    """Refuse while the account or the address is in a delay window."""
    for key in keys_for(email, ip):
        row = db.session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            wait = int((row.locked_until - now).total_seconds()) + 1
            raise Throttled(
                _l(
                    'Terlalu banyak percobaan masuk. Coba lagi dalam %(seconds)s detik.',
                    seconds=wait,
                ),
                retry_after=wait,
            )


def register_failure(email, ip, *, now):
    cfg = current_app.config
    limits = {'ACCOUNT': cfg['LPSE_LOGIN_ACCOUNT_FAILURES'], 'IP': cfg['LPSE_LOGIN_IP_FAILURES']}
    cap = timedelta(seconds=cfg['LPSE_LOGIN_MAX_DELAY'])
    for key, kind in keys_for(email, ip).items():
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
        elif now - row.last_failure_at > 2 * cap:
            row.failures = 0  # old failures decay: the account is never locked for good
        row.failures += 1
        row.last_failure_at = now
        over = row.failures - limits[kind]
        if over >= 0:
            delay = timedelta(seconds=cfg['LPSE_LOGIN_BASE_DELAY'] * 2 ** min(over, 16))
            row.locked_until = now + min(delay, cap)
    db.session.flush()


def register_success(email):
    row = db.session.get(LoginThrottle, next(iter(keys_for(email, None))))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
