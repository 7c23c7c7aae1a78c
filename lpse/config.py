"""Configuration: safe production defaults, overridden from the environment when the app starts."""

import json
import os
import re
import secrets
from pathlib import Path

from lpse import proxies
from lpse.crypto.errors import CryptoError
from lpse.crypto.note import Verifier

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = 'change-me'  # noqa: S105 — the sentinel production refuses to start with
ROLES_WITH_TOTP_OPTION = ('admin', 'verifier', 'ppk', 'pokja', 'auditor')
# Schedule minimums (tenders/rules.py): DOMAIN §2 "typical" values, in hours; the environment may
# lower them (to zero in the demo and tests).
DEFAULT_MIN_DURATIONS = {
    'announcement': 5 * 24,
    'qualification_objection': 3 * 24,
    'objection': 5 * 24,
}
DEFAULT_MIN_GAPS = {
    # aanwijzing starts at least this long after the announcement starts
    'clarification_after_announcement': 3 * 24,
    # the bid deadline is at least this long after the aanwijzing ends
    'deadline_after_clarification': 3 * 24,
    # downloads close at least this long before the bid deadline
    'download_before_deadline': 24,
}
# Tender Cepat (lpse.tenders.methods.tender_cepat): no aanwijzing, shorter minimums.
FAST_MIN_DURATIONS = {'announcement': 3 * 24, 'bid_submission': 3 * 24, 'objection': 3 * 24}
FAST_MIN_GAPS = {'download_before_deadline': 0}


