"""The queue that carries job ids to workers: Huey, on SQLite storage in LPSE_DATA_DIR/jobs.db
by default (one machine, no extra service), on Redis when LPSE_QUEUE_URL is a redis:// URL (many
nodes), or immediate (each job runs at once after its commit, in the process that submitted it:
the test suite). The job rows in the database stay the record; the queue holds only ids."""

import logging
from pathlib import Path

from flask import current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event

from lpse.extensions import db
from lpse.jobs import operations

log = logging.getLogger(__name__)
EXTENSION = 'lpse_huey'
BACKOFF = 2  # each wait before a retry is twice the one before


def huey_of(app):
    """The app's Huey, built on first use (after every module has registered its tasks)."""
    huey = app.extensions.get(EXTENSION)
    if huey is None:
        huey = app.extensions[EXTENSION] = _build(app)
    return huey


def _storage(app):
    url = app.config.get('LPSE_QUEUE_URL')
    if url == 'immediate':
        return MemoryHuey('lpse', immediate=True, results=False)
    if url and url.startswith(('redis://', 'rediss://', 'unix://')):
        return RedisHuey('lpse', url=url, results=False)
    if url and url.startswith('sqlite:///'):
        filename = url.removeprefix('sqlite:///')
    elif url:
        raise RuntimeError('LPSE_QUEUE_URL: use redis://host:port/db, sqlite:///path or immediate')
    else:
        filename = str(Path(app.config['LPSE_DATA_DIR']) / 'jobs.db')
    Path(filename).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey('lpse', filename=filename, results=False)


def _build(app):
    huey = _storage(app)

    @huey.task(
        retries=app.config['LPSE_JOB_RETRIES'],
        retry_delay=app.config['LPSE_JOB_RETRY_SECONDS'],
        retry_backoff=BACKOFF,
        context=True,
        name='lpse.job',
    )
    def run_job(job_id, task=None):
        # Its own app context: its own database session, even when it runs at once inside
        # another commit (immediate mode).
        with app.app_context():
            operations.run(job_id, final=not task.retries)

    @huey.periodic_task(crontab(minute='*'), name='lpse.clock')
    def clock_round():
        with app.app_context():
            operations.run_periodic()

    huey.lpse_run_job = run_job
    return huey


def enqueue(app, job_ids) -> None:
    run_job = huey_of(app).lpse_run_job
    for job_id in job_ids:
        run_job(job_id)


def depth(app) -> int | None:
    """Messages waiting in the queue (due now, or scheduled for a retry); None when unknown."""
    try:
        huey = huey_of(app)
        return huey.pending_count() + huey.scheduled_count()
    except Exception as exc:  # the queue's store is down: the scrape says so, not a 500
        log.warning('metrics: job queue unreachable (%s)', type(exc).__name__)
        return None


def consumer(app, *, workers: int, periodic: bool = True):
    """The worker: runs jobs as they come and (``periodic``) the clock's round every minute."""
    return huey_of(app).create_consumer(workers=workers, worker_type='thread', periodic=periodic)


def _after_commit(session):
    ids = session.info.pop(operations.PENDING, None)
    if not ids:
        return
    try:
        enqueue(current_app._get_current_object(), ids)
    except Exception:  # the queue is down: the rows wait for requeue_stale
        log.exception('jobs %s: could not reach the queue', ids)


def _after_rollback(session):
    session.info.pop(operations.PENDING, None)


def init_app(app) -> None:
    """Send a transaction's submitted jobs to the queue once it has committed (never a job whose
    row was rolled back; a lost message is queued again by `operations.requeue_stale`)."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, 'after_commit', _after_commit):
        event.listen(session_class, 'after_commit', _after_commit)
        event.listen(session_class, 'after_rollback', _after_rollback)
