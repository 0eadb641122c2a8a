"""Who is asking, and their diary: the request dependencies of pages and API.

The owner of every diary operation comes from here and only from here: in
local mode the CLI's single `local` user, in multi-user mode the user id in
the signed session (checked against the stored password fingerprint). No
handler takes an owner from the request itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from nosetwitch.domain.models import Diary, Episode
from nosetwitch.domain.timeline import DiaryTimeline
from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.interfaces.web.security import password_fingerprint, session_store
from nosetwitch.services.diary import LOCAL_USERNAME, DiaryService
from nosetwitch.services.diary_cache import DiaryCache

R = TypeVar("R")
_services: dict[tuple[str | None, str | int], SerializedDiary] = {}
_lock = threading.Lock()


_WRITES = frozenset(
    {
        "set_person", "update_person", "import_diary", "upsert_day", "save_check_answer", "undo_check_answer",
        *(f"{verb}_{kind}" for verb in ("add", "update", "delete") for kind in ("episode", "symptom", "day", "remedy", "medication")),
        "add_own_factor", "update_own_factor", "remove_own_factor",
    }
)  # fmt: skip


class SerializedDiary:
    """A DiaryService whose calls run one at a time per owner in this process,
    with the whole diary kept in memory (`DiaryCache`) for the pages.

    The web server answers many requests at once. Two of the service's
    operations are not safe to interleave for one owner: generating the next
    id (read the highest, then insert) and reading the whole diary in several
    queries while an episode's sites are rewritten. Requests of different
    owners never wait for each other.
    """

    def __init__(self, service: DiaryService):
        self._service = service
        self._lock = threading.RLock()
        self.owner_id = service.owner_id
        self.cache = DiaryCache(service)
        self.batch = EpisodeBatch(self)

    def __getattr__(self, name: str):
        attribute = getattr(self._service, name)
        if not callable(attribute):
            return attribute

        def serialized(*args, **kwargs):
            with self._lock:
                result = attribute(*args, **kwargs)
                if name in _WRITES:
                    self.cache.touched()
                return result

        serialized.__name__ = name
        return serialized

    @contextmanager
    def exclusive(self) -> Iterator[DiaryService]:
        """The bare service with this owner's lock held (a long import); the copy is read again after."""
        with self._lock:
            try:
                yield self._service
            finally:
                self.cache.touched()

    def add_episode(self, episode: Episode | None = None, **fields):
        _keep_in_memory(self)
        with self._lock:
            return self.cache.add_episode(**(episode.model_dump() if episode is not None else fields))

    def add_episodes(self, many: list[dict]) -> list:
        """Several new episodes in one transaction (see `DiaryCache.add_episodes`)."""
        _keep_in_memory(self)
        with self._lock:
            return self.cache.add_episodes(many)

    def get_person(self):
        with self._lock:
            return self.cache.person()

    def read(self, function: Callable[[Diary, DiaryTimeline], R]) -> R:
        """`function(diary, timeline)` on the diary in memory (see `DiaryCache.read`)."""
        _keep_in_memory(self)
        with self._lock:
            return self.cache.read(function)

    def load_diary(self, as_of=None) -> Diary:
        _keep_in_memory(self)
        with self._lock:
            diary = self.cache.diary()
        return diary if as_of is None else diary.model_copy(update={"as_of": as_of})