class Config:
    """Production settings."""

    ENV_NAME = 'production'
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled from DATABASE_URL or instance/lpse.db
    SQLALCHEMY_ENGINE_OPTIONS = {'pool_pre_ping': True}
    # Database connections of one process (lpse.app.engine_options). A request holds its
    # session's connection and may take one more for a moment (an upload lock and its heartbeat,
    # a token's last use): the pool must hold 2 per thread, or threads that each hold one wait
    # for a second until the pool times out. Size + overflow = 65: up to 32 threads a process.
    LPSE_DB_POOL_SIZE = 5  # kept open
    LPSE_DB_POOL_OVERFLOW = 60  # opened when needed, closed when returned
    LPSE_DB_POOL_TIMEOUT = 10  # whole s a request waits for a connection, then 503 `busy`
    LPSE_DATA_DIR = None  # filled from LPSE_DATA_DIR or instance/data
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    LPSE_GC_FREEZE = True  # lpse.app._freeze_heap: full GC passes skip the app's own objects
    LPSE_GIL_SWITCH_SECONDS = 0.0005  # lpse.app._shorten_gil_turns (Python's default: 0.005)
    MAX_FORM_MEMORY_SIZE = 1024 * 1024

    SESSION_COOKIE_NAME = 'lpse_session'
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = 'Lax'
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    BABEL_DEFAULT_LOCALE = 'id'
    BABEL_DEFAULT_TIMEZONE = 'Asia/Jakarta'
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / 'translations')
    LANGUAGES = ('id', 'en')

    # Roles that must use a TOTP second factor.
    LPSE_REQUIRE_TOTP_ROLES = ()
    # Login throttling: after this many failures a key is locked for a doubling delay, capped,
    # so an attacker can slow the real user down but never lock them out for good.
    LPSE_LOGIN_ACCOUNT_FAILURES = 5
    LPSE_LOGIN_IP_FAILURES = 20
    LPSE_LOGIN_BASE_DELAY = 30
    LPSE_LOGIN_MAX_DELAY = 900
    LPSE_PASSWORD_MIN_LENGTH = 10
    # API tokens stop working this many days after they are made (auth/operations.py).
    LPSE_API_TOKEN_DAYS = 90
    LPSE_BASE_URL = 'http://127.0.0.1:5000'
    # Proxies in front of the nodes (lpse/proxies.py): a hop count or a comma list of networks;
    # 0 trusts no X-Forwarded-* header. Who may read /metrics: a comma list of networks.
    LPSE_TRUSTED_PROXIES = 0
    LPSE_METRICS_ALLOW = '127.0.0.1/32,::1/128'

    # The transparency log (lpse/tlog.py, lpse/checkpoints.py): its name in checkpoints (None:
    # the base URL's host and path + /log), the witnesses whose cosignatures it keeps (their
    # vkeys), and how often the clock job cuts a checkpoint while the log grows.
    LPSE_LOG_ORIGIN = None
    LPSE_WITNESS_KEYS = ()
    LPSE_CHECKPOINT_MINUTES = 10
    # How often the clock replays the log against the database (statelog; 0: only on demand).
    LPSE_RECONCILE_HOURS = 24

    # Open contracting data (lpse/opendata, docs/OPEN_DATA.md): the ocid prefix registered with
    # the Open Contracting Partnership (the default is a placeholder for development only), the
    # publisher's name in packages, and how often the clock rewrites the yearly bulk files.
    LPSE_OCID_PREFIX = 'ocds-dev000'
    LPSE_OCDS_PUBLISHER = 'LPSE'
    LPSE_OCDS_BULK_MINUTES = 60

    # Vendors and PKI (lpse/vendors, lpse/pki_service.py). The CA and system-key passphrases
    # come from the environment only; development keeps random ones in instance/.
    LPSE_CA_PASSPHRASE = None
    LPSE_SYSTEM_KEY_PASSPHRASE = None
    LPSE_CERT_VALIDITY_DAYS = 730
    LPSE_SIGNING_PASSPHRASE_MIN_LENGTH = 12
    LPSE_EMAIL_CONFIRM_MAX_AGE = 48 * 3600
    LPSE_VENDOR_DOCUMENT_MAX_SIZE = 10 * 1024 * 1024
    LPSE_SMTP_HOST = None
    LPSE_SMTP_PORT = 587
    LPSE_SMTP_TLS = 'starttls'  # starttls | ssl (implicit TLS, port 465) | none
    LPSE_SMTP_USER = None
    LPSE_SMTP_PASSWORD = None
    LPSE_MAIL_FROM = 'lpse@localhost'
    # The outbox (lpse/notify/outbox.py): attempts before a message is failed (the admin sees
    # it), the first retry's delay (doubled each time), delivery right after the response.
    LPSE_MAIL_MAX_ATTEMPTS = 6
    LPSE_MAIL_RETRY_SECONDS = 60
    LPSE_MAIL_AFTER_RESPONSE = True
    # The job queue (lpse/jobs): None keeps it in LPSE_DATA_DIR/jobs.db (SQLite, one machine);
    # redis://host:port/db for many nodes; 'immediate' runs each job at once in the process that
    # submits it (tests). A failed job is tried LPSE_JOB_RETRIES more times, the first after
    # LPSE_JOB_RETRY_SECONDS, each wait twice the one before.
    LPSE_QUEUE_URL = None
    LPSE_JOB_RETRIES = 3
    LPSE_JOB_RETRY_SECONDS = 10
    LPSE_JOB_STALE_MINUTES = 30  # a job `running` this long lost its worker: it may be run again
    # The clock reminds a tender's followers and bidders this many hours before its bid deadline.
    LPSE_DEADLINE_REMINDER_HOURS = 24

    # Sealed bids (lpse/bids): the envelope cap, the per-vendor upload rate limit, how long an
    # upload lock may be held by a process that died, and the web bid form's total size.
    LPSE_BID_MAX_SIZE = 50 * 1024 * 1024
    LPSE_BID_RATE_LIMIT = 10
    LPSE_BID_RATE_WINDOW = 600
    # A crashed upload must not lock its vendor out for long at the deadline.
    LPSE_BID_LOCK_SECONDS = 20  # refreshed every LPSE_BID_LOCK_HEARTBEAT s while bytes stream
    LPSE_BID_LOCK_HEARTBEAT = 5
    LPSE_BID_DB_BUSY_SECONDS = 30  # SQLite: how long a submission waits for the write lock
    LPSE_BID_FORM_MAX_SIZE = 30 * 1024 * 1024
    # Contracts (lpse/contracts): an SPK up to these values (rupiah), a Surat Perjanjian above.
    LPSE_SPK_MAX_GOODS = 200_000_000  # goods, construction and other services
    LPSE_SPK_MAX_CONSULTANCY = 100_000_000

    # Tenders (lpse/tenders): the documents' size cap, and the schedule's minimum durations and
    # gaps in hours (DOMAIN §2), frozen into each tender at publication.
    LPSE_DOCUMENT_MAX_SIZE = 20 * 1024 * 1024
    LPSE_STAGE_MIN_DURATIONS = DEFAULT_MIN_DURATIONS
    LPSE_STAGE_MIN_GAPS = DEFAULT_MIN_GAPS
    LPSE_FAST_STAGE_MIN_DURATIONS = FAST_MIN_DURATIONS
    LPSE_FAST_STAGE_MIN_GAPS = FAST_MIN_GAPS
    # Prakualifikasi: how many vendors that pass make the shortlist (DOMAIN §9). A tender takes
    # every one that passes (MAX None); a seleksi the best 3 to 7 by score.
    LPSE_TENDER_SHORTLIST_MIN = 1
    LPSE_TENDER_SHORTLIST_MAX = None
    LPSE_SELEKSI_SHORTLIST_MIN = 3
    LPSE_SELEKSI_SHORTLIST_MAX = 7


