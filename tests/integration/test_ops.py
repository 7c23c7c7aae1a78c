"""/health for the load balancer and /metrics for Prometheus (docs/OPERATIONS.md, Monitoring)."""

import blob_helpers
import pytest
import s3_helpers

from lpse import create_app, storage
from lpse.extensions import db
from lpse.storage_s3 import S3Store

OUTSIDE = '203.0.113.5'


def test_health_is_ok_with_the_database_and_the_store(client):
    response = client.get('/health')
    assert response.status_code == 200
    assert response.get_json() == {'status': 'ok'}
    assert response.headers['Cache-Control'] == 'no-store'


def broken_app(tmp_path, **config):
    app = create_app({'LPSE_DATA_DIR': str(tmp_path / 'data'), **config})
    return app.test_client()


def test_health_without_a_database_is_503_with_a_reason_and_no_secret(tmp_path):
    missing = tmp_path / 'no-such-folder' / 'lpse.db'
    client = broken_app(tmp_path, SQLALCHEMY_DATABASE_URI=f'sqlite:///{missing}')
    response = client.get('/health')
    assert response.status_code == 503
    assert response.get_json() == {
        'status': 'unavailable',
        'problems': {'database': 'unreachable'},
    }
    assert str(tmp_path) not in response.get_data(as_text=True)


def test_health_with_a_read_only_store_is_503(app, tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder')
    app.config['LPSE_DATA_DIR'] = str(blocker / 'data')  # no folder can be made under a file
    app.config['LPSE_BLOB_STORE'] = 'file'  # (the S3 store's failure: test below)
    response = app.test_client().get('/health')
    assert response.status_code == 503
    assert response.get_json()['problems'] == {'blob_store': 'not writable'}
    assert str(tmp_path) not in response.get_data(as_text=True)


def test_health_with_an_unreachable_s3_store_is_503(app):
    app.config.update(s3_helpers.app_config())
    app.config['LPSE_S3_BUCKET'] = 'lpse-no-such-bucket'
    response = app.test_client().get('/health')
    assert response.status_code == 503
    assert response.get_json()['problems'] == {'blob_store': 'not writable'}
    assert 'lpse-no-such-bucket' not in response.get_data(as_text=True)


def test_the_probe_leaves_nothing_behind(app, client):
    client.get('/health')
    assert blob_helpers.stored_blobs() == [] and blob_helpers.leftovers() == []
    store = storage.blob_store()
    if isinstance(store, S3Store):
        listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
        assert listed.get('KeyCount', 0) == 0


def test_metrics_in_prometheus_format_from_localhost(client):
    client.get('/')
    client.get('/no-such-page')
    response = client.get('/metrics')
    assert response.status_code == 200
    assert response.content_type.startswith('text/plain; version=')
    body = response.get_data(as_text=True)
    assert 'lpse_request_duration_seconds_bucket{' in body
    assert 'endpoint="main.index",le="0.01",method="GET",status="200"' in body
    assert 'endpoint="unmatched",le="0.01",method="GET",status="404"' in body
    assert 'lpse_database_up 1.0' in body
    assert 'lpse_bidset_commitments_pending 0.0' in body
    assert 'lpse_reconcile_runs_failed 0.0' in body


def test_metrics_are_refused_outside_the_allowed_networks(client):
    response = client.get('/metrics', environ_base={'REMOTE_ADDR': OUTSIDE})
    assert response.status_code == 403
    assert 'lpse_' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ('trusted', 'status'), [(0, 403), ('10.0.0.0/8', 200)], ids=['untrusted', 'trusted']
)
def test_metrics_allow_is_checked_against_the_real_client(app, trusted, status):
    """A monitoring host behind a trusted proxy is let in by its own address; a forwarded
    header from an untrusted peer does not open the door."""
    app.config['LPSE_METRICS_ALLOW'] = '192.0.2.0/24'
    fresh = create_app({**_config_of(app), 'LPSE_TRUSTED_PROXIES': trusted})
    response = fresh.test_client().get(
        '/metrics',
        environ_base={'REMOTE_ADDR': '10.0.0.1'},
        headers={'X-Forwarded-For': '192.0.2.10'},
    )
    assert response.status_code == status
    with fresh.app_context():
        db.engine.dispose()  # its own pool: closed here, not by the garbage collector


def _config_of(app):
    keys = ('SQLALCHEMY_DATABASE_URI', 'LPSE_DATA_DIR', 'LPSE_METRICS_ALLOW')
    return {k: app.config[k] for k in keys}


def failed_ticks(client) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get('/metrics').get_data(as_text=True)
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == 'lpse_job_failures_total' and s.labels.get('job') == 'tick'
    )


def test_a_failed_round_of_the_clock_is_counted(app, client):
    from lpse import cli

    before = failed_ticks(client)
    cli._keep_going(RuntimeError('database is locked'))
    assert failed_ticks(client) == before + 1
