"""One diary owner in a long-running process (the web server): `DiaryOwner`.

The web server answers many requests at once, reads the whole diary on
nearly every page (overview, history, insights), and logs most twitches in
bursts. One object per owner and database (`owner_for`) owns everything
that needs to be one per owner:

- the **lock**: this owner's calls that touch the copy run one at a time in
  this process (requests of different owners never wait for each other);
- the **copy** of the diary in memory, with its `DiaryTimeline`, and when it
  is current: every write transaction moves the owner's `revision` (one
  indexed value in `users`), whichever process or machine made it, and every
  read of the copy compares it with the stored one. There is no time-based
  staleness, so several worker processes on one database never show an edit
  late. When it moved, the copy is brought up to date: the write path that
  logs twitches also records the run of writes that did nothing else
  (`Revisions`); when that run covers every write since the copy's revision,
  only episodes were added, each with a higher primary key than the copy has
  seen (the owner's writes commit one at a time), and fetching those
  (`DiaryService.episodes_after`) makes the copy exact. After any other write
  the whole diary is read again. Twitches logged through other workers cost
  each reader a small query, not a reload;
- the **write queue**: `log_twitch_soon` stores the twitches that arrive
  together in one transaction (group commit) through `episodes.log_twitches`,
  the one way every interface logs a twitch;
- **ids**: allocated by the service inside the write transaction, never from
  the copy.

Every read and write has its own typed method. A write drops the copy (it is
read again on the next read), except logging a twitch, which adds the new
episode to the copy in place when our own commit was the only one since the
copy was taken (else the next read fetches it with the others): logging
costs the same on a diary of ten years as on a new one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ParamSpec, TypeAlias, TypeVar

from sqlalchemy import Engine

from nosetwitch.domain.models import (
    DayCheckIn,
    Diary,
    Episode,
    Medication,
    OwnFactor,
    Person,
    RemedyAttempt,
    Symptom,
)
from nosetwitch.domain.timeline import DiaryTimeline
from nosetwitch.services import episodes
from nosetwitch.services.diary import LOCAL_USERNAME, CheckAnswer, DiaryService, ImportSummary, Keyed, Page
from nosetwitch.services.errors import DiaryError
from nosetwitch.services.health_import import HealthImportResult, HealthImportService

R = TypeVar("R")
P = ParamSpec("P")
_Waiting: TypeAlias = list[tuple[episodes.Twitch, asyncio.Future[Episode]]]


class DiaryOwner:
    """One owner's diary for a long-running process (see the module docstring). Thread-safe."""

    def __init__(self, service: DiaryService, *, on_loop: bool = False) -> None:
        """`on_loop`: `log_twitch_soon` stores on the event loop itself, for a server of one
        person (nothing else waits, and a thread hop costs more than the write); otherwise
        in a thread, so one person's database round trips never hold up another's."""
        self._service = service
        self._on_loop = on_loop
        self._lock = threading.RLock()
        self._stored_revision = service.revision_reader()
        self._diary: Diary | None = None
        self._timeline: DiaryTimeline | None = None
        self._episodes_listed = True  # whether self._diary.episodes lists every episode of the timeline
        self._revision = 0  # the stored revision the copy is exactly (when there is a copy)
        self._last_episode_pk = 0  # the highest primary key among the copy's episodes (0: none)
        self.full_loads = 0  # how often the whole diary was read (tests and measurements count them)
        self.fetches = 0  # how often only the episodes added since were fetched
        self._memo: tuple[Hashable, Any] | None = None  # the last answer `read(memo=...)` gave, under its key
        self._waiting: dict[asyncio.AbstractEventLoop, _Waiting] = {}

    @property
    def owner_id(self) -> int:
        return self._service.owner_id

    @property
    def engine(self) -> Engine:
        """The database engine, for the services that keep no diary records (undo log, reminders, devices)."""
        return self._service.engine

    # --- the copy ---------------------------------------------------------------------------

    def _current(self) -> tuple[Diary, DiaryTimeline]:
        """The copy, brought up to the stored revision first. Call under the lock."""
        stored = self._stored_revision()
        if self._diary is None or self._timeline is None:
            return self._load()
        if stored.revision == self._revision:
            return self._diary, self._timeline
        if stored.only_episodes_added_since(self._revision) and self._fetch_new_episodes(self._timeline):
            return self._diary, self._timeline
        return self._load()

    def _load(self) -> tuple[Diary, DiaryTimeline]:
        """Read the whole diary, with the revisions it is exactly (one snapshot)."""
        snapshot = self._service.diary_snapshot()
        self.full_loads += 1
        self._diary, self._timeline = snapshot.diary, DiaryTimeline(snapshot.diary)
        self._episodes_listed = True
        self._revision, self._last_episode_pk = snapshot.revisions.revision, snapshot.last_episode_pk
        return self._diary, self._timeline

    def _fetch_new_episodes(self, timeline: DiaryTimeline) -> bool:
        """Only twitches were logged since the copy's revision (as the probe said): add the
        episodes above the highest key the copy has seen. False, changing nothing, when the
        snapshot they were read in shows another kind of write since (it came meanwhile)."""
        new = self._service.episodes_after(self._last_episode_pk)
        if not new.revisions.only_episodes_added_since(self._revision):
            return False
        self.fetches += 1
        for episode in new.episodes:
            timeline.episodes.add(episode)
        if new.episodes:
            self._episodes_listed = False
        self._revision, self._last_episode_pk = new.revisions.revision, new.last_episode_pk
        return True

    def _drop_copy(self) -> None:
        """Something was written: read the diary again next time."""
        with self._lock:
            self._diary = self._timeline = None

    def _write(self, write: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """A write of the service, under the lock; the copy is read again after it (a
        refused write changed nothing, and the revision check would notice if it had)."""
        with self._lock:
            result = write(*args, **kwargs)
            self._drop_copy()
            return result

    def read(self, function: Callable[[Diary, DiaryTimeline], R], *, memo: Hashable | None = None) -> R:
        """`function(diary, timeline)` on the current diary, under the lock.

        The timeline stands for the diary's dated records (`diary.episodes` may
        lag behind it) and changes as twitches are logged, so `function` must
        not keep it. For quick readers: the overview and triage.

        `memo` names the question with everything else its answer depends on
        (the overview: the second it is asked at). The last answer is given
        again while the name and the diary's revision are the same, which is
        exact: the copy is checked against the stored revision first. Answers
        are shared, so they must not be changed.
        """
        _keep_in_memory(self)
        with self._lock:
            diary, timeline = self._current()
            if memo is None:
                return function(diary, timeline)
            key = (self._revision, memo)
            if self._memo is not None and self._memo[0] == key:
                return self._memo[1]
            answer = function(diary, timeline)
            self._memo = (key, answer)
            return answer

    def load_diary(self, as_of: dt.datetime | None = None) -> Diary:
        """The whole current diary, from the copy (`as_of` copied onto it)."""
        _keep_in_memory(self)
        with self._lock:
            diary, timeline = self._current()
            if not self._episodes_listed:
                # A new list: readers outside the lock may hold the old one.
                diary = self._diary = diary.model_copy(update={"episodes": timeline.episodes.episodes()})
                self._episodes_listed = True
        return diary if as_of is None else diary.model_copy(update={"as_of": as_of})

    def get_person(self) -> Person:
        """The person, from the copy when it is current, else from the database; never loads the whole diary."""
        with self._lock:
            if self._diary is not None and self._stored_revision().revision == self._revision:
                return self._diary.person
        return self._service.get_person()

    # --- logging a twitch ----------------------------------------------------------------------

    def log_twitch(self, twitch: episodes.Twitch) -> Episode:
        """Log one twitch now (no start: now in the person's zone); raises what kept it out."""
        (result,) = self._log([twitch])
        if isinstance(result, DiaryError):
            raise result
        return result

    async def log_twitch_soon(self, twitch: episodes.Twitch) -> Episode:
        """`log_twitch` with the other twitches asked for on this turn of the event loop.

        Under load, the requests that arrive together each queue their twitch
        here and wait; one call on the loop's next turn stores them all in one
        transaction, so fifty twitches cost one commit, not fifty. Alone, a
        twitch waits for nothing but that turn. Each request still gets its own
        answer: its episode, or the error that kept it out.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Episode] = loop.create_future()
        waiting = self._waiting.setdefault(loop, [])
        waiting.append((twitch, future))
        if len(waiting) == 1:
            loop.call_soon(self._store_waiting, loop)
        if self._on_loop:
            # Come back on the loop's next turn, right after the store (queued above, before
            # any of these requests yielded): the answer is then ready, and goes out before
            # the requests that arrived meanwhile are handled. Waiting on the future alone
            # would queue this request behind all of them (bench/web_load.py: p99).
            await asyncio.sleep(0)
        return await future

    def _store_waiting(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting = self._waiting.pop(loop, [])
        twitches = [twitch for twitch, _ in waiting]
        if self._on_loop:
            try:
                results: Sequence[Episode | Exception] = self._log(twitches)
            except Exception as exc:  # the database itself failed: every request hears it
                results = [exc] * len(waiting)
            _answer(waiting, results)
            return
        try:
            stored = loop.run_in_executor(None, self._log, twitches)
        except RuntimeError as exc:  # the loop is shutting down
            _answer(waiting, [exc] * len(waiting))
            return

        def answer(done: asyncio.Future[list[Episode | DiaryError]]) -> None:
            exc = done.exception()
            _answer(waiting, [exc] * len(waiting) if isinstance(exc, Exception) else done.result())

        stored.add_done_callback(answer)

    def _log(self, twitches: Sequence[episodes.Twitch]) -> list[Episode | DiaryError]:
        _keep_in_memory(self)
        with self._lock:
            diary, _ = self._current()
            results = episodes.log_twitches(self._service, twitches, now=episodes.now_in(diary.person.timezone))
            self._add_to_copy([result for result in results if isinstance(result, Episode)])
            return results

    def _add_to_copy(self, stored: Sequence[Episode]) -> None:
        """Our own commit stored exactly these episodes: add them to the copy if nothing else committed since."""
        if not stored:
            return
        committed = self._service.last_revision()
        if self._diary is None or self._timeline is None or committed is None or committed != self._revision + 1:
            # Another write came between (or several of ours): the copy is still exactly its
            # revision, and the next read brings it up to date (fetching only new episodes
            # when nothing but twitches were logged meanwhile).
            return
        for episode in stored:
            self._timeline.episodes.add(episode)
        self._episodes_listed = False
        self._revision = committed
        self._last_episode_pk = max(self._last_episode_pk, self._service.last_episode_pk())

    # --- reads from the database ---------------------------------------------------------------

    def get_episode(self, episode_id: str) -> Episode:
        return self._service.get_episode(episode_id)

    def list_episodes(
        self, *, since: dt.datetime | None = None, until: dt.datetime | None = None, offset: int = 0, limit: int = 100, newest_first: bool = True
    ) -> Page[Episode]:
        return self._service.list_episodes(since=since, until=until, offset=offset, limit=limit, newest_first=newest_first)

    def get_symptom(self, symptom_id: str) -> Symptom:
        return self._service.get_symptom(symptom_id)

    def list_symptoms(
        self, *, since: dt.datetime | None = None, until: dt.datetime | None = None, offset: int = 0, limit: int = 100, newest_first: bool = True
    ) -> Page[Symptom]:
        return self._service.list_symptoms(since=since, until=until, offset=offset, limit=limit, newest_first=newest_first)

    def get_day(self, day: dt.date) -> DayCheckIn:
        return self._service.get_day(day)

    def list_days(
        self, *, since: dt.date | None = None, until: dt.date | None = None, offset: int = 0, limit: int = 100, newest_first: bool = True
    ) -> Page[DayCheckIn]:
        return self._service.list_days(since=since, until=until, offset=offset, limit=limit, newest_first=newest_first)

    def get_remedy(self, key: int) -> Keyed[RemedyAttempt]:
        return self._service.get_remedy(key)

    def list_remedies(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        episode_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
        newest_first: bool = True,
    ) -> Page[Keyed[RemedyAttempt]]:
        return self._service.list_remedies(
            since=since, until=until, episode_id=episode_id, offset=offset, limit=limit, newest_first=newest_first
        )

    def get_medication(self, key: int) -> Keyed[Medication]:
        return self._service.get_medication(key)

    def list_medications(self, *, active_on: dt.date | None = None, offset: int = 0, limit: int = 100) -> Page[Keyed[Medication]]:
        return self._service.list_medications(active_on=active_on, offset=offset, limit=limit)

    def counts(self) -> dict[str, int]:
        return self._service.counts()

    def export_diary(self) -> Diary:
        return self._service.export_diary()

    # --- writes: each drops the copy ---------------------------------------------------------

    def set_person(self, person: Person) -> Person:
        return self._write(self._service.set_person, person)

    def update_person(self, **changes: Any) -> Person:
        return self._write(self._service.update_person, **changes)

    def add_own_factor(self, factor: OwnFactor | None = None, **fields: Any) -> OwnFactor:
        return self._write(self._service.add_own_factor, factor, **fields)

    def update_own_factor(self, key: str, **changes: Any) -> OwnFactor:
        return self._write(self._service.update_own_factor, key, **changes)

    def remove_own_factor(self, key: str) -> int:
        return self._write(self._service.remove_own_factor, key)

    def add_episode(self, episode: Episode) -> Episode:
        """Put back a whole episode, its id included (undo); a tap is `log_twitch`."""
        return self.log_twitch(episode)

    def update_episode(self, episode_id: str, **changes: Any) -> Episode:
        return self._write(self._service.update_episode, episode_id, **changes)

    def delete_episode(self, episode_id: str) -> None:
        self._write(self._service.delete_episode, episode_id)

    def add_symptom(self, symptom: Symptom | None = None, **fields: Any) -> Symptom:
        return self._write(self._service.add_symptom, symptom, **fields)

    def update_symptom(self, symptom_id: str, **changes: Any) -> Symptom:
        return self._write(self._service.update_symptom, symptom_id, **changes)

    def delete_symptom(self, symptom_id: str) -> None:
        self._write(self._service.delete_symptom, symptom_id)

    def upsert_day(self, day: DayCheckIn, *, merge: bool = True) -> tuple[DayCheckIn, bool]:
        return self._write(self._service.upsert_day, day, merge=merge)

    def update_day(self, day: dt.date, **changes: Any) -> DayCheckIn:
        return self._write(self._service.update_day, day, **changes)

    def delete_day(self, day: dt.date) -> None:
        self._write(self._service.delete_day, day)

    def add_remedy(self, remedy: RemedyAttempt | None = None, **fields: Any) -> Keyed[RemedyAttempt]:
        return self._write(self._service.add_remedy, remedy, **fields)

    def update_remedy(self, key: int, **changes: Any) -> Keyed[RemedyAttempt]:
        return self._write(self._service.update_remedy, key, **changes)

    def delete_remedy(self, key: int) -> None:
        self._write(self._service.delete_remedy, key)

    def add_medication(self, medication: Medication | None = None, **fields: Any) -> Keyed[Medication]:
        return self._write(self._service.add_medication, medication, **fields)

    def update_medication(self, key: int, **changes: Any) -> Keyed[Medication]:
        return self._write(self._service.update_medication, key, **changes)

    def delete_medication(self, key: int) -> None:
        self._write(self._service.delete_medication, key)

    def save_check_answer(self, symptoms: Sequence[Symptom], medications: Sequence[Medication], answered_at: dt.datetime) -> CheckAnswer:
        return self._write(self._service.save_check_answer, symptoms, medications, answered_at)

    def undo_check_answer(self, check_id: str) -> CheckAnswer:
        return self._write(self._service.undo_check_answer, check_id)

    def import_diary(self, diary: Diary, *, replace: bool = False) -> ImportSummary:
        return self._write(self._service.import_diary, diary, replace=replace)

    def import_health_values(
        self,
        values: Mapping[str, Mapping[dt.date, float]],
        *,
        source: str,
        file: str,
        since: dt.date | None = None,
        until: dt.date | None = None,
        dry_run: bool = False,
        notes: list[str] | None = None,
    ) -> HealthImportResult:
        """Day values from a health app's export (`HealthImportService.import_values`), in one transaction."""
        importer = HealthImportService(self._service)
        return self._write(importer.import_values, values, source=source, file=file, since=since, until=until, dry_run=dry_run, notes=notes)


def _answer(waiting: _Waiting, results: Sequence[Episode | BaseException]) -> None:
    for (_, future), result in zip(waiting, results):
        if future.cancelled():  # the client went away; its twitch is stored all the same
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


# --- one owner object per (database, owner) in this process ----------------------------------

MAX_DIARIES_IN_MEMORY = 32
"""A multi-user server keeps the diaries of the most recent people only."""
_owners: dict[tuple[str | None, str | int], DiaryOwner] = {}
_recent: OrderedDict[int, DiaryOwner] = OrderedDict()
_registry_lock = threading.Lock()


def _keep_in_memory(owner: DiaryOwner) -> None:
    """Mark a diary as just used; let the least recently used ones past the limit go."""
    with _registry_lock:
        _recent[id(owner)] = owner
        _recent.move_to_end(id(owner))
        while len(_recent) > MAX_DIARIES_IN_MEMORY:
            _, oldest = _recent.popitem(last=False)
            oldest._drop_copy()


def owner_for(database_url: str | None, owner: str | int, *, on_loop: bool = False) -> DiaryOwner:
    """The one `DiaryOwner` of a username or users.id in a database, opened on first use
    (`on_loop` counts then: see `DiaryOwner`)."""
    key = (database_url, owner)
    found = _owners.get(key)
    if found is None:
        with _registry_lock:
            found = _owners.get(key)
            if found is None:
                found = _owners[key] = DiaryOwner(DiaryService(database_url, owner), on_loop=on_loop)
    return found


def local_owner(database_url: str | None) -> DiaryOwner:
    """The single person of local mode (the CLI's user): the server serves no one else, so
    twitches are stored on the event loop."""
    return owner_for(database_url, LOCAL_USERNAME, on_loop=True)


def forget(database_url: str | None, owner: str | int) -> None:
    """Drop an owner's object and copy (their account was deleted)."""
    with _registry_lock:
        found = _owners.pop((database_url, owner), None)
        if found is not None:
            _recent.pop(id(found), None)
