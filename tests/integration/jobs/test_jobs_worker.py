"""A real worker process (`flask lpse worker`) takes jobs from the queue: the embedded SQLite
storage, and Redis (a real redis-server this test starts on a private port; the Debian
package is in scripts/system-deps.sh — missing, the test fails and says so)."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster import harness
from sqlalchemy import select

from lpse import jobs, statelog
from lpse.extensions import db
from lpse.jobs.models import Job

ROOT = Path(__file__).resolve().parents[3]


@jobs.task('test.not_in_the_worker')
def _unknown_there(job):
    """Registered in this process only: the worker fails every attempt at it."""


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of its own (cluster/harness.py), no persistence, on a free port."""
    if not os.path.exists(harness.REDIS):
        pytest.fail(
            f'redis-server not found at {harness.REDIS}: run scripts/system-deps.sh (the queue '
            'tests are part of the suite and must not be skipped silently)'
        )
    process, url = harness.redis(tmp_path)
    try:
        yield url
    finally:
        process.stop()


@pytest.fixture(params=['sqlite', 'redis'])
def queue_url(request, tmp_path):
    if request.param == 'sqlite':
        return f'sqlite:///{tmp_path / "queue" / "jobs.db"}'
    return request.getfixturevalue('redis_url')


@pytest.fixture
def app_config(app_config, queue_url):
    # The retry policy travels with the message: the submitting process's settings count.
    return {
        **app_config,
        'LPSE_QUEUE_URL': queue_url,
        'LPSE_JOB_RETRIES': 2,
        'LPSE_JOB_RETRY_SECONDS': 1,
    }


@pytest.fixture
def worker(app, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('LPSE_', 'DATABASE_URL'))}
    env.update(
        {
            'LPSE_ENV': 'production',
            'LPSE_SECRET_KEY': secrets.token_urlsafe(40),
            'DATABASE_URL': app.config['SQLALCHEMY_DATABASE_URI'],
            'LPSE_DATA_DIR': app.config['LPSE_DATA_DIR'],
            'LPSE_QUEUE_URL': app.config['LPSE_QUEUE_URL'],
            'LPSE_JOB_RETRY_SECONDS': '1',
            'LPSE_JOB_RETRIES': '2',  # as the app's: every node has the same settings
            'PYTHONPATH': str(ROOT),
        }
    )
    log = tmp_path / 'worker.log'
    with log.open('wb') as out:
        proc = subprocess.Popen(
            [sys.executable, '-m', 'flask', '--app', 'lpse', 'lpse', 'worker', '--workers', '2'],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        yield proc, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_for(job_id, log, timeout=60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh read of what the worker committed
        job = db.session.get(Job, job_id, populate_existing=True)
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f'job {job_id} not finished; worker log:\n{log.read_text()}')


def test_a_worker_process_runs_a_queued_reconciliation(app, users, worker):
    _proc, log = worker
    run = statelog.start_run(actor=users['auditor'], now=statelog.clock.now())
    job = statelog.run_in_background(run.id)
    assert job.status == 'queued'  # nothing ran in this process
    finished = wait_for(job.id, log)
    assert finished.status == 'done' and finished.attempts == 1, finished.last_error
    assert finished.actor_id == users['auditor'].id
    assert finished.done == finished.total == len(statelog.WATCHED)  # its progress, table by table
    db.session.refresh(run)
    assert run.status == 'agree' and run.finished_at is not None
    # submitting it again gives the done job; nothing new is queued or run
    again = statelog.run_in_background(run.id)
    assert again.id == job.id
    reconciliations = select(Job).where(Job.kind == statelog.RECONCILE_JOB)
    assert db.session.scalars(reconciliations).all() == [finished]


def test_a_failing_job_is_retried_with_growing_waits_then_failed(app, users, worker):
    _proc, log = worker
    job = jobs.submit('test.not_in_the_worker', key='x', actor=users['ppk'])
    db.session.commit()
    finished = wait_for(job.id, log)
    assert finished.status == 'failed' and finished.attempts == 3, log.read_text()  # 1 + 2
    assert finished.last_error == (
        "LookupError: no task registered for job kind 'test.not_in_the_worker'"
    )
    waited = (finished.finished_at - finished.created_at).total_seconds()
    assert waited >= 1 + 2, waited  # 1 s, then twice that
