"""A whole diary kept in memory for a long-running reader (the web server).

The web pages read the whole diary on nearly every view (overview, history,
insights), and reading it from the database costs time in proportion to its
length. `DiaryCache` keeps one owner's `Diary` in memory and reloads it when
the database says it changed:

- writes made through the cache (`add_episode`) update the copy in place;
  any other write made through it (`touched()`) drops the copy;
- writes made by another program (the CLI) are noticed by a cheap probe on
  every read. On SQLite the probe is `PRAGMA data_version` on a connection of
  its own, which changes with every commit made elsewhere (edits included).
  Elsewhere (PostgreSQL) it is the row count and highest key of each table,
  which an edit does not change, so there a copy older than `max_age_s` is
  reloaded anyway.

It also hands out the next free `e<n>` episode id from the copy, so adding
an episode does not read every stored id.

The dated records live in a `DiaryTimeline` (time order, dated, indexed): an
added episode goes into it in its place, in the order a reload would give.
`read(function)` hands the diary and the timeline to a quick reader (the
overview, triage) under the lock, without listing the episodes again;
`diary()` lists them afresh only when one was added since it last did, so
logging a twitch costs the same on a diary of ten years as on a new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.domain.timeline import DiaryTimeline
from nosetwitch.services.diary import Conflict, DiaryService, validated_episode
from nosetwitch.services.errors import DiaryError, InvalidRecord
from nosetwitch.storage.models import DayCheckInRow, EpisodeRow, MedicationRow, RemedyRow, SymptomRow
from nosetwitch.storage.records import record_number

_PROBED = (EpisodeRow, SymptomRow, DayCheckInRow, RemedyRow, MedicationRow)
R = TypeVar("R")


class DiaryCache:
    """One owner's diary in memory (see the module docstring). Thread-safe."""

    def __init__(self, service: DiaryService, *, max_age_s: float | None = None):
        self.service = service
        self._watch = None  # SQLite: a connection kept open for PRAGMA data_version
        if service.engine.dialect.name == "sqlite":
            self._watch = service.engine.raw_connection()
        # data_version sees every commit; the age limit is only a safety net there
        self.max_age_s = max_age_s if max_age_s is not None else (300.0 if self._watch is not None else 10.0)
        self._lock = threading.RLock()
        self._diary: Diary | None = None
        self._timeline: DiaryTimeline | None = None
        self._episodes_listed = True  # whether self._diary.episodes lists every episode of the timeline
        self._stamp: tuple | None = None
        self._loaded_at = 0.0
        self._highest_number = 0

    def _probe(self) -> tuple:
        """A value that changes when another connection commits (SQLite), or with
        every insert or delete of this owner's rows (count and highest key per table)."""
        if self._watch is not None:
            cursor = self._watch.cursor()
            try:
                return tuple(cursor.execute("PRAGMA data_version").fetchone())
            finally:
                cursor.close()
        owner = self.service.owner_id
        parts = []
        for table in _PROBED:
            parts += [
                select(func.count()).select_from(table).where(table.owner_id == owner).scalar_subquery(),
                select(func.max(table.pk)).where(table.owner_id == owner).scalar_subquery(),
            ]
        with self.service.engine.connect() as connection:
            return tuple(connection.execute(select(*parts)).one())

    def _current(self, stamp: tuple) -> bool:
        fresh = time.monotonic() - self._loaded_at < self.max_age_s
        return self._diary is not None and stamp == self._stamp and fresh

    def person(self) -> Person:
        """The person, from the copy when it is surely current (SQLite, whose probe
        sees edits too), else from the database; never loads the whole diary."""
        with self._lock:
            if self._watch is not None and self._diary is not None and self._current(self._probe()):
                return self._diary.person
        return self.service.get_person()

    def _load_if_changed(self) -> None:
        stamp = self._probe()
        if self._current(stamp):
            return
        self._diary = self.service.load_diary()
        self._timeline = DiaryTimeline(self._diary)
        self._episodes_listed = True
        self._stamp = stamp
        self._loaded_at = time.monotonic()
        self._highest_number = max(
            (n for r in (*self._diary.episodes, *self._diary.symptoms) if (n := record_number(r.id, "e")) is not None),
            default=0,
        )

    def diary(self) -> Diary:
        """The current diary (no `as_of`); reloaded when the database changed."""
        with self._lock:
            self._load_if_changed()
            if not self._episodes_listed:
                # A new list: readers outside the lock may hold the old one.
                self._diary = self._diary.model_copy(update={"episodes": self._timeline.episodes.episodes()})
                self._episodes_listed = True
            return self._diary

    def read(self, function: Callable[[Diary, DiaryTimeline], R]) -> R:
        """`function(diary, timeline)` on the current diary, under the lock.

        The timeline stands for the diary's dated records (`diary.episodes` may
        lag behind it), and changes as episodes are added, so `function` must not
        keep it. For quick readers: the overview and triage."""
        with self._lock:
            self._load_if_changed()
            return function(self._diary, self._timeline)

    def touched(self) -> None:
        """Something was written behind the copy's back: read it again next time."""
        with self._lock:
            self._diary = self._timeline = None

    def add_episode(self, **fields: Any) -> Episode:
        """Store a new episode (id `e<n>` when none is given) and add it to the copy."""
        with self._lock:
            for attempt in range(2):
                self._load_if_changed()
                data = dict(fields)
                if not data.get("id"):
                    data["id"] = f"e{self._highest_number + 1}"
                try:
                    episode = self.service.add_episode(**data)
                except Conflict:
                    if fields.get("id") or attempt:
                        raise
                    self.touched()  # another program took that id: look again
                    continue
                self._append([episode])
                return episode
        raise AssertionError("unreachable")

    def add_episodes(self, many: Sequence[dict[str, Any]]) -> list[Episode | DiaryError]:
        """Store several new episodes in one transaction and add them to the copy.

        For the twitches a busy server is asked to log at the same moment: one
        commit instead of one each. Returns, in order, each stored episode or
        the error that kept it out (a bad value, a taken id): one person's
        mistake does not turn away the others.
        """
        with self._lock:
            self._load_if_changed()
            results: list[Episode | DiaryError] = []
            number = self._highest_number
            for fields in many:
                data = dict(fields)
                generated = not data.get("id")
                try:
                    # Validated first, so a refused one uses up no number.
                    episode = validated_episode({**data, "id": "e0"} if generated else data)
                except InvalidRecord as exc:
                    results.append(exc)
                    continue
                if generated:
                    number += 1
                    episode = episode.model_copy(update={"id": f"e{number}"})
                results.append(episode)
            stored = [r for r in results if isinstance(r, Episode)]
            try:
                self.service.add_episodes(stored)
            except Conflict:
                # An id given twice or taken meanwhile: one at a time, each with its own answer.
                return [self._add_alone(fields) for fields in many]
            self._append(stored)
            return results

    def _add_alone(self, fields: dict[str, Any]) -> Episode | DiaryError:
        try:
            return self.add_episode(**fields)
        except DiaryError as exc:
            return exc

    def _append(self, episodes: Sequence[Episode]) -> None:
        """The stored rows changed by exactly these episodes: keep the copy and its probe in step."""
        if not episodes:
            return
        numbers = [n for e in episodes if (n := record_number(e.id, "e")) is not None]
        self._highest_number = max([self._highest_number, *numbers])
        for episode in episodes:
            self._timeline.episodes.add(episode)
        self._episodes_listed = False
        if self._watch is not None:
            # Our own commit moved data_version; anything that committed since then
            # too would go unseen until the next change or the age limit (rare, brief).
            self._stamp = self._probe()
            return
        count, highest = self._stamp[0], self._stamp[1]
        self._stamp = (count + len(episodes), max(highest or 0, self._highest_pk(episodes)), *self._stamp[2:])

    def _highest_pk(self, episodes: Sequence[Episode]) -> int:
        with self.service.engine.connect() as connection:
            return connection.execute(
                select(func.max(EpisodeRow.pk)).where(
                    EpisodeRow.owner_id == self.service.owner_id, EpisodeRow.id.in_([e.id for e in episodes])
                )
            ).scalar_one()
