"""A diary's dated records in time order, with the indexes that answer "what
happened in this window" without a scan.

`EpisodeTimeline`: the episodes, each dated in the person's zone, by day and
with the notable ones apart. `DiaryTimeline`: that, plus remedy attempts by
time and day check-ins by date. Triage reads these records only through a
`DiaryTimeline` (`triage.snapshot`), and the web server keeps one up to date
as episodes are logged (`services.owner`). Adding an episode costs a
binary search and a list insert; every question costs a binary search plus
the size of its answer. So the overview's "is this serious right now?" costs
about the same on a new diary as on ten years of them, or with thousands of
twitches logged today.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from nosetwitch.domain.clock import local_day_bounds
from nosetwitch.domain.models import DayCheckIn, Diary, Episode, RemedyAttempt, Site

UTC = dt.timezone.utc
_ID = attrgetter("id")
_STARTED_AT = attrgetter("started_at")
# [start, end) of a local day: the same few days are asked for on every request.
_day_bounds = lru_cache(maxsize=4096)(local_day_bounds)


class DatedEpisode(NamedTuple):
    """An episode with its calendar date in the person's zone."""

    episode: Episode
    day: dt.date

    @property
    def id(self) -> str:
        return self.episode.id


def reaches_beyond_the_nose(episode: Episode) -> bool:
    """It has a site other than `nose`."""
    return episode.sites.count(Site.NOSE) != len(episode.sites)


def is_notable(episode: Episode) -> bool:
    """It reached beyond the nose, or got in the way of something.

    Only such episodes can match the spread, hemifacial and interference
    rules, so the timeline keeps them in a list of their own."""
    return bool(episode.interferes_with) or reaches_beyond_the_nose(episode)


class _Ordered:
    """Episodes in time order with their start instants alongside, for bisection.

    The instants are kept in UTC: two datetimes with the same `tzinfo` compare
    field by field, others through two `utcoffset()` calls each time, which
    made every binary search ten times slower."""

    __slots__ = ("episodes", "starts")

    def __init__(self, episodes: list[Episode]) -> None:
        self.episodes = episodes
        self.starts = [e.started_at.astimezone(UTC) for e in episodes]

    def add(self, episode: Episode) -> None:
        # Among episodes that started at the same instant, by id: the order a
        # reload from the database gives (ORDER BY started_at, id).
        started = episode.started_at.astimezone(UTC)
        low, high = bisect_left(self.starts, started), bisect_right(self.starts, started)
        index = bisect_right(self.episodes, episode.id, low, high, key=_ID)
        self.episodes.insert(index, episode)
        self.starts.insert(index, started)

    def span(self, after: dt.datetime | None, until: dt.datetime) -> tuple[int, int]:
        """Indexes [low, high) of the episodes that started in (after, until]."""
        low = 0 if after is None else bisect_right(self.starts, after.astimezone(UTC))
        return low, max(low, bisect_right(self.starts, until.astimezone(UTC)))


