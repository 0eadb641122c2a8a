"""A whole diary kept in memory for a long-running reader (the web server).

The web pages read the whole diary on nearly every view (overview, history,
insights), and reading it from the database costs time in proportion to its
length. `DiaryCache` keeps one owner's `Diary` in memory and knows exactly
when it is current: every write transaction of the service moves the owner's
`revision` (one indexed value in `users`), whichever process or machine made
it, and every read compares the copy's revision with the stored one (one
primary-key lookup). A different value means reload; there is no time-based
staleness, so several worker processes on one database never show an edit
late.

Episodes logged through the cache are added to the copy in place when the
service's own commit was the only one since the copy was taken (its revision
is exactly one more); otherwise the copy is read again. Episode ids are
allocated by the service inside the write transaction, never from the copy.

The dated records live in a `DiaryTimeline` (time order, dated, indexed): an
added episode goes into it in its place, in the order a reload would give.
`read(function)` hands the diary and the timeline to a quick reader (the
overview, triage) under the lock, without listing the episodes again;
`diary()` lists them afresh only when one was added since it last did, so
logging a twitch costs the same on a diary of ten years as on a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.domain.timeline import DiaryTimeline
from nosetwitch.services.diary import Conflict, DiaryService, validated_episode
from nosetwitch.services.errors import DiaryError, InvalidRecord

R = TypeVar("R")


class DiaryCache:
    """One owner's diary in memory (see the module docstring). Thread-safe."""

    def __init__(self, service: DiaryService):
        self.service = service
        self._lock = threading.RLock()
        # SQLite: the revision is read on a connection kept open for it (a pool checkout,
        # BEGIN and ROLLBACK around one SELECT cost more than the overview itself); reads
        # outside a transaction see the newest commit in WAL mode.
        self._probe = None
        if service.engine.dialect.name == "sqlite":
            self._probe = service.engine.raw_connection()
        self._diary: Diary | None = None
        self._timeline: DiaryTimeline | None = None
        self._episodes_listed = True  # whether self._diary.episodes lists every episode of the timeline
        self._revision: int | None = None  # the stored revision the copy reflects

    def _stored_revision(self) -> int:
        if self._probe is None:
            return self.service.revision()
        cursor = self._probe.cursor()
        try:
            return cursor.execute("SELECT revision FROM users WHERE id = ?", (self.service.owner_id,)).fetchone()[0]
        finally:
            cursor.close()

    def _current(self, revision: int) -> bool:
        return self._diary is not None and revision == self._revision

    def person(self) -> Person:
        """The person, from the copy when it is current, else from the database; never loads the whole diary."""
        with self._lock:
            if self._diary is not None and self._current(self._stored_revision()):
                return self._diary.person
        return self.service.get_person()

    def _load_if_changed(self) -> None:
        revision = self._stored_revision()
        if self._current(revision):
            return
        # The revision is read before the diary: a write committed in between makes the
        # copy newer than its revision, so the next read reloads (never the other way).
        self._diary = self.service.load_diary()
        self._timeline = DiaryTimeline(self._diary)
        self._episodes_listed = True
        self._revision = revision

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
        """Store a new episode (id `e<n>` allocated by the service when none is given) and add it to the copy."""
        with self._lock:
            self._load_if_changed()
            episode = self.service.add_episode(**fields)
            self._append([episode])
            return episode

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
            valid: list[Episode] = []
            new_ids: list[bool] = []
            for fields in many:
                generated = not fields.get("id")
                try:
                    # Validated first (with a stand-in id the service replaces), so a refused one is left out.
                    episode = validated_episode({**fields, "id": "e0"} if generated else dict(fields))
                except InvalidRecord as exc:
                    results.append(exc)
                    continue
                results.append(episode)
                valid.append(episode)
                new_ids.append(generated)
            try:
                stored = iter(self.service.add_episodes(valid, new_ids=new_ids))
            except Conflict:
                # An id given twice or taken meanwhile: one at a time, each with its own answer.
                return [self._add_alone(fields) for fields in many]
            results = [next(stored) if isinstance(r, Episode) else r for r in results]
            self._append([r for r in results if isinstance(r, Episode)])
            return results

    def _add_alone(self, fields: dict[str, Any]) -> Episode | DiaryError:
        try:
            return self.add_episode(**fields)
        except DiaryError as exc:
            return exc

    def _append(self, episodes: Sequence[Episode]) -> None:
        """Our own commit stored exactly these episodes: add them to the copy if nothing else committed since."""
        if not episodes:
            return
        committed = self.service.last_revision()
        if self._diary is None or committed is None or committed != (self._revision or 0) + 1:
            self.touched()  # another write came between: read the diary again next time
            return
        for episode in episodes:
            self._timeline.episodes.add(episode)
        self._episodes_listed = False
        self._revision = committed
