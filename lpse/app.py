"""Assembles the application: config, extensions, blueprints, errors, headers, CLI."""

import gc
import importlib
import logging
import sys
import threading

from flask import Flask, has_request_context, session
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from lpse import config as config_module
from lpse import statelog
from lpse.extensions import babel, csrf, db, login_manager, migrate

log = logging.getLogger(__name__)


def build_app(config=None):
    app = Flask(
        'lpse',
        root_path=str(config_module.ROOT / 'lpse'),
        template_folder=str(config_module.ROOT / 'templates'),
        instance_path=str(config_module.ROOT / 'instance'),
    )
    _configure(app, config)
    from lpse import ids, inputs, metrics, proxies

    proxies.init_app(app)
    metrics.init_app(app)
    from lpse.bids.forms import BidFormRequest

    app.request_class = BidFormRequest
    ids.init_app(app)
    inputs.init_app(app)
    from lpse.notify import outbox

    outbox.init_app(app)
    _init_extensions(app)
    from lpse.jobs import queue

    queue.init_app(app)
    _register_blueprints(app)
    from lpse import web

    web.init_app(app)
    from lpse import storage

    storage.sweep_on_start(app)
    from lpse.cli import lpse_cli

    app.cli.add_command(lpse_cli)
    _freeze_heap(app)
    _shorten_gil_turns(app)
    return app


def _shorten_gil_turns(app):
    """How long a thread may keep the GIL while another waits for it (LPSE_GIL_SWITCH_SECONDS,
    Python's default 5 ms). Under a deadline rush a worker's threads stream, hash and write
    uploads while one of them holds the audit log head's row lock until its commit; every
    statement in that window returns from the database and waits for the GIL behind the
    streaming threads, up to a whole turn each, so with 5 ms turns the ~15 round trips of a
    commit serialise every bid for tens of milliseconds while the cores sit half idle.
    0.5 ms turns cut that wait tenfold for a few more switches. Production only (a process
    setting, not for tests)."""
    seconds = app.config.get('LPSE_GIL_SWITCH_SECONDS')
    if seconds:
        sys.setswitchinterval(float(seconds))


def _freeze_heap(app):
    """Move the objects of the running app (modules, mappers, compiled queries, templates) out
    of the cyclic garbage collector's reach (`gc.freeze`), now and once more after the first
    request (which configures the ORM and unlocks the keys). They live as long as the
    process: without this every full collection walks all ~300,000 of them, ~200 ms of CPU
    each, and under a deadline rush one comes every ten-odd bids (~10 ms per bid). On by
    default in production (LPSE_GC_FREEZE); off in tests, which build many apps in one
    process (a frozen app's cycles would never be collected)."""
    if not app.config.get('LPSE_GC_FREEZE'):
        return
    gc.collect()
    gc.freeze()
    once = threading.Lock()

    @app.teardown_request
    def freeze_after_first_request(_exc):
        if once.acquire(blocking=False):
            gc.collect()
            gc.freeze()


def _configure(app, config):
    if isinstance(config, dict):
        base, overrides = config_module.TestConfig, config
    else:
        base, overrides = config or config_module.select_config(), {}
    app.config.from_object(base)
    if base is not config_module.TestConfig:
        app.config.update(
            {
                k: v
                for k, v in config_module.instance_defaults(
                    app.instance_path, base.ENV_NAME
                ).items()
                if app.config.get(k) in (None, config_module.DEFAULT_SECRET_KEY)
            }
        )
        app.config.update(config_module.from_environment())
    app.config.update(overrides)
    app.config['SQLALCHEMY_ENGINE_OPTIONS'] = engine_options(app.config)
    if app.config['ENV_NAME'] == 'production' and (
        app.config['SECRET_KEY'] in (None, '', config_module.DEFAULT_SECRET_KEY)
        or len(app.config['SECRET_KEY']) < 32
    ):
        raise RuntimeError(
            'LPSE_SECRET_KEY must be set to a random value of at least 32 characters in production'
        )


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the pool's size, overflow and timeout (LPSE_DB_POOL_*),
    except for an in-memory SQLite database (one connection, no queue pool)."""
    options = dict(config.get('SQLALCHEMY_ENGINE_OPTIONS') or {})
    uri = config.get('SQLALCHEMY_DATABASE_URI')
    if not uri:
        return options
    url = make_url(uri)
    if url.get_backend_name() == 'sqlite' and url.database in (None, '', ':memory:'):
        return options
    options.setdefault('pool_size', int(config['LPSE_DB_POOL_SIZE']))
    options.setdefault('max_overflow', int(config['LPSE_DB_POOL_OVERFLOW']))
    # Whole seconds: Flask-SQLAlchemy builds the engine with engine_from_config, which reads
    # pool_timeout as an integer.
    options.setdefault('pool_timeout', int(config['LPSE_DB_POOL_TIMEOUT']))
    return options


@event.listens_for(Engine, 'connect')
def _sqlite_pragmas(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith('sqlite3'):
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA busy_timeout=10000')
        cursor.close()


def _init_extensions(app):
    db.init_app(app)
    statelog.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / 'migrations'))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = 'auth.login'
    login_manager.login_message = None
    login_manager.session_protection = 'basic'
    login_manager.user_loader(_load_user)
    # Every model module, so that metadata (and Alembic) sees every table.
    import lpse.models  # noqa: F401


def _load_user(user_id):
    from lpse.auth.models import User

    uid, _, version = (user_id or '').partition(':')
    if not uid.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _select_locale():
    """Bahasa Indonesia unless the visitor chose English with the switch."""
    lang = session.get('lang') if has_request_context() else None
    return lang if lang in ('id', 'en') else 'id'


# The page blueprints, each a `bp` in its module; the API modules are listed in lpse.api.
BLUEPRINTS = (
    'lpse.main.views',
    'lpse.auth.views',
    'lpse.admin.views',
    'lpse.auditor.views',
    'lpse.auditor.reports.views',
    'lpse.tenders.views',
    'lpse.vendors.views',
    'lpse.vendors.key_views',
    'lpse.bids.views',
    'lpse.checkpoint_views',
    'lpse.documents.views',
    'lpse.evaluation.public_views',
    'lpse.evaluation.views',
    'lpse.opening.views',
    'lpse.opendata.views',
    'lpse.notify.views',
    'lpse.ops.views',
    'lpse.contracts.views',
    'lpse.tenders.prequalification.views',
    'lpse.redflags.views',
    'lpse.jobs.views',
)
# Pages that exist only in development and testing (never in production).
DEVELOPMENT_BLUEPRINTS = ('lpse.notify.dev_views',)
# Modules that add pages to a blueprint above (imported before it is registered).
PAGE_MODULES = (
    'lpse.tenders.officer',
    'lpse.tenders.follow_views',
    'lpse.vendors.blacklist_views',
    'lpse.vendors.verifier_views',
)


def _register_blueprints(app):
    from lpse import api

    for name in (*BLUEPRINTS, *PAGE_MODULES, *api.API_MODULES):
        importlib.import_module(name)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    if app.config['ENV_NAME'] in ('development', 'testing'):
        for name in DEVELOPMENT_BLUEPRINTS:
            app.register_blueprint(importlib.import_module(name).bp)
    app.register_blueprint(api.bp)
