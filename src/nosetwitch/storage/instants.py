"""Instants as the database keeps them: UTC plus the offset, in minutes, they were written with.

Pure Python (no SQLAlchemy), so the quick logging path can use it too.
"""

from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc


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
