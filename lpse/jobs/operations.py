"""Jobs: the registry of tasks, submission (idempotent on kind + key), running one attempt,
and the admin's retry. The queue that carries job ids to workers is lpse.jobs.queue."""

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lpse import audit, clock, metrics
from lpse.errors import Conflict, DomainError
from lpse.extensions import db, savepoint
from lpse.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

TASKS: dict[str, Callable] = {}  # kind → fn(job, **params)
LABELS: dict[str, str] = {}  # kind → what the pages call it (lazy, translated)
READERS: dict[str, Callable] = {}  # kind → on_read(job, user): checks and logs a result's taking
PERIODIC: list[str] = []  # kinds the worker runs every minute, in this order
KEY_MAX = 200
PENDING = 'lpse_jobs_pending'  # session.info: job ids to enqueue once the transaction commits


def task(kind: str, label=None, *, on_read=None):
    """Register ``fn(job, **params)`` as the work of jobs of ``kind`` (``label``: its name on
    the pages, a lazy translation). ``on_read(job, user)`` runs before the result is sent: it
    may refuse (raise) — e.g. an auditor whose scope no longer covers the tender — and logs
    the read of a sensitive result."""

    def decorator(fn):
        TASKS[kind] = fn
        if label is not None:
            LABELS[kind] = label
        if on_read is not None:
            READERS[kind] = on_read
        return fn

    return decorator


def periodic(kind: str, label=None):
    """Register a task the worker runs every minute with no parameters (the clock's round)."""

    def decorator(fn):
        task(kind, label)(fn)
        if kind not in PERIODIC:
            PERIODIC.append(kind)
        return fn

    return decorator


def live_job(kind: str, key: str) -> Job | None:
    """The queued, running or done job of this kind and key, if any."""
    return db.session.scalars(
        select(Job).where(Job.kind == kind, Job.key == key, Job.status != JobStatus.failed)
    ).first()


def submit(kind, *, key, actor=None, tender=None, now=None, **params) -> Job:
    """Ask for a job; it reaches the queue when the caller's transaction commits. The same
    kind + key while one is queued, running or done gives that one back (nothing new runs)."""
    if kind not in TASKS:
        raise LookupError(f'no task registered for job kind {kind!r}')
    key = str(key)
    if not key or len(key) > KEY_MAX:
        raise ValueError(f'a job key has 1 to {KEY_MAX} characters')
    existing = live_job(kind, key)
    if existing is not None:
        return existing
    job = Job(
        kind=kind,
        key=key,
        status=JobStatus.queued,
        params=json.dumps(params, sort_keys=True, default=str),
        done=0,
        attempts=0,
        actor_id=getattr(actor, 'id', None),
        tender_id=getattr(tender, 'id', None),
        created_at=now or clock.now(),
    )
    try:
        with savepoint():
            db.session.add(job)
    except IntegrityError:  # another request submitted it first
        return live_job(kind, key)
    _enqueue_on_commit(job)
    return job


def _enqueue_on_commit(job) -> None:
    db.session.info.setdefault(PENDING, []).append(job.id)


def retry(job, *, actor, now) -> Job:
    """The admin runs a failed job again: a new job of the same kind, key and parameters, for
    the same person (the failed one stays, with its error)."""
    if job.status != JobStatus.failed:
        raise Conflict(_l('Hanya pekerjaan yang gagal yang dapat diulang.'))
    existing = live_job(job.kind, job.key)
    if existing is not None:  # retried already
        return existing
    again = submit(job.kind, key=job.key, now=now, **job.arguments)
    again.actor_id, again.tender_id = job.actor_id, job.tender_id
    db.session.flush()
    audit.record('job.retried', again, actor=actor, now=now, kind=job.kind, failed=job.id)
    return again


def requeue_stale(*, now) -> int:
    """Queue again the jobs that waited too long (their message was lost with a queue that
    went down, or their worker died while running them): running them twice does no harm."""
    stale = now - timedelta(minutes=current_app.config['LPSE_JOB_STALE_MINUTES'])
    rows = db.session.scalars(
        select(Job).where(
            or_(
                and_(Job.status == JobStatus.queued, Job.created_at < stale),
                and_(Job.status == JobStatus.running, Job.started_at < stale),
            )
        )
    ).all()
    for row in rows:
        _enqueue_on_commit(row)
    return len(rows)


