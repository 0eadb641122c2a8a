"""Sessions kept on the server: a row per logged-in browser (or one-time link).

The browser holds a random secret (in its signed session cookie); the table
`sessions` holds only the secret's SHA-256, the owner, when it was made and
last used, and when it expires. Every worker reads the same table, so ending
a session (logout, a password change, "log out everywhere", deleting the
account) takes effect at once everywhere, and a copied cookie replayed later
finds nothing.

Rules (docs/web.md, "Sessions"):
- a web session ends after `IDLE_S` without a request (2 days) and at the
  latest `MAX_AGE_S` after login (14 days);
- a password-reset link (`kind="reset"`) works once, within `RESET_S` (1 hour).

The table is generic (`kind`, `label`) so that other secrets standing for a
person (a paired phone...) can live in it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session

from nosetwitch.storage.database import open_engine, writer
from nosetwitch.storage.models import SessionRow

IDLE_S = 2 * 24 * 3600
MAX_AGE_S = 14 * 24 * 3600
RESET_S = 3600
TOUCH_EVERY_S = 60
"""`last_seen_at` is written at most once a minute per session (not on every request)."""

WEB = "web"
RESET = "reset"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    """The `sessions` table of one database."""

    def __init__(self, database_url: str | None):
        self.engine = open_engine(database_url)

    def create(self, owner_id: int, *, kind: str = WEB, label: str | None = None, lifetime_s: int = MAX_AGE_S) -> str:
        """A new secret for `owner_id`; only its hash is stored. Expired rows are swept here."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with Session(writer(self.engine)) as session, session.begin():
            session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            session.add(
                SessionRow(
                    token_hash=token_hash(token), owner_id=owner_id, kind=kind, label=label,
                    created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(seconds=lifetime_s),
                )
            )  # fmt: skip
        return token

    def owner(self, token: str | None, *, kind: str = WEB, idle_s: int = IDLE_S) -> int | None:
        """The owner of a live session, or None (unknown, ended, expired or idle too long)."""
        if not token or not isinstance(token, str):
            return None
        hashed, now = token_hash(token), _now()
        with Session(self.engine) as session:
            row = session.get(SessionRow, hashed)
            if row is None or row.kind != kind:
                return None
            if row.expires_at <= now or row.last_seen_at + dt.timedelta(seconds=idle_s) <= now:
                self.end(token)
                return None
            owner_id = row.owner_id
            if now - row.last_seen_at >= dt.timedelta(seconds=TOUCH_EVERY_S):
                session.execute(update(SessionRow).where(SessionRow.token_hash == hashed).values(last_seen_at=now))
                session.commit()
            return owner_id

    def consume(self, token: str | None, *, kind: str = RESET) -> int | None:
        """The owner of a one-time secret, which is used up by this call (None when unknown or expired)."""
        if not token or not isinstance(token, str):
            return None
        hashed, now = token_hash(token), _now()
        with Session(writer(self.engine)) as session, session.begin():
            row = session.get(SessionRow, hashed)
            if row is None or row.kind != kind:
                return None
            owner_id, live = row.owner_id, row.expires_at > now
            # The DELETE decides: of two requests with the same link, one deletes the row.
            gone = _rows_changed(session.execute(delete(SessionRow).where(SessionRow.token_hash == hashed)))
        return owner_id if gone == 1 and live else None

    def peek(self, token: str | None, *, kind: str = RESET) -> int | None:
        """The owner of a live one-time secret, without using it up (to show the form)."""
        if not token or not isinstance(token, str):
            return None
        with Session(self.engine) as session:
            row = session.get(SessionRow, token_hash(token))
            return row.owner_id if row is not None and row.kind == kind and row.expires_at > _now() else None

    def end(self, token: str | None) -> None:
        if token and isinstance(token, str):
            with Session(writer(self.engine)) as session, session.begin():
                session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))

    def end_all(self, owner_id: int, *, kind: str | None = WEB, keep: str | None = None) -> int:
        """End every session of `owner_id` (of one kind, or all kinds), except `keep`; how many ended."""
        statement = delete(SessionRow).where(SessionRow.owner_id == owner_id)
        if kind is not None:
            statement = statement.where(SessionRow.kind == kind)
        if keep:
            statement = statement.where(SessionRow.token_hash != token_hash(keep))
        with Session(writer(self.engine)) as session, session.begin():
            return _rows_changed(session.execute(statement))

    def count(self, owner_id: int, *, kind: str = WEB) -> int:
        with Session(self.engine) as session:
            rows = session.scalars(select(SessionRow.expires_at).where(SessionRow.owner_id == owner_id, SessionRow.kind == kind))
            return sum(1 for expires in rows if expires > _now())


def _rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed: its answer is a CursorResult, which
    Session.execute types as a plain Result."""
    return cast(CursorResult[Any], result).rowcount
