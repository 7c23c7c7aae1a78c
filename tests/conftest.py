"""Shared fixtures: an app on a freshly migrated database (SQLite, or PostgreSQL when
LPSE_TEST_DATABASE_URL is set), users per role, a logged-in client, a live server."""

import contextvars
import os
import shutil
import threading

import pytest
import s3_helpers
from flask.testing import FlaskClient
from flask_migrate import upgrade
from helpers import PASSWORD, ROLES, login
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from lpse import clock, create_app
from lpse.extensions import db


def _check_test_database(url):
    if 'test' not in (make_url(url).database or ''):
        raise RuntimeError('LPSE_TEST_DATABASE_URL must name a database with "test" in its name')


def _worker_database(url):
    """Under pytest-xdist each worker gets its own PostgreSQL database, `<name>_<worker>`, made
    beside the one LPSE_TEST_DATABASE_URL names, so workers never truncate each other's tables.
    The variable is rewritten for this worker, so servers the tests start use the same one."""
    worker = os.environ.get('PYTEST_XDIST_WORKER')
    if not url or not worker:
        return url
    _check_test_database(url)
    base = make_url(url)
    name = f'{base.database}_{worker}'
    engine = create_engine(base, isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        if conn.scalar(text('SELECT 1 FROM pg_database WHERE datname = :n'), {'n': name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    os.environ['LPSE_TEST_DATABASE_URL'] = url
    return url


PG_URL = _worker_database(os.environ.get('LPSE_TEST_DATABASE_URL'))


def _blob_store_config():
    """LPSE_TEST_BLOB_STORE=s3: every app the fixtures build keeps its blobs on the S3 store,
    against moto_server (tests/s3_helpers.py); a module's app_config may still override it."""
    if not s3_helpers.enabled():
        return {}
    return s3_helpers.app_config()


def pytest_sessionfinish(session, exitstatus):
    s3_helpers.stop()


@pytest.fixture(scope='session')
def database_template(tmp_path_factory):
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        _check_test_database(PG_URL)
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text('DROP SCHEMA public CASCADE'))
            conn.execute(text('CREATE SCHEMA public'))
        engine.dispose()
        url = PG_URL
    else:
        url = f'sqlite:///{tmp_path_factory.mktemp("db") / "template.db"}'
    app = create_app({'SQLALCHEMY_DATABASE_URI': url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _truncate_all(app):
    with app.app_context():
        tables = ', '.join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f'TRUNCATE {tables} RESTART IDENTITY CASCADE'))


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would: its own `g`,
    its own database session (the test must commit what the request should see)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault('buffered', True)  # a streamed body is read inside that context too
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app_config(tmp_path):
    """Overrides a test module may extend before the app is built."""
    return {'LPSE_DATA_DIR': str(tmp_path / 'data')}


@pytest.fixture
def app(database_template, tmp_path, app_config):
    if PG_URL:
        url = PG_URL
    else:
        path = tmp_path / 'lpse.db'
        shutil.copyfile(database_template.removeprefix('sqlite:///'), path)
        url = f'sqlite:///{path}'
    application = create_app({'SQLALCHEMY_DATABASE_URI': url, **_blob_store_config(), **app_config})
    application.test_client_class = IsolatedClient
    if PG_URL:
        _truncate_all(application)
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        db.session.remove()
        ctx.pop()
        if PG_URL:
            _truncate_all(application)
        with application.app_context():
            db.engine.dispose()
        clock.set_now(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agency(app):
    from lpse.agencies import operations

    agency = operations.create_agency(
        code='KOTAUJI',
        name='Pemerintah Kota Uji',
        timezone='Asia/Makassar',
        actor=None,
        now=clock.now(),
    )
    operations.add_work_unit(agency, code='DPU', name='Dinas PU', actor=None, now=clock.now())
    db.session.commit()
    return agency


@pytest.fixture
def make_user(app, agency):
    from lpse.auth import operations

    def make(email, *roles, password=PASSWORD, with_agency=True, **changes):
        officer = with_agency and any(r != 'vendor' for r in roles)
        user, _pw = operations.create_user(
            email=email,
            name=email.split('@')[0].title(),
            roles=roles,
            agency=agency if officer else None,
            password=password,
            actor=None,
            now=clock.now(),
        )
        for key, value in changes.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return make


_shared_hash = {}


@pytest.fixture
def person(app):
    """``person(email, *roles, agency=None, name=None)``: a user made directly, with one
    argon2 hash of PASSWORD shared by the whole session (hashing per user is slow)."""
    from lpse.auth import passwords
    from lpse.auth.models import User, UserRole

    def make(email, *roles, agency=None, name=None):
        if 'hash' not in _shared_hash:
            _shared_hash['hash'] = passwords.hash_password(PASSWORD)
        user = User(
            email=email,
            name=name or email.split('@')[0].replace('.', ' ').title(),
            password_hash=_shared_hash['hash'],
            agency=agency,
            active=True,
            session_version=1,
            must_change_password=False,
            created_at=clock.now(),
        )
        user.role_rows = [UserRole(role=r) for r in roles]
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user per role, keyed by role name."""
    return {role: make_user(f'{role}@uji.go.id', role) for role in ROLES}


@pytest.fixture
def login_as(client, users):
    def do(role):
        response = login(client, users[role].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def api_token(app, users):
    """A bearer token for the user of a role: ``api_token('admin')`` → headers dict."""
    from lpse.auth import operations

    def make(role):
        _row, token = operations.create_token(users[role], 'test', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {token}'}

    return make


@pytest.fixture
def live_server(app):
    """The app served on a free localhost port in a thread, for the browser tests."""
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_port}'
    finally:
        server.shutdown()
        thread.join(timeout=5)


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright keeps an event loop on the main thread for the session,
    which would stop later tests from calling asyncio.run (pyHanko does)."""
    items.sort(key=lambda item: 'tests/e2e/' in item.nodeid.replace('\\', '/'))
