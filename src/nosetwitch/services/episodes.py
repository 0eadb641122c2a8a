"""Logging a twitch: the one way every interface stores a new episode.

`nosetwitch log twitch`, POST /api/v1/episodes (local and multi-user mode),
the quick-log page and the phone's one tap all end in `log_twitches`. It
validates with the service's own validation (`services.validation`), fills in
what a tap leaves out (no id: the next `e<n>`, allocated inside the storing
transaction; no start: `now`), and stores through a strategy:

- `DiaryService.add_episodes`: any database. The web server's `DiaryOwner`
  puts a group commit in front of it and keeps its copy of the diary current.
- `storage.quick.QuickLog`: plain `sqlite3`, which `local_store` chooses for
  the CLI when the local diary allows it, because importing SQLAlchemy alone
  takes longer than the whole command may (bench/cli_startup.py).

This module imports no SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeAlias

from nosetwitch.domain.clock import zone
from nosetwitch.domain.models import Episode
from nosetwitch.services.errors import Conflict, DiaryError, InvalidRecord
from nosetwitch.services.validation import validated_episode
from nosetwitch.storage.quick import QuickLog

Twitch: TypeAlias = Episode | Mapping[str, Any]
"""A twitch to log: its fields (a tap, a form, a request body) or a whole Episode."""


class EpisodeStore(Protocol):
    """Where `log_twitches` stores validated episodes, all in one transaction or none."""

    def add_episodes(self, episodes: Sequence[Episode], *, new_ids: Sequence[bool] = ...) -> list[Episode]: ...


class LocalStore(EpisodeStore, Protocol):
    """The local diary as `log twitch` opens it (`local_store`)."""

    def timezone(self) -> str: ...


def now_in(timezone: str) -> dt.datetime:
    """Now in whole seconds, written in `timezone` (the offset the person will see)."""
    return dt.datetime.now(zone(timezone)).replace(microsecond=0)


def log_twitches(store: EpisodeStore, twitches: Sequence[Twitch], *, now: dt.datetime | None = None) -> list[Episode | DiaryError]:
    """Log several twitches in one transaction; per twitch, the stored episode or the error that kept it out.

    A field set to None counts as left out: without an id the twitch gets the
    next `e<n>`, without `started_at` it happened at `now` (when given). A
    refused twitch (a bad value) is left out and uses up no number; an id in
    the way (taken, or given twice) sends them one at a time, so one person's
    mistake does not turn away the others. Errors of the database itself are
    raised.
    """
    results: list[Episode | DiaryError] = []
    valid: list[Episode] = []
    new_ids: list[bool] = []
    for twitch in twitches:
        try:
            episode, new_id = _new_episode(twitch, now)
        except InvalidRecord as exc:
            results.append(exc)
            continue
        results.append(episode)
        valid.append(episode)
        new_ids.append(new_id)
    if not valid:
        return results
    try:
        stored = iter(store.add_episodes(valid, new_ids=new_ids))
    except Conflict as exc:
        if len(twitches) == 1:
            return [exc]
        return [log_twitches(store, [twitch], now=now)[0] for twitch in twitches]
    return [next(stored) if isinstance(result, Episode) else result for result in results]


def log_twitch(store: EpisodeStore, twitch: Twitch, *, now: dt.datetime | None = None) -> Episode:
    """Log one twitch (see `log_twitches`); raises the error that kept it out."""
    (result,) = log_twitches(store, [twitch], now=now)
    if isinstance(result, DiaryError):
        raise result
    return result


def _new_episode(twitch: Twitch, now: dt.datetime | None) -> tuple[Episode, bool]:
    """(validated episode, whether its id is still to be allocated)."""
    if isinstance(twitch, Episode):
        return twitch, False
    fields = {name: value for name, value in twitch.items() if value is not None or name not in ("id", "started_at")}
    new_id = not fields.get("id")
    if now is not None:
        fields.setdefault("started_at", now)
    # Validated before any transaction (with a stand-in id the store replaces), so a refusal costs no lock.
    return validated_episode({**fields, "id": "e0"} if new_id else fields), new_id


@contextmanager
def local_store(url: str | None) -> Iterator[LocalStore]:
    """The local diary at `url` (None: the default file), opened the quickest way that works.

    The quick strategy (`QuickLog`, plain sqlite3) when the diary is an SQLite
    file at the newest schema with a person record; otherwise the full
    `DiaryService` (created on first use, with the computer's time zone).
    """
    quick = QuickLog.open(url)
    if quick is not None:
        try:
            yield quick
        finally:
            quick.close()
        return
    # lazy: SQLAlchemy, only off the quick path (start-up time, bench/cli_startup.py)
    from nosetwitch.services.diary import open_local_diary

    yield open_local_diary(url)
