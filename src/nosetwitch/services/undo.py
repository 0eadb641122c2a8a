"""Undo: put records back the way they were before one action.

An action (logging a twitch, saving a form, deleting) is described by the
`Change`s it made, each a record's state `before` and `after` (None: the
record did not exist / no longer exists). `undo()` first checks that every
record is still exactly as the action left it (a later edit is not thrown
away by an old undo), then restores the `before` states, last change first.

Records are addressed as the diary service addresses them: episodes and
symptoms by id, day check-ins by date, remedies and medications by key.

`UndoLog` keeps the changes of an action in the database (table
`undo_actions`) under a random token for a few minutes, so that any server
process (a clinic runs several) can undo it; only a SHA-256 of the token is
stored, and a row is used once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from nosetwitch.domain.models import DayCheckIn, Episode, Medication, RemedyAttempt, Symptom
from nosetwitch.services.errors import DiaryError, NotFound
from nosetwitch.storage.database import writer
from nosetwitch.storage.models import UndoRow

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


# --- kept for a few minutes ---------------------------------------------------------------

UNDO_SECONDS = 300
"""How long an action can be undone: 5 minutes."""

_MODELS: dict[str, type[BaseModel]] = {"episode": Episode, "symptom": Symptom, "day": DayCheckIn, "remedy": RemedyAttempt, "medication": Medication}


@dataclass(frozen=True)
class Pending:
    """An action that can still be undone: its changes, what to say once undone, and where."""

    changes: tuple[Change, ...]
    done: str
    then: str | None


class UndoLog:
    """The undoable actions of one owner (table `undo_actions`)."""

    def __init__(self, engine: Engine, owner_id: int, *, seconds: float = UNDO_SECONDS):
        self.owner_id = owner_id
        self.seconds = seconds
        self._writes = sessionmaker(writer(engine), expire_on_commit=False)

    def remember(self, changes: Sequence[Change], done: str, then: str | None = None, now: dt.datetime | None = None) -> str:
        """Keep an action's changes; returns the token its Undo button carries."""
        now = now or dt.datetime.now(dt.timezone.utc)
        token = secrets.token_urlsafe(24)
        with self._writes.begin() as session:
            session.execute(delete(UndoRow).where(UndoRow.owner_id == self.owner_id, UndoRow.expires_at < now))
            session.add(UndoRow(token_hash=_digest(token), owner_id=self.owner_id, expires_at=now + dt.timedelta(seconds=self.seconds), changes=[_dumped(c) for c in changes], done=done, then=then))
        return token

    def take(self, token: str, now: dt.datetime | None = None) -> Pending | None:
        """The action of this token, once; None when unknown, used, expired or another owner's."""
        if not token or len(token) > 200:
            return None
        now = now or dt.datetime.now(dt.timezone.utc)
        with self._writes.begin() as session:
            row = session.scalars(select(UndoRow).where(UndoRow.token_hash == _digest(token), UndoRow.owner_id == self.owner_id)).first()
            if row is None:
                return None
            session.delete(row)
            if row.expires_at < now:
                return None
            return Pending(tuple(_loaded(c) for c in row.changes), row.done, row.then)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _dumped(change: Change) -> dict[str, Any]:
    key = change.key.isoformat() if isinstance(change.key, dt.date) else change.key
    state = {name: getattr(change, name).model_dump(mode="json") if getattr(change, name) is not None else None for name in ("before", "after")}
    return {"kind": change.kind, "key": key, **state}


def _loaded(data: dict[str, Any]) -> Change:
    model = _MODELS[data["kind"]]
    key = dt.date.fromisoformat(data["key"]) if data["kind"] == "day" else data["key"]
    before, after = (model.model_validate(data[name]) if data[name] is not None else None for name in ("before", "after"))
    return Change(data["kind"], key, before, after)
