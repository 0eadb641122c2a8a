"""The short-lived Undo button of a confirmation ("Logged a twitch at 14:41. [Undo]").

After an action a page stores what the action changed (`services.undo.Change`s)
under a random token, kept in this process for `UNDO_SECONDS` and bound to
the diary owner; the token rides in the session next to the confirmation,
and the Undo button posts it back once. Nothing of the diary goes into the
cookie or the URL, and an old token can neither be reused nor used by
another account.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request

from nosetwitch.interfaces.web.deps import Viewer, page_viewer
from nosetwitch.interfaces.web.security import require_csrf
from nosetwitch.services.errors import DiaryError
from nosetwitch.services.undo import Change, undo

UNDO_SECONDS = 300
"""How long the Undo of a confirmation works: 5 minutes."""

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)


@dataclass(frozen=True)
class Pending:
    owner: object
    changes: tuple[Change, ...]
    done: str  # the confirmation once undone
    then: str | None  # where to go once undone (None: back to the page of the button)
    expires: float


class UndoStore:
    """Pending undos by token, oldest dropped first; thread-safe."""

    def __init__(self, ttl: float = UNDO_SECONDS, size: int = 2000):
        self.ttl, self.size = ttl, size
        self._pending: OrderedDict[str, Pending] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, owner: object, changes: Sequence[Change], done: str, then: str | None = None, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._pending[token] = Pending(owner, tuple(changes), done, then, now + self.ttl)
            while len(self._pending) > self.size or (self._pending and next(iter(self._pending.values())).expires < now):
                self._pending.popitem(last=False)
        return token

    def take(self, owner: object, token: str, now: float | None = None) -> Pending | None:
        """The pending undo, once; None when unknown, used, expired or someone else's."""
        now = time.monotonic() if now is None else now
        with self._lock:
            pending = self._pending.get(token)
            if pending is None or pending.owner != owner:
                return None
            del self._pending[token]
        return pending if pending.expires >= now else None


_store_lock = threading.Lock()


def store_of(request: Request) -> UndoStore:
    with _store_lock:
        store = getattr(request.app.state, "undo_store", None)
        if store is None:
            store = request.app.state.undo_store = UndoStore()
        return store


def offer(request: Request, viewer: Viewer, changes: Sequence[Change], done: str, then: str | None = None) -> None:
    """Put an Undo button beside the next confirmation shown to this session; once
    undone, `done` is said on `then` (default: the page that showed the button)."""
    request.session["undo"] = store_of(request).put(viewer.diary.owner_id, changes, done, then)


@router.post("/undo")
async def undo_action(request: Request, viewer: Viewer = Depends(page_viewer)):
    from nosetwitch.interfaces.web.pages import _safe_next, redirect

    form = await request.form()
    back = _safe_next(str(form.get("back") or "/"))
    pending = store_of(request).take(viewer.diary.owner_id, str(form.get("token") or ""))
    if pending is None:
        request.session["flash_error"] = True
        return redirect(back, f"Undo is no longer possible: it works once, for {UNDO_SECONDS // 60} minutes after an action. Nothing was changed.", request)
    try:
        undo(viewer.diary, pending.changes)
    except DiaryError as exc:  # changed again since (UndoStale), or clashes with a newer record
        request.session["flash_error"] = True
        return redirect(back, f"Not undone: {exc}.", request)
    return redirect(pending.then or back, pending.done, request)
