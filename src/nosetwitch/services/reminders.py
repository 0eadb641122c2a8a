"""The daily check-in reminder of one person (table `reminders`).

A reminder is a local time and the days of the week it repeats on. It is
delivered by the person's own calendar: nosetwitch writes an iCalendar file
(`interfaces/interchange/ics.py`) to download, or serves it at a secret URL
a calendar app can subscribe to. The URL's token is random per person and
can be replaced (`new_link`), which ends the old URL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from nosetwitch.storage.database import writer
from nosetwitch.storage.models import ReminderRow

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""RFC 5545 BYDAY codes, Monday first (Python's `date.weekday()` order)."""
DEFAULT_TIME = dt.time(20, 0)


@dataclass(frozen=True)
class Reminder:
    at: dt.time
    days: tuple[str, ...]
    calendar_token: str

    @property
    def every_day(self) -> bool:
        return len(self.days) == len(WEEKDAYS)


class ReminderService:
    def __init__(self, engine: Engine, owner_id: int):
        self.owner_id = owner_id
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(writer(engine), expire_on_commit=False)

    def get(self) -> Reminder | None:
        with self._sessions() as session:
            row = session.get(ReminderRow, self.owner_id)
            return _reminder(row) if row is not None else None

    def set(self, at: dt.time, days: list[str] | tuple[str, ...]) -> Reminder:
        """Choose the time and days (at least one; codes from WEEKDAYS); the link stays the same."""
        chosen = tuple(day for day in WEEKDAYS if day in set(days))
        unknown = set(days) - set(WEEKDAYS)
        if unknown or not chosen:
            raise ValueError("choose at least one day of the week" if not unknown else f"unknown day {sorted(unknown)[0]!r}")
        with self._writes.begin() as session:
            row = session.get(ReminderRow, self.owner_id)
            if row is None:
                row = ReminderRow(owner_id=self.owner_id, calendar_token=_new_token())
                session.add(row)
            row.at_minute = at.hour * 60 + at.minute
            row.days = ",".join(chosen)
            return _reminder(row)

    def new_link(self) -> Reminder | None:
        """A new calendar token: the old subscription URL stops working."""
        with self._writes.begin() as session:
            row = session.get(ReminderRow, self.owner_id)
            if row is None:
                return None
            row.calendar_token = _new_token()
            return _reminder(row)

    def delete(self) -> None:
        with self._writes.begin() as session:
            row = session.get(ReminderRow, self.owner_id)
            if row is not None:
                session.delete(row)


def owner_of_calendar(engine: Engine, token: str) -> tuple[int, Reminder] | None:
    """Whose reminder a calendar token opens (the subscription URL needs no login)."""
    if not token or len(token) > 64:
        return None
    with sessionmaker(engine)() as session:
        row = session.scalars(select(ReminderRow).where(ReminderRow.calendar_token == token)).first()
        if row is None or not secrets.compare_digest(row.calendar_token, token):
            return None
        return row.owner_id, _reminder(row)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _reminder(row: ReminderRow) -> Reminder:
    return Reminder(at=dt.time(row.at_minute // 60, row.at_minute % 60), days=tuple(row.days.split(",")), calendar_token=row.calendar_token)
