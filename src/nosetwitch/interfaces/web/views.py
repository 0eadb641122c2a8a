"""Numbers the pages show, computed from a `Diary` (pure, no I/O).

Calendar days are days in the person's own time zone, as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import Diary


def daily_counts(diary: Diary) -> Counter[dt.date]:
    """Episodes per local calendar day."""
    tz = diary.tz
    return Counter(local_date(e.started_at, tz) for e in diary.episodes)


def current_streak(days_with_twitching: set[dt.date] | Counter, today: dt.date) -> int:
    """Days in a row with twitching, ending today (or yesterday while today has none yet)."""
    day = today if today in days_with_twitching else today - dt.timedelta(days=1)
    streak = 0
    while day in days_with_twitching:
        streak += 1
        day -= dt.timedelta(days=1)
    return streak


@dataclass(frozen=True)
class Overview:
    today: dt.date
    today_count: int
    week_count: int
    week_days: int
    previous_week_count: int
    streak_days: int
    last_episode_at: dt.datetime | None
    checked_in_today: bool


def overview(diary: Diary, now: dt.datetime) -> Overview:
    """Today, the last 7 days (today included) and the week before, the current streak."""
    today = local_date(now, diary.tz)
    counts = daily_counts(diary)
    week = [today - dt.timedelta(days=i) for i in range(7)]
    previous = [today - dt.timedelta(days=i) for i in range(7, 14)]
    past = [e for e in diary.episodes if e.started_at <= now]
    return Overview(
        today=today,
        today_count=counts.get(today, 0),
        week_count=sum(counts.get(d, 0) for d in week),
        week_days=sum(1 for d in week if counts.get(d)),
        previous_week_count=sum(counts.get(d, 0) for d in previous),
        streak_days=current_streak(counts, today),
        last_episode_at=max((e.started_at for e in past), default=None),
        checked_in_today=any(d.date == today for d in diary.days),
    )
