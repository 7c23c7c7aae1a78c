"""The durable, user-visible record of a job: what it is, how far it got, how it ended."""

import enum
import io
import json
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from lpse import clock, storage
from lpse.extensions import db
from lpse.types import UTCDateTime, sql_in

# Work waiting longer than this for a worker to take it: the pages say no worker seems to run.
WORKER_WAIT = timedelta(seconds=60)


def waits_for_worker(since: datetime) -> bool:
    return clock.now() - since > WORKER_WAIT


class JobStatus(enum.StrEnum):
    queued = 'queued'
    running = 'running'
    done = 'done'
    failed = 'failed'


RESULT_MAX_SIZE = 4 * 1024**3  # a report bundle may be large; the store streams it
LIVE = f"status != '{JobStatus.failed}'"


class Job(db.Model):
    """One piece of long work (an opening, a report, a reconciliation) run by a worker.

    ``key`` makes it idempotent: while a job of the same kind and key is queued, running or
    done, submitting it again gives that job (a failed one may be submitted anew)."""

    __tablename__ = 'job'
    __table_args__ = (
        CheckConstraint(f'status {sql_in(JobStatus)}', name='known_status'),
        CheckConstraint('done >= 0 AND (total IS NULL OR done <= total)', name='progress'),
        Index(
            'uq_job_kind_key_live',
            'kind',
            'key',
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
        Index('ix_job_status_created', 'status', 'created_at'),
        Index('ix_job_actor', 'actor_id'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.queued)
    params: Mapped[str] = mapped_column(Text, default='{}')  # JSON: the task's keyword arguments
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_meta: Mapped[str | None] = mapped_column(Text)  # JSON: what the product holds
    actor_id: Mapped[int | None] = mapped_column(ForeignKey('user.id', ondelete='SET NULL'))
    tender_id: Mapped[int | None] = mapped_column(ForeignKey('tender.id', ondelete='SET NULL'))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tender = relationship('Tender')

    @property
    def arguments(self) -> dict:
        return json.loads(self.params or '{}')

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.done:
            return 100
        return round(100 * self.done / self.total) if self.total else None

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.done, JobStatus.failed)

    @property
    def awaits_worker(self) -> bool:
        """Queued, and no worker has taken it for WORKER_WAIT."""
        return self.status == JobStatus.queued and waits_for_worker(self.created_at)

    @property
    def has_result(self) -> bool:
        return self.status == JobStatus.done and self.result_sha256 is not None

    def can_see(self, user) -> bool:
        """The one who asked for it, and admins."""
        if user is None or not getattr(user, 'is_authenticated', False):
            return False
        return user.id == self.actor_id or user.has_role('admin')

    def progress(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """How far the work is, written at once in a short transaction of its own so the status
        page sees it while the job's own transaction is still open. On SQLite, once that
        transaction has written it holds the one write lock: the figures then land with it."""
        values = {
            'done': done,
            'total': self.total if total is None else total,
            'note': self.note if note is None else str(note)[:200],
        }
        conn = db.session.connection()
        if conn.dialect.name == 'sqlite' and conn.connection.dbapi_connection.in_transaction:
            for name, value in values.items():
                setattr(self, name, value)
            return
        table = Job.__table__
        with db.engine.begin() as own:
            own.execute(update(table).where(table.c.id == self.id).values(**values))
        for name, value in values.items():  # known to be in the database: not a change to flush
            set_committed_value(self, name, value)

    def store_result(self, data, name: str, content_type: str, meta: dict | None = None) -> str:
        """Keep the job's product (bytes or a binary stream) in the blob store; the job's page
        links to it once the job is done; ``meta``: what it holds (JSON-able, for its reader).
        Returns its SHA-256."""
        stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        sha256, _size = storage.blob_store().put_stream(stream, max_size=RESULT_MAX_SIZE)
        self.result_sha256, self.result_name, self.result_type = sha256, name[:255], content_type
        self.result_meta = json.dumps(meta, sort_keys=True) if meta is not None else None
        return sha256

    @property
    def result_info(self) -> dict:
        return json.loads(self.result_meta or '{}')
