"""The only source of time: aware UTC datetimes; tests set it.

On PostgreSQL every node reads the database's clock, so a node whose own clock drifted cannot
accept a late bid or refuse an on-time one: the first reading in an application context (one
request, one CLI command) asks the database once for its offset from the local clock, later
readings add it. On SQLite (one node) the node's clock is the clock."""

from datetime import UTC, datetime, timedelta

from flask import g, has_app_context
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lpse.extensions import db

_frozen: datetime | None = None
_OFFSET = '_lpse_clock_offset'


def now() -> datetime:
    """The current time, aware, in UTC (or the time a test has set)."""
    if _frozen is not None:
        return _frozen
    local = local_now()
    return local + _database_offset(local)


def local_now() -> datetime:
    """This process's own clock (only `now` reads it)."""
    return datetime.now(UTC)


def _database_offset(local: datetime) -> timedelta:
    if not has_app_context():
        return timedelta(0)
    offset = g.get(_OFFSET)
    if offset is None:
        try:
            if db.engine.dialect.name != 'postgresql':
                offset = timedelta(0)
            else:
                database = db.session.scalar(text('SELECT clock_timestamp()'))
                offset = database.astimezone(UTC) - local
        except SQLAlchemyError:  # no database at hand (or an aborted transaction): this once
            return timedelta(0)
        setattr(g, _OFFSET, offset)
    return offset


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware); None lets it run again."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError('the clock takes aware datetimes only')
    _frozen = moment.astimezone(UTC) if moment is not None else None


def is_frozen() -> bool:
    """Whether a test has set the clock (then the database's clock is not consulted either)."""
    return _frozen is not None
