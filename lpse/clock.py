"""The only source of time: aware UTC datetimes; tests set it."""

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, aware, in UTC (or the time a test has set)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware); None lets it run again."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError('the clock takes aware datetimes only')
    _frozen = moment.astimezone(UTC) if moment is not None else None


def is_frozen() -> bool:
    """Whether a test has set the clock (then the database's clock is not consulted either)."""
    return _frozen is not None
