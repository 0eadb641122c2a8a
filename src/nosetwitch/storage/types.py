"""Column types shared by the ORM models.

Instants are stored as naive UTC (`UTCDateTime`) next to a small integer
holding the offset, in minutes, that the person wrote them with. Naive UTC
sorts and compares the same way on SQLite and PostgreSQL; the offset column
lets export give back exactly the offset that was imported.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

UTC = dt.timezone.utc


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime in Python, naive UTC in the database."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def offset_minutes(instant: dt.datetime) -> int:
    """The UTC offset an aware instant was written with, in whole minutes."""
    offset = instant.utcoffset()
    if offset is None:
        raise ValueError("instant must carry a UTC offset")
    return int(offset.total_seconds() // 60)


def with_offset(utc_instant: dt.datetime, minutes: int) -> dt.datetime:
    """The stored UTC instant shown again in the offset it was written with."""
    tz = UTC if minutes == 0 else dt.timezone(dt.timedelta(minutes=minutes))
    return utc_instant.astimezone(tz)
