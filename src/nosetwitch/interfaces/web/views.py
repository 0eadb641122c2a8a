"""Numbers the pages show, computed from a `Diary` (pure, no I/O).

Calendar days are days in the person's own time zone, as everywhere else.

`overview` and `recent_part` take `time_ordered=True` when the diary's
episodes are known to be in time order (the server's `DiaryCache` keeps them
so): they then find a day's episodes by binary search between its two
midnights instead of dating every episode, so their cost does not grow with
the number of episodes (a test checks both ways give the same answer).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter
from zoneinfo import ZoneInfo

from nosetwitch.domain.clock import local_date, local_day_bounds
from nosetwitch.domain.models import Diary, Episode

_STARTED = attrgetter("started_at")


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


class _OrderedDays:
    """Episodes per local day, read off a time-ordered episode list by binary search
    (a mapping with the `Counter` methods `overview` and `current_streak` use)."""

    def __init__(self, episodes: list[Episode], tz: ZoneInfo):
        self.episodes, self.tz = episodes, tz

    def get(self, day: dt.date, default: int = 0) -> int:
        start, end = local_day_bounds(day, self.tz)
        return bisect_left(self.episodes, end, key=_STARTED) - bisect_left(self.episodes, start, key=_STARTED) or default

    def __contains__(self, day: dt.date) -> bool:
        return self.get(day) > 0


def _last_started(episodes: list[Episode], now: dt.datetime, time_ordered: bool) -> dt.datetime | None:
    """The start of the latest episode at or before `now` (the first listed among equal instants)."""
    if not time_ordered:
        past = [e for e in episodes if e.started_at <= now]
        return max((e.started_at for e in past), key=lambda t: t.timestamp(), default=None)
    index = bisect_right(episodes, now, key=_STARTED)  # episodes[:index] started at or before now
    if index == 0:
        return None
    latest = index - 1
    while latest > 0 and episodes[latest - 1].started_at == episodes[latest].started_at:
        latest -= 1  # max() keeps the first of equal instants (offsets may differ)
    return episodes[latest].started_at


def overview(diary: Diary, now: dt.datetime, *, time_ordered: bool = False) -> Overview:
    """Today, the last 7 days (today included) and the week before, the current streak.

    `time_ordered=True` promises that `diary.episodes` are sorted by `started_at`."""
    today = local_date(now, diary.tz)
    counts = _OrderedDays(diary.episodes, diary.tz) if time_ordered else daily_counts(diary)
    week = [today - dt.timedelta(days=i) for i in range(7)]
    previous = [today - dt.timedelta(days=i) for i in range(7, 14)]
    return Overview(
        today=today,
        today_count=counts.get(today, 0),
        week_count=sum(counts.get(d, 0) for d in week),
        week_days=sum(1 for d in week if counts.get(d)),
        previous_week_count=sum(counts.get(d, 0) for d in previous),
        streak_days=current_streak(counts, today),
        last_episode_at=_last_started(diary.episodes, now, time_ordered),
        checked_in_today=any(d.date == today for d in diary.days),
    )


TRIAGE_WINDOW_DAYS = 32
"""Every rule of the triage policy looks back at most 30 days (plus the run of
consecutive days for `persistent`, added below); two days spare for zones."""


def _since(diary: Diary, day: dt.date, time_ordered: bool = False) -> list:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=diary.tz)
    if time_ordered:
        return diary.episodes[bisect_left(diary.episodes, start, key=_STARTED) :]
    return [e for e in diary.episodes if e.started_at >= start]


def recent_part(diary: Diary, now: dt.datetime, *, time_ordered: bool = False) -> Diary:
    """The part of a diary the triage rules can see at `now`: all medicines and
    symptoms (an old symptom may still be active), episodes, check-ins and
    remedies of the last 32 days, reaching further back while a run of
    consecutive twitching days continues. Triage of it equals triage of the
    whole diary (a test checks this), at a cost that does not grow with years
    of history. `time_ordered=True` promises episodes sorted by `started_at`."""
    today = local_date(now, diary.tz)
    first_day = today - dt.timedelta(days=TRIAGE_WINDOW_DAYS)
    if time_ordered:
        # The whole run at once: the window holds 33 days, so the windowed streak
        # reaches the limit below exactly when the whole one does.
        streak = current_streak(_OrderedDays(diary.episodes, diary.tz), today)
        if streak >= TRIAGE_WINDOW_DAYS - 1:
            first_day = today - dt.timedelta(days=streak + 2)
        episodes = _since(diary, first_day, time_ordered=True)
    else:
        episodes = _since(diary, first_day)
        streak = current_streak(Counter(local_date(e.started_at, diary.tz) for e in episodes), today)
        if streak >= TRIAGE_WINDOW_DAYS - 1:  # the run may go on before the window: follow it back
            streak = current_streak(daily_counts(diary), today)
            first_day = today - dt.timedelta(days=streak + 2)
            episodes = _since(diary, first_day)
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=diary.tz)
    kept = {e.id for e in episodes}
    remedies = [
        r if r.episode_id is None or r.episode_id in kept else r.model_copy(update={"episode_id": None})
        for r in diary.remedies
        if r.at >= start
    ]
    # The records are validated already; building the part must not redo it.
    return Diary.model_construct(
        format=diary.format,
        version=diary.version,
        as_of=diary.as_of,
        person=diary.person,
        medications=diary.medications,
        episodes=episodes,
        symptoms=diary.symptoms,
        days=[d for d in diary.days if d.date >= first_day],
        remedies=remedies,
    )
