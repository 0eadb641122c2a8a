"""The diary as one row per calendar day in the person's own time zone.

Everything the insights engine computes starts here: which days the diary
covers, how many episodes fell on each, at which local hour, and the factors
of each day's check-in (NaN where not recorded). Records after `as_of` are
left out, as the format requires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from nosetwitch.domain.models import DAY_FACTORS, Diary


@dataclass
class DailyTable:
    """Day-level arrays over [first, last], the last day being the `as_of` day."""

    first: dt.date
    last: dt.date
    as_of: dt.datetime  # in the person's zone
    counts: np.ndarray  # episodes per day (int)
    checked_in: np.ndarray  # bool: a check-in exists for the day
    factors: dict[str, np.ndarray]  # factor (built-in, or "own:KEY") -> float per day, NaN = not recorded
    by_hour: np.ndarray  # 24 counts by local hour
    durations: np.ndarray  # recorded episode durations in seconds
    last_day_complete: bool  # does `as_of` reach the end of its own day?
    own: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    """The person's own factors: "own:KEY" -> (label, kind, unit); their values are in `factors`."""

    @property
    def n_days(self) -> int:
        return len(self.counts)

    @property
    def outcome_days(self) -> np.ndarray:
        """Days whose twitching counts in the analysis: a check-in exists and the
        day is over (the `as_of` day counts only if `as_of` reaches its end)."""
        use = self.checked_in.copy()
        if not self.last_day_complete and len(use):
            use[-1] = False
        return use

    @property
    def weekday(self) -> np.ndarray:
        return (np.arange(self.n_days) + self.first.weekday()) % 7


def default_as_of(diary: Diary) -> dt.datetime | None:
    """The diary's own `as_of`, else its latest record (None for an empty diary)."""
    if diary.as_of is not None:
        return diary.as_of
    tz = diary.tz
    instants = [e.started_at for e in diary.episodes]
    instants += [r.at for r in diary.remedies]
    instants += [s.started_at for s in diary.symptoms]
    # A check-in covers its whole day: its latest instant is the end of that day.
    instants += [_day_end(d.date, tz) for d in diary.days]
    return max(instants) if instants else None


def _day_end(day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def build_daily_table(diary: Diary, as_of: dt.datetime) -> DailyTable | None:
    """One row per day from the first record to the `as_of` day; None when nothing is recorded by then."""
    tz = diary.tz
    as_of_local = as_of.astimezone(tz)
    last = as_of_local.date()
    episode_days: list[dt.date] = []
    hours = np.zeros(24, dtype=int)
    durations: list[float] = []
    for episode in diary.episodes:
        if episode.started_at > as_of:
            continue
        local = episode.started_at.astimezone(tz)
        episode_days.append(local.date())
        hours[local.hour] += 1
        if episode.duration_s is not None:
            durations.append(episode.duration_s)
    days = [d for d in diary.days if d.date <= last]
    starts = episode_days + [d.date for d in days]
    starts += [r.at.astimezone(tz).date() for r in diary.remedies if r.at <= as_of]
    if not starts:
        return None
    # The days start when the person started logging twitches: a check-in filled in for a
    # day long before that says nothing about how often they twitched then (not zero), and
    # a stretch of such unknown days left the trend with nothing to fit (no pattern at all).
    first = min(episode_days) if episode_days else min(starts)
    days = [d for d in days if d.date >= first]
    n = (last - first).days + 1
    counts = np.zeros(n, dtype=int)
    if episode_days:
        offsets = np.fromiter(((d - first).days for d in episode_days), dtype=int, count=len(episode_days))
        counts = np.bincount(offsets, minlength=n)
    checked_in = np.zeros(n, dtype=bool)
    factors = {name: np.full(n, np.nan) for name in DAY_FACTORS}
    own = {f"own:{f.key}": (f.label, f.kind.value, f.unit) for f in diary.person.own_factors}
    factors.update({name: np.full(n, np.nan) for name in own})
    for day in days:
        i = (day.date - first).days
        checked_in[i] = True
        for name, value in day.factors().items():
            factors[name][i] = value
        for key, value in day.own.items():
            if f"own:{key}" in factors:  # a yes/no answer counts as 1 (yes) or 0 (no)
                factors[f"own:{key}"][i] = float(value)
    next_midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    complete = as_of_local >= next_midnight - dt.timedelta(seconds=1)
    return DailyTable(first, last, as_of_local, counts, checked_in, factors, hours, np.array(durations), complete, own)
