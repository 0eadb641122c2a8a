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
        last_episode_at=max((e.started_at for e in past), key=lambda t: t.timestamp(), default=None),
        checked_in_today=any(d.date == today for d in diary.days),
    )


TRIAGE_WINDOW_DAYS = 32
"""Every rule of the triage policy looks back at most 30 days (plus the run of
consecutive days for `persistent`, added below); two days spare for zones."""


def _since(diary: Diary, day: dt.date) -> list:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=diary.tz)
    return [e for e in diary.episodes if e.started_at >= start]


def recent_part(diary: Diary, now: dt.datetime) -> Diary:
    """The part of a diary the triage rules can see at `now`: all medicines and
    symptoms (an old symptom may still be active), episodes, check-ins and
    remedies of the last 32 days, reaching further back while a run of
    consecutive twitching days continues. Triage of it equals triage of the
    whole diary (a test checks this), at a cost that does not grow with years
    of history."""
    today = local_date(now, diary.tz)
    first_day = today - dt.timedelta(days=TRIAGE_WINDOW_DAYS)
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