class EpisodeTimeline:
    """Episodes in time order, dated in `tz` when asked for. Episodes that started
    at the same instant keep the order they were given in; one added later goes
    among them by id.

    A local calendar day is the stretch of time between two local midnights
    (`domain.clock.local_day_bounds`, 23 or 25 hours when the clocks change),
    found by bisection: nothing is dated until it is part of an answer, so
    building a timeline costs one sort and a pass (triage of a ten-year diary
    file builds one each time, bench/triage.py).
    """

    def __init__(self, episodes: Iterable[Episode], tz: ZoneInfo):
        self.tz = tz
        self._all = _Ordered(sorted(episodes, key=_STARTED_AT))  # stable
        self._notable: _Ordered | None = None  # built when first asked for, then kept up to date

    def add(self, episode: Episode) -> None:
        """Put a newly stored episode in its place."""
        self._all.add(episode)
        if self._notable is not None and is_notable(episode):
            self._notable.add(episode)

    def __len__(self) -> int:
        return len(self._all.episodes)

    def __iter__(self) -> Iterator[DatedEpisode]:
        return iter(self._dated(self._all.episodes))

    def episodes(self) -> list[Episode]:
        """All episodes, in time order (a new list)."""
        return list(self._all.episodes)

    def _dated(self, episodes: list[Episode]) -> list[DatedEpisode]:
        tz = self.tz
        return [DatedEpisode(e, e.started_at.astimezone(tz).date()) for e in episodes]

    def _notables(self) -> _Ordered:
        if self._notable is None:
            self._notable = _Ordered([e for e in self._all.episodes if is_notable(e)])
        return self._notable

    # --- questions ---------------------------------------------------------------------

    def between(self, after: dt.datetime | None, until: dt.datetime) -> list[DatedEpisode]:
        """Episodes that started after `after` (None: from the first) and at or before `until`."""
        low, high = self._all.span(after, until)
        return self._dated(self._all.episodes[low:high])

    def count_between(self, after: dt.datetime | None, until: dt.datetime) -> int:
        low, high = self._all.span(after, until)
        return high - low

    def notable_between(self, after: dt.datetime | None, until: dt.datetime) -> list[DatedEpisode]:
        """`between`, keeping only the notable episodes (`is_notable`)."""
        notable = self._notables()
        low, high = notable.span(after, until)
        return self._dated(notable.episodes[low:high])

    def _day(self, day: dt.date) -> tuple[int, int]:
        """Indexes [low, high) of the episodes of a local calendar day."""
        start, end = _day_bounds(day, self.tz)
        starts = self._all.starts
        return bisect_left(starts, start), bisect_left(starts, end)

    def on(self, day: dt.date, until: dt.datetime | None = None) -> list[DatedEpisode]:
        """The episodes of a local calendar day (only those at or before `until`, if given)."""
        low, high = self._day(day)
        if until is not None:
            high = max(low, min(high, bisect_right(self._all.starts, until.astimezone(UTC))))
        return self._dated(self._all.episodes[low:high])

    def count_on(self, day: dt.date) -> int:
        """How many episodes the local calendar day has (later ones of the day included)."""
        low, high = self._day(day)
        return high - low

    def twitched_on(self, day: dt.date, until: dt.datetime) -> bool:
        """Whether an episode of that local day started at or before `until`."""
        low, high = self._day(day)
        return low < high and self._all.starts[low] <= until.astimezone(UTC)

    @property
    def days(self) -> _DaysWithEpisodes:
        """The local calendar days with at least one episode (`day in timeline.days`)."""
        return _DaysWithEpisodes(self)

    def latest_start(self, until: dt.datetime) -> dt.datetime | None:
        """The start of the latest episode at or before `until` (the first listed among
        equal instants, which may be written with different offsets)."""
        starts = self._all.starts
        index = bisect_right(starts, until.astimezone(UTC))
        if index == 0:
            return None
        return self._all.episodes[bisect_left(starts, starts[index - 1])].started_at


class _DaysWithEpisodes:
    __slots__ = ("_timeline",)

    def __init__(self, timeline: EpisodeTimeline):
        self._timeline = timeline

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self._timeline.count_on(day) > 0


class DiaryTimeline:
    """A diary's episodes (an `EpisodeTimeline`, which grows as episodes are logged),
    remedy attempts in time order and day check-ins in date order."""

    def __init__(self, diary: Diary):
        self.tz = diary.tz
        self.episodes = EpisodeTimeline(diary.episodes, self.tz)
        self._remedies = sorted(diary.remedies, key=attrgetter("at"))  # stable: equal times keep their order
        self._remedy_times = [r.at for r in self._remedies]
        self._days = sorted(diary.days, key=attrgetter("date"))
        self._dates = [d.date for d in self._days]

    def remedies_between(self, after: dt.datetime, until: dt.datetime) -> list[RemedyAttempt]:
        """Remedy attempts made after `after` and at or before `until`, in time order."""
        return self._remedies[bisect_right(self._remedy_times, after) : bisect_right(self._remedy_times, until)]

    def check_ins_from(self, first: dt.date, last: dt.date) -> list[DayCheckIn]:
        """Day check-ins dated `first` to `last`, both included, in date order."""
        return self._days[bisect_left(self._dates, first) : bisect_right(self._dates, last)]
