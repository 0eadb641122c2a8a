"""The diary as triage sees it at one moment: records after `as_of` dropped,
local calendar dates worked out once, and the time windows of the policy.

Every rule reads this object instead of the raw diary, so "what counts" and
"which day is it" are decided in exactly one place.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from zoneinfo import ZoneInfo

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import DayCheckIn, Diary, Medication, RemedyAttempt, Symptom
from nosetwitch.domain.timeline import DatedEpisode, DiaryTimeline

__all__ = ["DAY", "HOUR", "DatedEpisode", "Snapshot"]

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class Snapshot:
    """What triage may look at, as of one instant."""

    def __init__(self, diary: Diary, as_of: dt.datetime, timeline: DiaryTimeline | None = None):
        """`timeline`, when given, stands for the diary's episodes, remedies and check-ins
        (those lists of `diary` are then not read): the web server passes the one it
        keeps up to date."""
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            raise ValueError("as_of must carry a UTC offset, e.g. 2026-03-10T20:00:00+01:00")
        self.diary = diary
        self.as_of = as_of
        self.tz: ZoneInfo = diary.tz
        if timeline is None:
            timeline = DiaryTimeline(diary)
        elif timeline.tz != self.tz:
            raise ValueError(f"the timeline is dated in {timeline.tz}, the diary in {self.tz}")
        self.timeline = timeline
        self.today: dt.date = local_date(as_of, self.tz)
        self.yesterday: dt.date = self.today - DAY
        # Only records that started at or before as_of count (policy, Definitions).
        self.symptoms: list[Symptom] = [s for s in diary.symptoms if s.started_at <= as_of]

    # --- time windows ("within the last N": as_of - N < t <= as_of) ---------------

    def within(self, instant: dt.datetime, span: dt.timedelta) -> bool:
        return self.as_of - span < instant <= self.as_of

    def is_active(self, symptom: Symptom) -> bool:
        """Still present at as_of: no end recorded, or it ends later."""
        return symptom.is_active_at(self.as_of)

    def local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.tz)

    # --- episodes (those that started at or before as_of) ----------------------------

    def episodes_after(self, instant: dt.datetime) -> list[DatedEpisode]:
        """Episodes that started after `instant`, oldest first."""
        return self.timeline.episodes.between(instant, self.as_of)

    def count_after(self, instant: dt.datetime) -> int:
        """How many episodes started after `instant`."""
        return self.timeline.episodes.count_between(instant, self.as_of)

    def episodes_on(self, day: dt.date) -> list[DatedEpisode]:
        """The episodes of a local calendar day, oldest first."""
        return self.timeline.episodes.on(day, until=self.as_of)

    def twitched_on(self, day: dt.date) -> bool:
        return self.timeline.episodes.twitched_on(day, until=self.as_of)

    def twitched_within(self, span: dt.timedelta) -> bool:
        return self.timeline.episodes.count_between(self.as_of - span, self.as_of) > 0

    def notable_within(self, span: dt.timedelta) -> list[DatedEpisode]:
        """Episodes within the last `span` that reached beyond the nose or got in the
        way of something (`domain.timeline.is_notable`), oldest first."""
        return self.timeline.episodes.notable_between(self.as_of - span, self.as_of)

    # --- medicines and check-ins ------------------------------------------------------

    @cached_property
    def active_medications(self) -> list[Medication]:
        """Medicines taken today: started not after today, not stopped by today."""
        return [m for m in self.diary.medications if m.is_active_on(self.today)]

    @cached_property
    def check_ins_last_7_days(self) -> list[DayCheckIn]:
        """Day check-ins of today and the 6 calendar days before it."""
        return self.timeline.check_ins_from(self.today - 6 * DAY, self.today)

    # --- remedies -------------------------------------------------------------------------

    def remedies_within(self, span: dt.timedelta) -> list[RemedyAttempt]:
        """Remedy attempts within the last `span`, in time order."""
        return self.timeline.remedies_between(self.as_of - span, self.as_of)
