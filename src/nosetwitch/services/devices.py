"""Phones paired with a local-mode server (`nosetwitch serve --lan`), table `devices`.

A paired browser holds a long random token in a cookie; only its SHA-256 is
stored, so the table alone lets nobody in. Unpairing deletes the row, and the
token stops working at its next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import sessionmaker

from nosetwitch.storage.database import writer
from nosetwitch.storage.models import DeviceRow

MAX_NAME_LENGTH = 100
LAST_SEEN_STEP = dt.timedelta(minutes=1)
"""`last seen` is written at most once a minute per device, not on every request."""


@dataclass(frozen=True)
class Device:
    pk: int
    name: str
    paired_at: dt.datetime
    last_seen_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def name_from_user_agent(user_agent: str) -> str:
    """'Chrome on Android', 'Safari on iPhone'...: enough to tell one's devices apart."""
    ua = user_agent or ""
    system = next(
        (label for marker, label in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"), ("Mac OS", "Mac"), ("Linux", "Linux")) if marker in ua),
        None,
    )
    browser = next(
        (label for marker, label in (("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("Edg/", "Edge"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari")) if marker in ua),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "A browser"


class DeviceService:
    """The paired devices of one owner."""

    def __init__(self, engine: Engine, owner_id: int):
        self.owner_id = owner_id
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(writer(engine), expire_on_commit=False)

    def pair(self, name: str, now: dt.datetime | None = None) -> tuple[str, Device]:
        """A new device: its secret token (for the cookie, shown nowhere else) and its record."""
        now = now or dt.datetime.now(dt.timezone.utc)
        token = secrets.token_urlsafe(32)
        row = DeviceRow(owner_id=self.owner_id, token_hash=token_hash(token), name=(name.strip() or "A browser")[:MAX_NAME_LENGTH], paired_at=now, last_seen_at=now)
        with self._writes.begin() as session:
            session.add(row)
            session.flush()
            return token, _device(row)

    def recognise(self, token: str, now: dt.datetime | None = None) -> Device | None:
        """The device holding this token, or None (unknown or unpaired); notes when it was last seen."""
        if not token or len(token) > 200:
            return None
        now = now or dt.datetime.now(dt.timezone.utc)
        digest = token_hash(token)
        with self._sessions() as session:
            row = session.scalars(select(DeviceRow).where(DeviceRow.token_hash == digest, DeviceRow.owner_id == self.owner_id)).first()
        if row is None:
            return None
        if now - row.last_seen_at >= LAST_SEEN_STEP:
            with self._writes.begin() as session:
                session.execute(update(DeviceRow).where(DeviceRow.pk == row.pk).values(last_seen_at=now))
            row.last_seen_at = now
        return _device(row)

    def list(self) -> list[Device]:
        with self._sessions() as session:
            rows = session.scalars(select(DeviceRow).where(DeviceRow.owner_id == self.owner_id).order_by(DeviceRow.paired_at))
            return [_device(row) for row in rows]

    def unpair(self, pk: int) -> bool:
        """Forget a device; False when there was no such device."""
        with self._writes.begin() as session:
            result = session.execute(delete(DeviceRow).where(DeviceRow.pk == pk, DeviceRow.owner_id == self.owner_id))
            return cast(CursorResult[Any], result).rowcount > 0  # a DELETE answers a CursorResult (typed as Result)


def _device(row: DeviceRow) -> Device:
    return Device(pk=row.pk, name=row.name, paired_at=row.paired_at, last_seen_at=row.last_seen_at)
