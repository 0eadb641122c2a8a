"""Undo: put records back the way they were before one action.

An action (logging a twitch, saving a form, deleting) is described by the
`Change`s it made, each a record's state `before` and `after` (None: the
record did not exist / no longer exists). `undo()` first checks that every
record is still exactly as the action left it (a later edit is not thrown
away by an old undo), then restores the `before` states, last change first.

Records are addressed as the diary service addresses them: episodes and
symptoms by id, day check-ins by date, remedies and medications by key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from nosetwitch.services.errors import DiaryError, NotFound

Kind = Literal["episode", "symptom", "day", "remedy", "medication"]


class UndoStale(DiaryError):
    """A record was changed again after the action, or is gone: undoing would lose that."""


@dataclass(frozen=True)
class Change:
    """One record's state before and after an action."""

    kind: Kind
    key: str | int | dt.date
    before: BaseModel | None
    after: BaseModel | None


def undo(service: Any, changes: Sequence[Change]) -> None:
    """Restore the `before` state of every change (on a DiaryService or its web wrapper).

    Raises UndoStale, before writing anything, when a record no longer is as
    the action left it."""
    for change in changes:
        if _current(service, change) != change.after:
            raise UndoStale(f"the {change.kind} was changed again since, so nothing was undone")
    for change in reversed(changes):
        _restore(service, change)


def _current(service: Any, change: Change) -> BaseModel | None:
    try:
        current = getattr(service, f"get_{change.kind}")(change.key)
    except NotFound:
        return None
    return getattr(current, "record", current)  # remedies and medications come as Keyed(key, record)


def _restore(service: Any, change: Change) -> None:
    kind, key, before = change.kind, change.key, change.before
    if before is None:  # the action created it
        getattr(service, f"delete_{kind}")(key)
    elif kind == "day":
        service.upsert_day(before, merge=False)
    elif change.after is None:  # the action deleted it: add it again (episodes and symptoms keep their id)
        getattr(service, f"add_{kind}")(before)
    else:
        getattr(service, f"update_{kind}")(key, **before.model_dump(exclude={"id"}))
