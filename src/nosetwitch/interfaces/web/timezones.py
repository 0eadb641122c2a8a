"""Time zones grouped by region, for a <select> with <optgroup>s.

The IANA database holds about 600 names, many of them old aliases
("US/Eastern", "Canada/Atlantic", "GMT+0"). People pick from the canonical
region/city names, grouped by region and sorted by city, each with its
current UTC offset; a zone already stored under an alias stays choosable.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
OTHER = "Other"


def _label(name: str, now: dt.datetime) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Argentina – Buenos Aires (UTC−03:00)'."""
    city = name.split("/", 1)[1] if "/" in name else name
    offset = now.astimezone(ZoneInfo(name)).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{city.replace('_', ' ').replace('/', ' – ')} (UTC{sign}{hours:02d}:{rest:02d})"


@lru_cache(maxsize=4)
def _groups_on(day: dt.date) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    now = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)
    names = available_timezones()
    groups: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    for name in names:
        region = name.split("/", 1)[0]
        if region in groups and "/" in name:
            groups[region].append((name, _label(name, now)))
    groups[OTHER] = [("Etc/UTC", "UTC (UTC+00:00)")]
    return tuple((region, tuple(sorted(zones, key=lambda zone: zone[1]))) for region, zones in groups.items() if zones)


def grouped(current: str | None = None, today: dt.date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(region, [(zone name, label), ...]), ...]; `current` is added under 'Other' when it is an alias."""
    groups = [(region, list(zones)) for region, zones in _groups_on(today or dt.date.today())]
    known = {name for _, zones in groups for name, _ in zones}
    if current and current not in known and current in available_timezones():
        groups[-1][1].append((current, current))
    return groups


def is_zone(name: str) -> bool:
    return name in available_timezones()
