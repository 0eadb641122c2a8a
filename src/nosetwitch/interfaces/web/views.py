"""Numbers the pages show, computed from a `Diary` (pure, no I/O).

Calendar days are days in the person's own time zone, as everywhere else.

`overview` reads records through a `DiaryTimeline`; the web server passes
the one its `DiaryOwner` keeps up to date, so the overview costs the same
however many episodes the diary holds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import Diary
from nosetwitch.domain.timeline import DiaryTimeline


def daily_counts(diary: Diary) -> Counter[dt.date]:
    """Episodes per local calendar day."""
    tz = diary.tz
    return Counter(local_date(e.started_at, tz) for e in diary.episodes)


def first_record_day(diary: Diary) -> dt.date | None:
    """The local day of the diary's first record (twitch, check-in, symptom or remedy); None when empty."""
    tz = diary.tz
    days = [local_date(e.started_at, tz) for e in diary.episodes]
    days += [d.date for d in diary.days]
    days += [local_date(s.started_at, tz) for s in diary.symptoms]
    days += [local_date(r.at, tz) for r in diary.remedies]
    return min(days, default=None)


def current_streak(days_with_twitching: Container[dt.date], today: dt.date) -> int:
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



def overview(diary: Diary, now: dt.datetime, timeline: DiaryTimeline | None = None) -> Overview:
    """Today, the last 7 days (today included) and the week before, the current streak.

    `timeline`, when given, stands for the diary's dated records."""
    if timeline is None:
        timeline = DiaryTimeline(diary)
    episodes = timeline.episodes
    today = local_date(now, diary.tz)
    week_counts = [episodes.count_on(today - dt.timedelta(days=i)) for i in range(7)]  # today first
    previous = [today - dt.timedelta(days=i) for i in range(7, 14)]
    return Overview(
        today=today,
        today_count=week_counts[0],
        week_count=sum(week_counts),
        week_days=sum(1 for count in week_counts if count),
        previous_week_count=sum(episodes.count_on(d) for d in previous),
        streak_days=current_streak(episodes.days, today),
        last_episode_at=episodes.latest_start(now),
        checked_in_today=bool(timeline.check_ins_from(today, today)),
    )
