"""The diary as triage sees it at one moment: records after `as_of` dropped,
local calendar dates worked out once, and the time windows of the policy.

Every rule reads this object instead of the raw diary, so "what counts" and
"which day is it" are decided in exactly one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import DayCheckIn, Diary, Episode, Medication, RemedyAttempt, Symptom

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DatedEpisode:
    """An episode with its calendar date in the person's zone."""

    episode: Episode
    day: dt.date

    @property
    def id(self) -> str:
        return self.episode.id


class Snapshot:
    """What triage may look at, as of one instant."""

    def __init__(self, diary: Diary, as_of: dt.datetime):
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            raise ValueError("as_of must carry a UTC offset, e.g. 2026-03-10T20:00:00+01:00")
        self.diary = diary
        self.as_of = as_of
        self.tz: ZoneInfo = diary.tz
        self.today: dt.date = local_date(as_of, self.tz)
        self.yesterday: dt.date = self.today - DAY
        # Only records that started at or before as_of count (policy, Definitions).
        self.symptoms: list[Symptom] = [s for s in diary.symptoms if s.started_at <= as_of]
        self.remedies: list[RemedyAttempt] = [r for r in diary.remedies if r.at <= as_of]

    # --- time windows ("within the last N": as_of - N < t <= as_of) ---------------

    def within(self, instant: dt.datetime, span: dt.timedelta) -> bool:
        return self.as_of - span < instant <= self.as_of

    def is_active(self, symptom: Symptom) -> bool:
        """Still present at as_of: no end recorded, or it ends later."""
        return symptom.is_active_at(self.as_of)

    def local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.tz)

    # --- episodes ------------------------------------------------------------------

    @cached_property
    def episodes(self) -> list[DatedEpisode]:
        """Episodes that started at or before as_of, oldest first, each with its local date."""
        as_of, tz = self.as_of, self.tz
        counted = [e for e in self.diary.episodes if e.started_at <= as_of]
        counted.sort(key=lambda e: e.started_at)
        return [DatedEpisode(e, e.started_at.astimezone(tz).date()) for e in counted]

    @cached_property
    def episode_days(self) -> dict[dt.date, list[DatedEpisode]]:
        """The counted episodes grouped by their local calendar date."""
        days: dict[dt.date, list[DatedEpisode]] = {}
        for dated in self.episodes:
            days.setdefault(dated.day, []).append(dated)
        return days

    @cached_property
    def episodes_last_30_days(self) -> list[DatedEpisode]:
        start = self.as_of - 30 * DAY
        return [d for d in self.episodes if d.episode.started_at > start]

    # --- medicines and check-ins ------------------------------------------------------

    @cached_property
    def active_medications(self) -> list[Medication]:
        """Medicines taken today: started not after today, not stopped by today."""
        return [m for m in self.diary.medications if m.is_active_on(self.today)]

    @cached_property
    def check_ins_last_7_days(self) -> list[DayCheckIn]:
        """Day check-ins of today and the 6 calendar days before it."""
        first = self.today - 6 * DAY
        return [d for d in self.diary.days if first <= d.date <= self.today]
