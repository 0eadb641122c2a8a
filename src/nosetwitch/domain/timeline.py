"""A diary's dated records in time order, with the indexes that answer "what
happened in this window" without a scan.

`EpisodeTimeline`: the episodes, each dated in the person's zone, by day and
with the notable ones apart. `DiaryTimeline`: that, plus remedy attempts by
time and day check-ins by date. Triage reads these records only through a
`DiaryTimeline` (`triage.snapshot`), and the web server keeps one up to date
as episodes are logged (`services.diary_cache`). Adding an episode costs a
binary search and a list insert; every question costs a binary search plus
the size of its answer. So the overview's "is this serious right now?" costs
about the same on a new diary as on ten years of them, or with thousands of
twitches logged today.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, KeysView
from dataclasses import dataclass
from operator import attrgetter
from zoneinfo import ZoneInfo

from nosetwitch.domain.models import DayCheckIn, Diary, Episode, RemedyAttempt, Site

_ID = attrgetter("id")


@dataclass(frozen=True, slots=True)
class DatedEpisode:
    """An episode with its calendar date in the person's zone."""

    episode: Episode
    day: dt.date

    @property
    def id(self) -> str:
        return self.episode.id


def is_notable(episode: Episode) -> bool:
    """It reached beyond the nose, or got in the way of something.

    Only such episodes can match the spread, hemifacial and interference
    rules, so the timeline keeps them in a list of their own."""
    return bool(episode.interferes_with) or any(site is not Site.NOSE for site in episode.sites)


class _Ordered:
    """Dated episodes in time order with their start instants alongside, for bisection."""

    __slots__ = ("dated", "starts")

    def __init__(self) -> None:
        self.dated: list[DatedEpisode] = []
        self.starts: list[dt.datetime] = []

    def add(self, dated: DatedEpisode) -> None:
        # Among episodes that started at the same instant, by id: the order a
        # reload from the database gives (ORDER BY started_at, id).
        started = dated.episode.started_at
        low, high = bisect_left(self.starts, started), bisect_right(self.starts, started)
        index = bisect_right(self.dated, dated.id, low, high, key=_ID)
        self.dated.insert(index, dated)
        self.starts.insert(index, started)

    def between(self, after: dt.datetime | None, until: dt.datetime) -> list[DatedEpisode]:
        """Those that started in (after, until]: after `after` (if any), at or before `until`."""
        return self.dated[self._first_after(after) : bisect_right(self.starts, until)]

    def count_between(self, after: dt.datetime | None, until: dt.datetime) -> int:
        return max(0, bisect_right(self.starts, until) - self._first_after(after))

    def _first_after(self, after: dt.datetime | None) -> int:
        return 0 if after is None else bisect_right(self.starts, after)


class EpisodeTimeline:
    """Episodes in time order, dated in `tz`. Episodes that started at the same
    instant keep the order they were given in; one added later goes among them by id."""

    def __init__(self, episodes: Iterable[Episode], tz: ZoneInfo):
        self.tz = tz
        self._all = _Ordered()
        self._notable = _Ordered()
        self._days: dict[dt.date, _Ordered] = {}
        # sorted() is stable, so building costs one sort, not n inserts.
        for episode in sorted(episodes, key=attrgetter("started_at")):
            self._append(self._dated(episode))

    def _dated(self, episode: Episode) -> DatedEpisode:
        return DatedEpisode(episode, episode.started_at.astimezone(self.tz).date())

    def _append(self, dated: DatedEpisode) -> None:
        for ordered in self._indexes(dated):
            ordered.dated.append(dated)
            ordered.starts.append(dated.episode.started_at)

    def _indexes(self, dated: DatedEpisode) -> list[_Ordered]:
        day = self._days.get(dated.day)
        if day is None:
            day = self._days[dated.day] = _Ordered()
        return [self._all, day, *([self._notable] if is_notable(dated.episode) else [])]

    def add(self, episode: Episode) -> DatedEpisode:
        """Put a newly stored episode in its place."""
        dated = self._dated(episode)
        for ordered in self._indexes(dated):
            ordered.add(dated)
        return dated

    def __len__(self) -> int:
        return len(self._all.dated)

    def __iter__(self) -> Iterator[DatedEpisode]:
        return iter(self._all.dated)

    def episodes(self) -> list[Episode]:
        """All episodes, in time order (a new list)."""
        return [d.episode for d in self._all.dated]

    # --- questions ---------------------------------------------------------------------

    def between(self, after: dt.datetime | None, until: dt.datetime) -> list[DatedEpisode]:
        """Episodes that started after `after` (None: from the first) and at or before `until`."""
        return self._all.between(after, until)

    def count_between(self, after: dt.datetime | None, until: dt.datetime) -> int:
        return self._all.count_between(after, until)

    def notable_between(self, after: dt.datetime | None, until: dt.datetime) -> list[DatedEpisode]:
        """`between`, keeping only the notable episodes (`is_notable`)."""
        return self._notable.between(after, until)

    def on(self, day: dt.date, until: dt.datetime | None = None) -> list[DatedEpisode]:
        """The episodes of a local calendar day (only those at or before `until`, if given)."""
        ordered = self._days.get(day)
        if ordered is None:
            return []
        return list(ordered.dated) if until is None else ordered.between(None, until)

    def count_on(self, day: dt.date) -> int:
        """How many episodes the local calendar day has (later ones of the day included)."""
        ordered = self._days.get(day)
        return 0 if ordered is None else len(ordered.dated)

    def twitched_on(self, day: dt.date, until: dt.datetime) -> bool:
        """Whether an episode of that local day started at or before `until`."""
        ordered = self._days.get(day)
        return ordered is not None and ordered.starts[0] <= until

    @property
    def days(self) -> KeysView[dt.date]:
        """The local calendar days with at least one episode."""
        return self._days.keys()

    def latest_start(self, until: dt.datetime) -> dt.datetime | None:
        """The start of the latest episode at or before `until` (the first listed among
        equal instants, which may be written with different offsets)."""
        starts = self._all.starts
        index = bisect_right(starts, until)
        if index == 0:
            return None
        return starts[bisect_left(starts, starts[index - 1])]


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
