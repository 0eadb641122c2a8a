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

from nosetwitch.storage.instants import UTC, offset_minutes, with_offset

__all__ = ["UTC", "UTCDateTime", "offset_minutes", "with_offset"]


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