class DevelopmentConfig(Config):
    """`make run`: local HTTP, a random secret key kept in instance/."""

    ENV_NAME = 'development'
    SESSION_COOKIE_SECURE = False
    # The demo runs a whole tender in minutes: no minimum durations or gaps.
    LPSE_STAGE_MIN_DURATIONS = {}
    LPSE_STAGE_MIN_GAPS = {}
    LPSE_FAST_STAGE_MIN_DURATIONS = {}
    LPSE_FAST_STAGE_MIN_GAPS = {}


class TestConfig(Config):
    """The test suite: fixtures set the database and data folder."""

    ENV_NAME = 'testing'
    TESTING = True
    LPSE_GC_FREEZE = False
    LPSE_GIL_SWITCH_SECONDS = None
    SECRET_KEY = 'test-secret-key-not-for-production'  # noqa: S105
    SESSION_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = 'sqlite://'
    LPSE_MAIL_AFTER_RESPONSE = False  # tests deliver explicitly (outbox.deliver_due)
    LPSE_QUEUE_URL = 'immediate'  # jobs run at once after their commit; tests with a worker
    LPSE_JOB_RETRY_SECONDS = 0  # set a real queue


ENVIRONMENT = {
    'LPSE_SECRET_KEY': ('SECRET_KEY', str),
    'DATABASE_URL': ('SQLALCHEMY_DATABASE_URI', str),
    'LPSE_DATA_DIR': ('LPSE_DATA_DIR', str),
    'LPSE_BLOB_STORE': ('LPSE_BLOB_STORE', str),
    'LPSE_S3_ENDPOINT': ('LPSE_S3_ENDPOINT', str),
    'LPSE_S3_BUCKET': ('LPSE_S3_BUCKET', str),
    'LPSE_S3_REGION': ('LPSE_S3_REGION', str),
    'LPSE_S3_PREFIX': ('LPSE_S3_PREFIX', str),
    'LPSE_S3_PART_SIZE': ('LPSE_S3_PART_SIZE', lambda v: _at_least(int(v), 5 * 1024 * 1024)),
    'LPSE_S3_SPOOL_DIR': ('LPSE_S3_SPOOL_DIR', str),
    'LPSE_MAX_CONTENT_LENGTH': ('MAX_CONTENT_LENGTH', int),
    'LPSE_REQUIRE_TOTP_ROLES': (
        'LPSE_REQUIRE_TOTP_ROLES',
        lambda v: tuple(r.strip() for r in v.split(',') if r.strip()),
    ),
    'LPSE_LOGIN_ACCOUNT_FAILURES': ('LPSE_LOGIN_ACCOUNT_FAILURES', int),
    'LPSE_LOGIN_IP_FAILURES': ('LPSE_LOGIN_IP_FAILURES', int),
    'LPSE_LOGIN_BASE_DELAY': ('LPSE_LOGIN_BASE_DELAY', int),
    'LPSE_LOGIN_MAX_DELAY': ('LPSE_LOGIN_MAX_DELAY', int),
    'LPSE_API_TOKEN_DAYS': ('LPSE_API_TOKEN_DAYS', lambda v: _token_days(int(v))),
    'LPSE_BASE_URL': ('LPSE_BASE_URL', str),
    'LPSE_TIMEZONE': ('BABEL_DEFAULT_TIMEZONE', lambda v: _zone(v)),
    'LPSE_TRUSTED_PROXIES': ('LPSE_TRUSTED_PROXIES', proxies.parse_trusted),
    'LPSE_METRICS_ALLOW': ('LPSE_METRICS_ALLOW', lambda v: _networks(v)),
    'LPSE_LOG_ORIGIN': ('LPSE_LOG_ORIGIN', str),
    'LPSE_WITNESS_KEYS': ('LPSE_WITNESS_KEYS', lambda v: _vkeys(v)),
    'LPSE_CHECKPOINT_MINUTES': ('LPSE_CHECKPOINT_MINUTES', lambda v: _positive(int(v))),
    'LPSE_RECONCILE_HOURS': ('LPSE_RECONCILE_HOURS', int),
    'LPSE_TENDER_SHORTLIST_MIN': ('LPSE_TENDER_SHORTLIST_MIN', int),
    'LPSE_SELEKSI_SHORTLIST_MIN': ('LPSE_SELEKSI_SHORTLIST_MIN', int),
    'LPSE_SELEKSI_SHORTLIST_MAX': ('LPSE_SELEKSI_SHORTLIST_MAX', int),
    'LPSE_OCID_PREFIX': ('LPSE_OCID_PREFIX', lambda v: _ocid_prefix(v)),
    'LPSE_OCDS_PUBLISHER': ('LPSE_OCDS_PUBLISHER', str),
    'LPSE_OCDS_BULK_MINUTES': ('LPSE_OCDS_BULK_MINUTES', lambda v: _positive(int(v))),
    'LPSE_CA_PASSPHRASE': ('LPSE_CA_PASSPHRASE', str),
    'LPSE_SYSTEM_KEY_PASSPHRASE': ('LPSE_SYSTEM_KEY_PASSPHRASE', str),
    'LPSE_CERT_VALIDITY_DAYS': ('LPSE_CERT_VALIDITY_DAYS', int),
    'LPSE_SIGNING_PASSPHRASE_MIN_LENGTH': ('LPSE_SIGNING_PASSPHRASE_MIN_LENGTH', int),
    'LPSE_EMAIL_CONFIRM_MAX_AGE': ('LPSE_EMAIL_CONFIRM_MAX_AGE', int),
    'LPSE_VENDOR_DOCUMENT_MAX_SIZE': ('LPSE_VENDOR_DOCUMENT_MAX_SIZE', int),
    'LPSE_SMTP_HOST': ('LPSE_SMTP_HOST', str),
    'LPSE_SMTP_PORT': ('LPSE_SMTP_PORT', int),
    'LPSE_SMTP_TLS': ('LPSE_SMTP_TLS', str),
    'LPSE_SMTP_USER': ('LPSE_SMTP_USER', str),
    'LPSE_SMTP_PASSWORD': ('LPSE_SMTP_PASSWORD', str),
    'LPSE_MAIL_FROM': ('LPSE_MAIL_FROM', str),
    'LPSE_MAIL_MAX_ATTEMPTS': ('LPSE_MAIL_MAX_ATTEMPTS', lambda v: _positive(int(v))),
    'LPSE_MAIL_RETRY_SECONDS': ('LPSE_MAIL_RETRY_SECONDS', lambda v: _positive(int(v))),
    'LPSE_QUEUE_URL': ('LPSE_QUEUE_URL', str),
    'LPSE_JOB_RETRIES': ('LPSE_JOB_RETRIES', int),
    'LPSE_JOB_RETRY_SECONDS': ('LPSE_JOB_RETRY_SECONDS', int),
    'LPSE_JOB_STALE_MINUTES': ('LPSE_JOB_STALE_MINUTES', lambda v: _positive(int(v))),
    'LPSE_DEADLINE_REMINDER_HOURS': ('LPSE_DEADLINE_REMINDER_HOURS', int),
    'LPSE_BID_MAX_SIZE': ('LPSE_BID_MAX_SIZE', int),
    'LPSE_BID_RATE_LIMIT': ('LPSE_BID_RATE_LIMIT', int),
    'LPSE_BID_RATE_WINDOW': ('LPSE_BID_RATE_WINDOW', int),
    'LPSE_BID_LOCK_SECONDS': ('LPSE_BID_LOCK_SECONDS', int),
    'LPSE_BID_LOCK_HEARTBEAT': ('LPSE_BID_LOCK_HEARTBEAT', int),
    'LPSE_BID_DB_BUSY_SECONDS': ('LPSE_BID_DB_BUSY_SECONDS', int),
    'LPSE_DB_POOL_SIZE': ('LPSE_DB_POOL_SIZE', lambda v: _positive(int(v))),
    'LPSE_DB_POOL_OVERFLOW': ('LPSE_DB_POOL_OVERFLOW', lambda v: _at_least(int(v), 0)),
    'LPSE_DB_POOL_TIMEOUT': ('LPSE_DB_POOL_TIMEOUT', lambda v: _positive(int(v))),
    'LPSE_BID_FORM_MAX_SIZE': ('LPSE_BID_FORM_MAX_SIZE', int),
    'LPSE_SPK_MAX_GOODS': ('LPSE_SPK_MAX_GOODS', lambda v: _positive(int(v))),
    'LPSE_SPK_MAX_CONSULTANCY': ('LPSE_SPK_MAX_CONSULTANCY', lambda v: _positive(int(v))),
    'LPSE_ADDENDUM_MIN_BID_HOURS': ('LPSE_ADDENDUM_MIN_BID_HOURS', int),
    'LPSE_DOCUMENT_MAX_SIZE': ('LPSE_DOCUMENT_MAX_SIZE', int),
    # JSON objects of hours, e.g. {"announcement": 120, "objection": 120}; {} for none
    'LPSE_STAGE_MIN_DURATIONS': (
        'LPSE_STAGE_MIN_DURATIONS',
        lambda v: _hours(v, DEFAULT_MIN_DURATIONS),
    ),
    'LPSE_STAGE_MIN_GAPS': ('LPSE_STAGE_MIN_GAPS', lambda v: _hours(v, DEFAULT_MIN_GAPS)),
    'LPSE_FAST_STAGE_MIN_DURATIONS': (
        'LPSE_FAST_STAGE_MIN_DURATIONS',
        lambda v: _hours(v, DEFAULT_MIN_DURATIONS | FAST_MIN_DURATIONS),
    ),
    'LPSE_FAST_STAGE_MIN_GAPS': (
        'LPSE_FAST_STAGE_MIN_GAPS',
        lambda v: _hours(v, FAST_MIN_GAPS),
    ),
}


