"""Calendar arithmetic in the person's own time zone.

Instants are kept as aware datetimes (the offset the person logged with is
kept for display); every "which day was this" question is answered here, in
the person's IANA zone, so that midnight and daylight-saving changes are
handled in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimeZone(ValueError):
    """The name is not an IANA time zone known to this machine."""


# Names a system zone folder may hold that are not IANA zones: `localtime` is
# whatever the machine is set to, the others are build artefacts.
_NOT_IANA = frozenset({"localtime", "Factory", "posixrules", "leapseconds", "tzdata.zi", "zone.tab", "zone1970.tab", "iso3166.tab"})
_IANA_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]{0,29}(/[A-Za-z0-9][A-Za-z0-9_+-]{0,29}){0,2}$")


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name (`Europe/Berlin`, `UTC`), or UnknownTimeZone naming it.

    Only IANA names: not `localtime`, not `posix/...` or `right/...`, not a path."""
    try:
        if not isinstance(name, str) or not _IANA_NAME.match(name) or name in _NOT_IANA or name.startswith(("posix/", "right/")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UnknownTimeZone(f"unknown time zone {ascii(name)[:70]} (use an IANA name such as 'Europe/Berlin')") from None


def local_date(instant: dt.datetime, tz: str | ZoneInfo) -> dt.date:
    """The calendar date of an aware instant in the given zone."""
    if instant.tzinfo is None:
        raise ValueError("instant must carry a UTC offset")
    z = zone(tz) if isinstance(tz, str) else tz
    return instant.astimezone(z).date()


def local_day_bounds(day: dt.date, tz: str | ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day in the zone, as aware UTC instants.

    A day is 23 or 25 hours long when the clocks change; both ends come from
    local midnights, so the length is whatever the zone says it is.
    """
    z = zone(tz) if isinstance(tz, str) else tz
    start = dt.datetime.combine(day, dt.time(0), tzinfo=z).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=z).astimezone(dt.timezone.utc)
    return start, end


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)?")
_MINUTES_SECONDS = re.compile(r"^(\d+):([0-5]\d)$")


def duration_seconds(text: str) -> float:
    """Seconds from `30s`, `2m`, `1m30s`, `1.5min`, `1h`, `1:30` (minutes:seconds) or a bare
    number (seconds); ValueError for anything else, or for no time at all."""
    value = text.strip().lower().replace(" ", "")
    clock_style = _MINUTES_SECONDS.match(value)
    if clock_style:
        total: float = int(clock_style[1]) * 60 + int(clock_style[2])
    else:
        position, total, matched = 0, 0.0, False
        while position < len(value):
            match = _DURATION_PART.match(value, position)
            if not match or match.end() == position:
                matched = False
                break
            total += float(match[1]) * UNIT_SECONDS[(match[2] or "s")[0]]
            position, matched = match.end(), True
        if not matched:
            raise ValueError(f"cannot read {text!r} as a duration")
    if not 0 < total < float("inf"):
        raise ValueError(f"{text!r} is no length of time")
    return float(total)
class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 02:30 on the spring-forward night)."""


def wall_time(naive: dt.datetime, tz: str | ZoneInfo) -> dt.datetime:
    """A wall-clock time read in the person's zone, as an aware instant.

    The rule (docs/diary.md): a time that the clocks skipped (inside the
    spring-forward gap) is refused with NonexistentLocalTime; a time that
    happened twice (inside the autumn fold) is read as the first of the two,
    still on summer time (`fold=0`).
    """
    z = zone(tz) if isinstance(tz, str) else tz
    local = naive.replace(tzinfo=z, fold=0)
    there_and_back = local.astimezone(dt.timezone.utc).astimezone(z)
    if there_and_back.replace(tzinfo=None) != naive.replace(fold=0):
        raise NonexistentLocalTime(
            f"{naive:%Y-%m-%d %H:%M} did not exist in {z.key}: the clocks were put forward that night; "
            "give a time before or after the change"
        )
    return local
