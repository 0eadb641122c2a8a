"""The summary block: counts, recent rates, streaks, durations, hours of the day."""

from __future__ import annotations

import datetime as dt

import numpy as np

from nosetwitch.insights.daily import DailyTable


def summarise(table: DailyTable | None) -> dict:
    """The spec's `summary` object (all zeros for an empty diary)."""
    if table is None:
        return {
            "episodes": 0,
            "episode_days": 0,
            "episodes_per_day_7d": 0.0,
            "episodes_per_day_30d": 0.0,
            "current_streak_days": 0,
            "longest_streak_days": 0,
            "median_duration_s": None,
            "by_hour": [0] * 24,
        }
    counts = table.counts
    had = counts > 0
    return {
        "episodes": int(counts.sum()),
        "episode_days": int(had.sum()),
        "episodes_per_day_7d": recent_rate(counts, 7),
        "episodes_per_day_30d": recent_rate(counts, 30),
        "current_streak_days": current_streak(had),
        "longest_streak_days": longest_streak(had),
        "median_duration_s": float(np.median(table.durations)) if len(table.durations) else None,
        "by_hour": [int(v) for v in table.by_hour],
    }


def recent_rate(counts: np.ndarray, days: int) -> float:
    """Episodes per day over the last `days` calendar days, the `as_of` day included.

    A diary younger than the window is divided by the days it covers.
    """
    window = counts[-days:]
    return round(float(window.sum()) / len(window), 2) if len(window) else 0.0


def current_streak(had: np.ndarray) -> int:
    """Days in a row with episodes, ending on the `as_of` day, or on the day
    before when the `as_of` day has none yet (that day is not over)."""
    flags = list(had)
    if flags and not flags[-1]:
        flags.pop()
    streak = 0
    for flag in reversed(flags):
        if not flag:
            break
        streak += 1
    return streak


def longest_streak(had: np.ndarray) -> int:
    best = run = 0
    for flag in had:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def iso_in_zone(instant: dt.datetime, tz) -> str:
    return instant.astimezone(tz).isoformat(timespec="seconds")