def _zone(name):
    """One of Indonesia's three zones (the instance's, for pages that name no tender)."""
    if name not in ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'):
        raise ValueError(f'expected Asia/Jakarta, Asia/Makassar or Asia/Jayapura, got {name!r}')
    return name


def _networks(text):
    """A comma list of networks, checked at start, kept as text."""
    proxies.parse_networks(text)
    return text


def _at_least(value, minimum):
    if value < minimum:
        raise ValueError(f'must be at least {minimum}, got {value}')
    return value


def _positive(value):
    if value < 1:
        raise ValueError(f'must be at least 1, got {value}')
    return value


def _ocid_prefix(text):
    """`ocds-` and six letters or digits (the form the Open Contracting Partnership assigns)."""
    if not re.fullmatch(r'ocds-[a-z0-9]{6}', text):
        raise ValueError(f'must look like ocds-abc123, got {text!r}')
    return text


def _vkeys(text):
    """Witness verifier keys (C2SP vkeys), separated by spaces, commas or newlines; a key that
    does not parse stops the start naming it."""
    keys = tuple(k for k in text.replace(',', ' ').split() if k)
    for key in keys:
        try:
            Verifier.from_vkey(key)
        except CryptoError as exc:
            raise ValueError(f'{key!r} is not a witness vkey: {exc}') from None
    return keys


