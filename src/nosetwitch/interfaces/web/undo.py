"""The short-lived Undo button of a confirmation ("Logged a twitch at 14:41. [Undo]").

After an action a page stores what the action changed (`services.undo.Change`s)
in the database under a random token for `UNDO_SECONDS` (`UndoLog`, bound to
the diary owner); the token rides in the session next to the confirmation,
and the Undo button posts it back once. Nothing of the diary goes into the
cookie or the URL; an old token can neither be reused nor used by another
account, and any server process can undo what another one did.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request

from nosetwitch.interfaces.web.deps import Viewer, page_viewer
from nosetwitch.interfaces.web.navigation import redirect, safe_next
from nosetwitch.interfaces.web.security import require_csrf
from nosetwitch.services.errors import DiaryError
from nosetwitch.services.undo import UNDO_SECONDS, Change, UndoLog, undo

__all__ = ["Change", "offer", "router"]

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)


def _log(viewer: Viewer) -> UndoLog:
    return UndoLog(viewer.diary.engine, viewer.diary.owner_id)


def offer(request: Request, viewer: Viewer, changes: Sequence[Change], done: str, then: str | None = None) -> None:
    """Put an Undo button beside the next confirmation shown to this session; once
    undone, `done` is said on `then` (default: the page that showed the button)."""
    request.session["undo"] = _log(viewer).remember(changes, done, then)


@router.post("/undo")
async def undo_action(request: Request, viewer: Viewer = Depends(page_viewer)):
    form = await request.form()
    back = safe_next(str(form.get("back") or "/"))
    pending = _log(viewer).take(str(form.get("token") or ""))
    if pending is None:
        request.session["flash_error"] = True
        return redirect(back, f"Undo is no longer possible: it works once, for {UNDO_SECONDS // 60} minutes after an action. Nothing was changed.", request)
    try:
        undo(viewer.diary, pending.changes)
    except DiaryError as exc:  # changed again since (UndoStale), or clashes with a newer record
        request.session["flash_error"] = True
        return redirect(back, f"Not undone: {exc}.", request)
    return redirect(pending.then or back, pending.done, request)
