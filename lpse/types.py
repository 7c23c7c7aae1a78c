"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored without zone (naive UTC) so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given where aware UTC is required')
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def sql_in(values) -> str:
    """`IN ('a', 'b')` for a CHECK constraint over an enum's fixed, code-defined values."""
    return 'IN (' + ', '.join(f"'{v}'" for v in values) + ')'