def _token_days(value):
    """An API token lives 1 to 3650 days: longer is no expiry at all, and past the calendar's
    end the expiry could not be computed."""
    if value > 3650:
        raise ValueError(f'must be at most 3650 (ten years), got {value}')
    return _positive(value)


def _hours(text, known):
    """A JSON object of hours whose names are among ``known``'s; anything else stops the start
    with a message naming the setting's problem (a typo must not silently drop a minimum)."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f'expected a JSON object of hours, got {text!r}')
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValueError(f'unknown names {unknown}; known: {sorted(known)}')
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value.values()
    ):
        raise ValueError(f'hours must be numbers >= 0: {text!r}')
    return value


def select_config():
    """The config class named by LPSE_ENV: production unless said otherwise."""
    env = os.environ.get('LPSE_ENV', 'production')
    return {'development': DevelopmentConfig, 'testing': TestConfig}.get(env, Config)


def from_environment():
    """The settings the environment overrides, read now (not at import); a value that cannot
    be read stops the start with the variable's name."""
    settings = {}
    for name, (key, convert) in ENVIRONMENT.items():
        if os.environ.get(name):
            try:
                settings[key] = convert(os.environ[name])
            except ValueError as exc:
                raise RuntimeError(f'{name}: {exc}') from None
    return settings


def instance_defaults(instance_path, env_name):
    """Defaults that live in the instance folder: the SQLite file and the blob folder."""
    instance = Path(instance_path)
    defaults = {
        'SQLALCHEMY_DATABASE_URI': f'sqlite:///{instance / "lpse.db"}',
        'LPSE_DATA_DIR': str(instance / 'data'),
    }
    if env_name == 'development':
        defaults['SECRET_KEY'] = _development_secret(instance)
        defaults['LPSE_CA_PASSPHRASE'] = _development_secret(instance, 'ca_passphrase')
        defaults['LPSE_SYSTEM_KEY_PASSPHRASE'] = _development_secret(
            instance, 'system_key_passphrase'
        )
    return defaults


def _development_secret(instance, name='secret_key'):
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
