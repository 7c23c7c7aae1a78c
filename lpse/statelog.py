"""State reconciliation (ARCHITECTURE §5): the security-relevant rows as the log says they are.

Every transaction that writes a watched row appends one `state.rows` event, just before its
commit, carrying each written row as it stands in the database after the change (or its
deletion). Replaying those events gives what every watched row must be; `reconcile()` compares
that with the tables and lists every row changed, inserted or deleted outside the application.

Secrets never enter the log: binary columns and the columns in `DIGESTED` are recorded as their
SHA-256, which still shows when they were swapped.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lpse import audit, clock, jobs
from lpse.extensions import db
from lpse.types import UTCDateTime

ACTION = 'state.rows'

# The tables whose rows decide who may do what, what was bid, and what was decided.
WATCHED = (
    'user',
    'user_role',
    'auditor_scope',
    'auditor_scope_agency',
    'auditor_scope_tender',
    'agency',
    'work_unit',
    'vendor',
    'vendor_director',
    'vendor_licence',
    'vendor_document',
    'blacklist_entry',
    'certificate',
    'pki_authority',
    'tender',
    'tender_member',
    'tender_boq_item',
    'tender_schedule',
    'tender_schedule_change',
    'tender_document',
    'tender_addendum',
    'tender_question',
    'tender_key',
    'tender_key_share',
    'bid',
    'bid_set_commitment',
    'opening_ceremony',
    'opening_share_release',
    'opened_bid',
    'evaluation_version',
    'evaluation_entry',
    'evaluation_proposal',
    'evaluation_approval',
    'winner_announcement',
    'objection',
    'objection_attachment',
    'award_letter',
    'issued_document',
    'contract',
    'contract_amendment',
)
# Columns that change on every visit or are bookkeeping, not state anyone decided.
IGNORED = {
    # sessions, TOTP replay, language, the last visit of the home page
    'user': {'session_version', 'totp_last_step', 'locale', 'home_seen_at'},
}
DIGESTED = {'password_hash', 'totp_secret', 'token_hash', 'content_key', 'share', 'key_share'}


def _value(column, value):
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview) or column in DIGESTED:
        raw = bytes(value) if not isinstance(value, str) else value.encode('utf-8')
        return 'sha256:' + hashlib.sha256(raw).hexdigest()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), 'f') if value == value.to_integral() else str(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def row_values(table_name, row) -> dict:
    ignored = IGNORED.get(table_name, set())
    return {k: _value(k, v) for k, v in row._mapping.items() if k not in ignored}


def _table(name):
    return db.metadata.tables[name]


def _key(table, values) -> str:
    return json.dumps([values[c.name] for c in table.primary_key.columns])


def _pk(instance) -> tuple | None:
    """The row's primary key (new rows have theirs once inserted, before the session calls
    them persistent)."""
    key = db.inspect(instance).mapper.primary_key_from_instance(instance)
    return None if any(v is None for v in key) else tuple(key)


# --- recording ----------------------------------------------------------------------------------


def touch(table_name: str, *pk) -> None:
    """Mark a row written by a Core statement (the ORM does not see those)."""
    db.session.info.setdefault('state_touched', set()).add((table_name, tuple(pk)))


def _after_flush(session, _context):
    touched = session.info.setdefault('state_touched', set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        name = getattr(instance, '__tablename__', None)
        if name in WATCHED_SET and not _only_bookkeeping(instance, name, session):
            identity = _pk(instance)
            if identity is not None:
                touched.add((name, tuple(identity)))


def _only_bookkeeping(instance, name, session) -> bool:
    """A dirty row whose only changes are in IGNORED columns (a login's timestamp)."""
    ignored = IGNORED.get(name)
    if not ignored or instance in session.new or instance in session.deleted:
        return False
    state = db.inspect(instance)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return changed <= ignored


def _before_commit(session):
    if session.info.get('state_recording'):
        return
    session.flush()  # commit flushes after this hook: what is pending must be seen now
    if not session.info.get('state_touched'):
        return
    touched = session.info.pop('state_touched', set())
    found = _read_rows(session, touched)
    rows = []
    for name, pk in sorted(touched, key=str):
        table = _table(name)
        row = found.get((name, pk))
        key = json.dumps(
            [_value(c.name, v) for c, v in zip(table.primary_key.columns, pk, strict=True)]
        )
        rows.append(
            {'table': name, 'key': key, 'values': None if row is None else row_values(name, row)}
        )
    if not rows:
        return
    session.info['state_recording'] = True
    try:
        audit.record(ACTION, actor=None, now=clock.now(), rows=rows)
        session.flush()
    finally:
        session.info.pop('state_recording', None)
        session.info.pop('state_touched', None)


def _read_rows(session, touched) -> dict:
    """The touched rows as they stand now, by (table, key): one query per table whose key is
    one column (a submission batch touches many bids), one per row otherwise."""
    by_table: dict[str, list[tuple]] = {}
    for name, pk in touched:
        by_table.setdefault(name, []).append(pk)
    found = {}
    for name, keys in by_table.items():
        table = _table(name)
        columns = list(table.primary_key.columns)
        if len(columns) == 1:
            column = columns[0]
            values = [pk[0] for pk in keys]
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                for row in session.execute(select(table).where(column.in_(chunk))):
                    found[(name, (row._mapping[column.name],))] = row
            keys = [pk for pk in keys if (name, pk) not in found]  # deleted, or keyed oddly
        for pk in keys:
            where = [c == v for c, v in zip(columns, pk, strict=True)]
            row = session.execute(select(table).where(*where)).first()
            if row is not None:
                found[(name, pk)] = row
    return found


def _after_rollback(session):
    session.info.pop('state_touched', None)


WATCHED_SET = frozenset(WATCHED)


def init_app(app):
    """Listen on every session the app's Flask-SQLAlchemy makes."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, 'after_flush', _after_flush):
        event.listen(session_class, 'after_flush', _after_flush)
        event.listen(session_class, 'before_commit', _before_commit)
        event.listen(session_class, 'after_soft_rollback', lambda s, _t: _after_rollback(s))


def baseline(*, now, batch=500) -> int:
    """Log every watched row as it is now (once, when reconciliation starts on an existing
    database: rows from before it have no event that set them). Returns the rows logged."""
    count = 0
    for name in WATCHED:
        table = _table(name)
        chunk = []
        for row in db.session.execute(select(table)):
            values = row_values(name, row)
            chunk.append({'table': name, 'key': _key(table, values), 'values': values})
            if len(chunk) >= batch:
                audit.record(ACTION, actor=None, now=now, rows=chunk, baseline=True)
                count, chunk = count + len(chunk), []
        if chunk:
            audit.record(ACTION, actor=None, now=now, rows=chunk, baseline=True)
            count += len(chunk)
    return count


# --- reconciling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    table: str
    key: str
    column: str  # '*' for a whole row present on one side only
    database: object
    logged: object
    last_seq: int | None  # the event that last set it

    def as_dict(self):
        return {
            'table': self.table,
            'key': self.key,
            'column': self.column,
            'database': self.database,
            'logged': self.logged,
            'last_seq': self.last_seq,
        }


def logged_state() -> dict[tuple[str, str], tuple[dict | None, int]]:
    """What the log says every watched row is: (table, key) → (values or None, seq)."""
    state = {}
    stmt = (
        select(audit.AuditEvent.seq, audit.AuditEvent.payload)
        .where(audit.AuditEvent.action == ACTION)
        .order_by(audit.AuditEvent.seq)
        .execution_options(yield_per=500)
    )
    for seq, payload in db.session.execute(stmt):
        for row in json.loads(payload)['rows']:
            state[row['table'], row['key']] = (row['values'], seq)
    return state


def reconcile(progress=None) -> list[Difference]:
    """Every watched row that differs from what the log says it is, in table order."""
    logged = logged_state()
    differences = []
    for number, name in enumerate(WATCHED, start=1):
        table = _table(name)
        seen = set()
        for row in db.session.execute(select(table)).yield_per(500):
            values = row_values(name, row)
            key = _key(table, values)
            seen.add(key)
            expected, seq = logged.get((name, key), (None, None))
            if expected is None:
                differences.append(Difference(name, key, '*', 'ada', 'tidak ada', seq))
                continue
            for column in sorted(set(values) | set(expected)):
                if values.get(column) != expected.get(column):
                    differences.append(
                        Difference(name, key, column, values.get(column), expected.get(column), seq)
                    )
        for (table_name, key), (expected, seq) in logged.items():
            if table_name == name and expected is not None and key not in seen:
                differences.append(Difference(name, key, '*', 'tidak ada', 'ada', seq))
        if progress:
            progress(number, len(WATCHED))
    return differences


# --- runs from the web and the clock -------------------------------------------------------------

MAX_KEPT = 1000  # differences kept with a run (the CLI prints them all)
RECONCILE_JOB = 'audit.reconcile'


class ReconcileRun(db.Model):
    """One reconciliation: who asked (None: the clock), its progress and its outcome."""

    __tablename__ = 'reconcile_run'

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # running · agree · differ · failed
    tables_done: Mapped[int] = mapped_column(Integer, default=0)
    tables_total: Mapped[int] = mapped_column(Integer)
    difference_count: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)  # JSON list, at most MAX_KEPT
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def differences(self) -> list[dict]:
        return json.loads(self.result or '[]')

    @property
    def percent(self) -> int:
        return round(100 * self.tables_done / self.tables_total) if self.tables_total else 100

    @property
    def awaits_worker(self) -> bool:
        """Asked for, and no worker has begun it for jobs.WORKER_WAIT."""
        return (
            self.status == 'running'
            and not self.tables_done
            and jobs.waits_for_worker(self.started_at)
        )


def latest_run() -> ReconcileRun | None:
    return db.session.scalars(select(ReconcileRun).order_by(ReconcileRun.id.desc())).first()


def start_run(*, actor, now) -> ReconcileRun:
    """A new run, committed, unless one is running (then that one)."""
    running = db.session.scalars(
        select(ReconcileRun).where(ReconcileRun.status == 'running')
    ).first()
    if running is not None:
        return running
    row = ReconcileRun(
        requested_by_id=getattr(actor, 'id', None),
        started_at=now,
        status='running',
        tables_done=0,
        tables_total=len(WATCHED),
    )
    db.session.add(row)
    audit.record('audit.reconcile_started', row, actor=actor, now=now)
    db.session.commit()
    return row


def _progress_writer(run_id):
    table = ReconcileRun.__table__

    def progress(done, total):  # its own short transaction: the page polls it
        with db.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == run_id).values(tables_done=done))

    return progress


def execute_run(run_id: int, job=None) -> ReconcileRun:
    """Do the run (in a worker, or in the clock's round) and keep its outcome; ``job``, when
    one runs it, shows the same progress."""
    write = _progress_writer(run_id)

    def progress(done, total):
        write(done, total)
        if job is not None:
            job.progress(done, total)

    try:
        differences = reconcile(progress=progress)
    except Exception as exc:  # kept for the page; the clock reports it too
        db.session.rollback()
        row = db.session.get(ReconcileRun, run_id)
        row.status, row.error, row.finished_at = (
            'failed',
            f'{type(exc).__name__}: {exc}',
            clock.now(),
        )
        db.session.commit()
        raise
    db.session.rollback()  # the read transaction of the replay
    row = db.session.get(ReconcileRun, run_id)
    row.finished_at = clock.now()
    row.status = 'differ' if differences else 'agree'
    row.difference_count = len(differences)
    row.tables_done = row.tables_total
    row.result = json.dumps([d.as_dict() for d in differences[:MAX_KEPT]], default=str)
    audit.record(
        'audit.reconciled', row, actor=None, now=row.finished_at, differences=len(differences)
    )
    db.session.commit()
    return row


def run_in_background(run_id: int):
    """Hand the run to the job queue (a worker does it; the page polls the run's progress)."""
    job = jobs.submit(RECONCILE_JOB, key=f'run:{run_id}', now=clock.now(), run_id=run_id)
    job.actor_id = db.session.get(ReconcileRun, run_id).requested_by_id
    db.session.commit()
    return job


@jobs.task(RECONCILE_JOB, label=_l('Rekonsiliasi log dan basis data'))
def _reconcile_job(job, *, run_id):
    """One attempt at the run; an attempt after a failed one starts it afresh."""
    row = db.session.get(ReconcileRun, run_id)
    if row is None or row.status in ('agree', 'differ'):  # done by an earlier attempt
        return
    row.status, row.error, row.finished_at, row.tables_done = 'running', None, None, 0
    db.session.commit()
    job.progress(0, row.tables_total)
    execute_run(run_id, job)


def run_if_due(*, now) -> ReconcileRun | None:
    """The clock's reconciliation: once every `LPSE_RECONCILE_HOURS` (0: never)."""
    hours = current_app.config.get('LPSE_RECONCILE_HOURS', 24)
    last = latest_run()
    if not hours or (last is not None and now - last.started_at < timedelta(hours=hours)):
        return None
    row = start_run(actor=None, now=now)
    return execute_run(row.id) if row.status == 'running' else None