# --- running one attempt (in a worker, or at once in immediate mode) -----------------------------


def run(job_id: int, *, final: bool) -> Job | None:
    """Claim the job and do its work in one transaction with its `done` status. A job already
    done, running elsewhere or gone is left alone, so a message delivered twice does the work
    once. A failure is kept on the row (status `queued` while tries remain, then `failed`)
    and raised again so the queue schedules the next try."""
    job = _claim(job_id, now=clock.now())
    if job is None:
        return None
    try:
        fn = TASKS.get(job.kind)
        if fn is None:
            raise LookupError(f'no task registered for job kind {job.kind!r}')
        fn(job, **job.arguments)
        job.status, job.finished_at, job.last_error = JobStatus.done, clock.now(), None
        if job.total is not None:
            job.done = job.total
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _note_failure(job_id, exc, final=final)
        if not final:
            raise
        log.warning('job %s (%s) failed for good: %s', job_id, job.kind, describe(exc))
    return job


def _claim(job_id, *, now) -> Job | None:
    table = Job.__table__
    stale = now - timedelta(minutes=current_app.config['LPSE_JOB_STALE_MINUTES'])
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(table)
            .where(
                table.c.id == job_id,
                or_(
                    table.c.status == JobStatus.queued,
                    and_(table.c.status == JobStatus.running, table.c.started_at < stale),
                ),
            )
            .values(status=JobStatus.running, started_at=now, attempts=table.c.attempts + 1)
        ).rowcount
    if claimed != 1:
        return None
    return db.session.get(Job, job_id, populate_existing=True)


def _note_failure(job_id, exc, *, final) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    metrics.job_failed(job.kind)
    job.last_error = describe(exc)
    job.status = JobStatus.failed if final else JobStatus.queued
    if final:
        job.finished_at = clock.now()
        audit.record('job.failed', job, actor=None, now=job.finished_at, kind=job.kind)
    db.session.commit()


def describe(exc) -> str:
    """What the admin sees of an error: its type and message, never a statement's
    parameters (they may hold a secret)."""
    if isinstance(exc, DomainError):
        text = str(exc.message)
    elif isinstance(exc, SQLAlchemyError):
        text = str(getattr(exc, 'orig', None) or '').split('\n')[0]
    else:
        text = str(exc)
    return f'{type(exc).__name__}: {text}'[:500]


def record_failure(kind, exc, *, now) -> Job:
    """A periodic round that failed: kept as a failed job of its kind, so the admin sees it
    (and may run it again at once). The same error again, minute after minute, counts on the
    same row instead of filling the list."""
    db.session.rollback()
    metrics.job_failed(kind)
    error = describe(exc)
    last = db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc())).first()
    if last is not None and last.status == JobStatus.failed and last.last_error == error:
        last.attempts += 1
        last.finished_at = now
        db.session.commit()
        return last
    job = Job(
        kind=kind,
        key=f'failed:{now.isoformat()}',
        status=JobStatus.failed,
        params='{}',
        done=0,
        attempts=1,
        last_error=error,
        created_at=now,
        started_at=now,
        finished_at=now,
    )
    db.session.add(job)
    db.session.commit()
    return job


def run_periodic() -> None:
    """The worker's minute: each periodic task in turn; a failure is recorded and the others
    still run."""
    for kind in PERIODIC:
        try:
            TASKS[kind](None)
            db.session.commit()
        except Exception as exc:
            log.warning('periodic job %s failed: %s', kind, describe(exc))
            record_failure(kind, exc, now=clock.now())


def label_of(kind: str) -> str:
    return LABELS.get(kind, kind)


# --- what the pages list -----------------------------------------------------------------------


def recent(limit=100) -> list[Job]:
    return db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)).all()


def failed(limit=100) -> list[Job]:
    return db.session.scalars(
        select(Job).where(Job.status == JobStatus.failed).order_by(Job.id.desc()).limit(limit)
    ).all()


def counts_by_kind() -> dict[tuple[str, str], int]:
    """(kind, status) → how many jobs, for /metrics."""
    rows = db.session.execute(
        select(Job.kind, Job.status, func.count(Job.id)).group_by(Job.kind, Job.status)
    )
    return {(kind, status): count for kind, status, count in rows}
