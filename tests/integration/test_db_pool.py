"""The database connection pool (lpse.app.engine_options, LPSE_DB_POOL_*): sized from the
settings, and a request that finds no free connection in time answers 503 `busy` with
Retry-After — in the API and on the page, in Indonesian and English — never a 500 or a hang."""

import pytest

from lpse.app import engine_options
from lpse.extensions import db


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'LPSE_DB_POOL_SIZE': 1,
        'LPSE_DB_POOL_OVERFLOW': 0,
        'LPSE_DB_POOL_TIMEOUT': 1,
    }


def test_the_pool_follows_the_settings(app):
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (1, 0, 1)


def test_an_in_memory_sqlite_database_keeps_its_single_connection():
    config = {
        'SQLALCHEMY_DATABASE_URI': 'sqlite://',
        'SQLALCHEMY_ENGINE_OPTIONS': {'pool_pre_ping': True},
        'LPSE_DB_POOL_SIZE': 5,
        'LPSE_DB_POOL_OVERFLOW': 60,
        'LPSE_DB_POOL_TIMEOUT': 10,
    }
    assert engine_options(config) == {'pool_pre_ping': True}
    on_disk = engine_options({**config, 'SQLALCHEMY_DATABASE_URI': 'sqlite:////tmp/x.db'})
    assert (on_disk['pool_size'], on_disk['max_overflow'], on_disk['pool_timeout']) == (5, 60, 10)


def test_no_free_connection_is_a_503_busy_not_a_500(app, client):
    db.session.remove()
    with db.engine.connect():  # the pool's only connection, taken
        answer = client.get('/api/v1/tenders')
        page = client.get('/tenders/')
        client.get('/lang/en')
        english = client.get('/tenders/')
    assert answer.status_code == 503
    assert answer.headers['Retry-After'] == '5'
    error = answer.get_json()['error']
    assert error['code'] == 'busy' and 'Server sedang sibuk' in error['message']
    assert page.status_code == 503 and page.headers['Retry-After'] == '5'
    text = page.get_data(as_text=True)
    assert 'Server sedang sibuk' in text and 'coba lagi sebentar lagi' in text
    assert english.status_code == 503
    assert 'The server is busy' in english.get_data(as_text=True)
    # The connection back, the same requests are served.
    assert client.get('/api/v1/tenders').status_code == 200
    assert client.get('/tenders/').status_code == 200