class EpisodeBatch:
    """Twitches logged while the event loop was busy, stored together on its next turn.

    Local mode runs every request of its one person on the event loop
    (`run_for`). Under load, the requests that arrive together each add an
    episode here and wait; one call on the loop's next turn stores them all in
    one transaction, so fifty twitches cost one commit, not fifty. Alone, a
    twitch waits for nothing but that turn. Each request still gets its own
    answer: its episode, or the error that kept it out.
    """

    def __init__(self, diary: SerializedDiary):
        self._diary = diary
        self._waiting: list[tuple[dict, asyncio.Future]] = []

    async def add(self, fields: dict) -> Episode:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((fields, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._store)
        return await future

    def _store(self) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            results = self._diary.add_episodes([fields for fields, _ in waiting])
        except Exception as exc:  # the database itself failed: every request hears it
            results = [exc] * len(waiting)
        for (_, future), result in zip(waiting, results):
            if future.cancelled():  # the client went away; its twitch is stored all the same
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


MAX_DIARIES_IN_MEMORY = 32
"""A multi-user server keeps the diaries of the most recent people only."""
_recent: OrderedDict[int, SerializedDiary] = OrderedDict()


def _keep_in_memory(diary: SerializedDiary) -> None:
    """Mark a diary as just used; let the least recently used ones past the limit go."""
    with _lock:
        _recent[id(diary)] = diary
        _recent.move_to_end(id(diary))
        while len(_recent) > MAX_DIARIES_IN_MEMORY:
            _, oldest = _recent.popitem(last=False)
            oldest.cache.touched()


def diary_service(database_url: str | None, owner: str | int) -> SerializedDiary:
    """A cached, serialized DiaryService per (database, owner): it holds no state but the owner id."""
    key = (database_url, owner)
    service = _services.get(key)
    if service is None:
        with _lock:
            service = _services.get(key)
            if service is None:
                service = SerializedDiary(DiaryService(database_url, owner))
                _services[key] = service
    return service


def local_owner(database_url: str | None) -> SerializedDiary:
    return diary_service(database_url, LOCAL_USERNAME)


@dataclass(frozen=True)
class Viewer:
    """The person behind a request: their account (None in local mode) and diary."""

    account: object | None
    diary: SerializedDiary

    @property
    def username(self) -> str | None:
        return getattr(self.account, "username", None)


def current_account(request: Request):
    """The logged-in account in multi-user mode, or None."""
    web = request.app.state.web
    uid = request.session.get("uid")
    if not web.multi_user or uid is None:
        return None
    cached = getattr(request.state, "account", None)
    if cached is not None:
        return cached
    owner = session_store(request).owner(request.session.get("sid"))
    account = web.accounts.get(int(uid)) if owner is not None and str(owner) == str(uid) else None
    if account is None or request.session.get("pwf") != password_fingerprint(account.password_hash):
        request.session.clear()  # logged out, expired, the account is gone or its password changed
        return None
    request.state.account = account
    return account


def resolve_viewer(request: Request) -> Viewer | None:
    web = request.app.state.web
    if not web.multi_user:
        return Viewer(None, local_owner(web.database_url))
    account = current_account(request)
    if account is None:
        return None
    return Viewer(account, diary_service(web.database_url, account.id))


def api_viewer(request: Request) -> Viewer:
    """Dependency for the JSON API: 401 problem when nobody is logged in."""
    viewer = resolve_viewer(request)
    if viewer is None:
        raise Problem(401, "log in first: POST /api/v1/login with username and password")
    return viewer


async def api_viewer_on_loop(request: Request) -> Viewer:
    """`api_viewer` for the busiest routes (see `run_for`): in local mode there is
    no account to look up, so it runs on the event loop without a thread hop."""
    return await run_for(request, api_viewer, request)


async def run_for(request: Request, function: Callable[..., R], *args: Any) -> R:
    """Run a diary call for an `async def` route.

    Local mode (one person): on the event loop. Every diary call of the one
    owner waits for the owner's lock anyway, so a thread would add two hops
    and GIL hand-overs and buy no parallelism. Multi-user mode: in the
    threadpool, so one person's database round trips never hold up another's.
    """
    if not request.app.state.web.multi_user:
        return function(*args)
    return await run_in_threadpool(function, *args)


def page_viewer(request: Request) -> Viewer:
    """Dependency for pages: a redirect to the login page when nobody is logged in."""
    from nosetwitch.interfaces.web.app import NeedsLogin

    viewer = resolve_viewer(request)
    if viewer is None:
        raise NeedsLogin()
    return viewer


async def page_viewer_on_loop(request: Request) -> Viewer:
    """`page_viewer` for the busiest page (the overview), as `api_viewer_on_loop`."""
    return await run_for(request, page_viewer, request)


def forget_diary(database_url: str | None, owner: str | int) -> None:
    """Drop the diary kept in memory for an owner (their account was deleted)."""
    with _lock:
        service = _services.pop((database_url, owner), None)
        if service is not None:
            _recent.pop(id(service), None)
