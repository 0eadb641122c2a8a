"""Helpers shared by the CLI command modules: opening the diary, reading times.

Everything here is quick to import (no SQLAlchemy until a service is opened),
so `nosetwitch --help` stays fast. Parsers raise `BadInput` with a message
that names the option; `main.run` prints it as one stderr line, exit code 2.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload
from zoneinfo import ZoneInfo

from nosetwitch.domain.clock import UNIT_SECONDS, NonexistentLocalTime, duration_seconds, wall_time, zone
from nosetwitch.domain.models import EARLIEST_DATE, Diary, OwnFactor, latest_date, moment_in_range
from nosetwitch.domain.problems import one_line
from nosetwitch.interfaces.cli.root import BadInput, settings
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, load_diary_file
from nosetwitch.services.diary_source import UndatedFile, diary_and_moment
from nosetwitch.services.episodes import now_in  # the one 'now, to the second, in a zone' (re-exported to the commands)
from nosetwitch.services.errors import DiaryError
from nosetwitch.storage import DatabaseError

if TYPE_CHECKING:
    from nosetwitch.services.diary import DiaryService

E = TypeVar("E", bound=Enum)
T = TypeVar("T")

_services: dict[str | None, DiaryService] = {}


def open_service() -> DiaryService:
    """The local user's diary in `--db` / `$NOSETWITCH_DATABASE_URL` / the default SQLite file.

    Created (with its schema) on first use; the person's time zone is then set
    to this computer's zone.
    """
    url = settings.db_url
    if url not in _services:
        # lazy: SQLAlchemy loads only when a command opens the diary (start-up time)
        from nosetwitch.services.diary import open_local_diary

        try:
            _services[url] = open_local_diary(url)
        except DatabaseError as exc:
            raise BadInput(str(exc)) from None
    return _services[url]


def guard(action: Callable[[], T]) -> T:
    """Run a service call, turning the service's refusals into one-line CLI errors."""
    try:
        return action()
    except DiaryError as exc:
        raise BadInput(refusal(exc)) from None


def refusal(exc: DiaryError) -> str:
    """The line the CLI prints for a service's refusal, made from its problems:
    'day 2026-03-10: sleep_h: must be at most 24' (each field named as stored)."""
    return one_line(exc.problems, exc.record)
@contextmanager
def opened(diary: AbstractContextManager[T]) -> Iterator[T]:
    """Enter `diary`; a database that cannot be opened or upgraded is one line of BadInput."""
    try:
        with diary as entered:
            yield entered
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None


def forget_services() -> None:
    """Drop cached services (tests switch databases between invocations)."""
    _services.clear()


# --- time ----------------------------------------------------------------------------------

_AGO = re.compile(
    r"^(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s+ago$"
)
_CLOCK = re.compile(r"^(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?$")
_ISO_WITH_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def parse_instant(text: str | None, timezone: str, *, option: str = "--at") -> dt.datetime:
    """When something happened, as an aware datetime in the person's zone.

    Accepts `now`, `10 min ago` / `2h ago` / `1 day ago`, `21:30` (today),
    `yesterday 21:30`, `today 8:05`, `2026-03-10 21:30` (in the person's
    zone) and RFC 3339 with an offset (`2026-03-10T21:30:00+01:00`, kept as
    written). Times in the future are refused.
    """
    tz = zone(timezone)
    now = now_in(timezone)
    if text is None:
        return now
    value = " ".join(text.strip().lower().split())
    result: dt.datetime | None = None
    if value in ("now", ""):
        result = now
    elif match := _AGO.match(value):
        seconds = float(match["amount"]) * UNIT_SECONDS[match["unit"][0]]
        result = (now - dt.timedelta(seconds=seconds)).replace(microsecond=0)
    else:
        day_word, _, clock = value.partition(" ") if value.split(" ")[0] in ("today", "yesterday") else ("today", "", value)
        match = _CLOCK.match(clock)
        if match and int(match["hour"]) < 24 and int(match["minute"] or 0) < 60:
            day = now.date() - dt.timedelta(days=1 if day_word == "yesterday" else 0)
            local = dt.datetime.combine(day, dt.time(int(match["hour"]), int(match["minute"] or 0)))
            result = _wall_time(local, tz, option)
        else:
            result = _parse_iso(text.strip(), tz, option)
    if result is None:
        raise BadInput(
            f"{option}: cannot read {text!r} as a time; try 'now', '10 min ago', '21:30', "
            "'yesterday 21:30' or '2026-03-10T21:30:00+01:00'"
        )
    if result > now + dt.timedelta(minutes=1):
        raise BadInput(f"{option}: {text!r} is in the future ({result.isoformat()})")
    return result


def _wall_time(local: dt.datetime, tz: ZoneInfo, option: str) -> dt.datetime:
    """A wall-clock time in the person's zone (a time the clocks skipped is refused)."""
    try:
        return wall_time(local, tz)
    except NonexistentLocalTime as exc:
        raise BadInput(f"{option}: {exc}") from None


def _parse_iso(text: str, tz: ZoneInfo, option: str = "--at") -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return _wall_time(parsed, tz, option)  # a wall-clock time: the person's zone
    if not _ISO_WITH_OFFSET.search(text):
        return None
    return parsed


def parse_as_of(text: str | None, *, option: str = "--as-of") -> dt.datetime | None:
    """An exact moment for the engines (`--as-of`): RFC 3339 with an offset, or None when not given."""
    if text is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{option}: {text!r} is not a date and time such as 2026-03-10T20:00:00+01:00") from None
    if instant.tzinfo is None:
        raise BadInput(f"{option}: {text!r} has no UTC offset; add one, e.g. {text}+01:00 or {text}Z")
    try:
        return moment_in_range(instant)
    except ValueError as exc:
        raise BadInput(f"{option}: {text!r} {exc}") from None


def load_case_or_stored(case: Path | None, as_of: dt.datetime | None = None, *, undated_file: UndatedFile = "latest record") -> tuple[Diary, dt.datetime]:
    """The diary an engine command reads, and the moment to read it at
    (`services.diary_source.diary_and_moment`): the file `case`, read here with no
    database touched, or the stored diary."""
    file = None
    if case is not None:
        try:
            file = load_diary_file(case)
        except DiaryFormatError as exc:
            raise BadInput(f"{case}: {exc}") from None
    return diary_and_moment(file, open_service, as_of, undated_file=undated_file)


def parse_date(text: str | None, timezone: str, *, option: str = "--date") -> dt.date:
    """A calendar day: `today` (default), `yesterday`, or YYYY-MM-DD."""
    today = now_in(timezone).date()
    if text is None or text.strip().lower() == "today":
        return today
    if text.strip().lower() == "yesterday":
        return today - dt.timedelta(days=1)
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option}: {text!r} is not a date (use YYYY-MM-DD, 'today' or 'yesterday')") from None
    if not EARLIEST_DATE <= day <= latest_date():
        raise BadInput(f"{option}: {day.isoformat()} lies before 1900 or more than a day in the future; check the date")
    return day


def parse_duration(text: str | None, *, option: str = "--duration") -> float | None:
    """Seconds from `30s`, `2m`, `1m30s`, `1.5min`, `1h`, `1:30` or a bare number (seconds)."""
    if text is None:
        return None
    try:
        return duration_seconds(text)
    except ValueError:
        raise BadInput(f"{option}: cannot read {text!r} as a duration; try 30s, 2m, 1m30s or 90 (seconds)") from None


def parse_choices(text: str | None, allowed: type[E], *, option: str) -> list[E]:
    """A comma-separated list of codes of an enum, e.g. `nose,eyelid`, each checked."""
    if text is None:
        return []
    values = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        values.append(parse_choice(part, allowed, option=option))
    return values


@overload
def parse_choice(text: str, allowed: type[E], *, option: str) -> E: ...
@overload
def parse_choice(text: str | None, allowed: type[E], *, option: str) -> E | None: ...
def parse_choice(text: str | None, allowed: type[E], *, option: str) -> E | None:
    """One code of an enum (e.g. `--side left`), with the allowed codes in the error."""
    if text is None:
        return None
    try:
        return allowed(text.strip().lower())
    except ValueError:
        codes = ", ".join(member.value for member in allowed)
        raise BadInput(f"{option}: unknown value {text!r} (choose from: {codes})") from None


# --- own factors ---------------------------------------------------------------------------

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


def parse_own_values(pairs: list[str], factors: Iterable[OwnFactor]) -> dict[str, bool | int | float]:
    """`KEY=VALUE` pairs of `log day --own`, each read by its factor's kind (yes/no, 0-10, number)."""
    declared = {factor.key: factor for factor in factors}
    values: dict[str, bool | int | float] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip(), text.strip().lower()
        if not sep or not key or not text:
            raise BadInput(f"--own: expected KEY=VALUE, e.g. --own antihistamine=yes (got {pair!r})")
        factor = declared.get(key)
        if factor is None:
            known = ", ".join(declared) or "none yet; add one with `nosetwitch factor add KEY`"
            raise BadInput(f"--own {key}: not one of your own factors (yours: {known})")
        values[key] = _own_value(factor, text)
    return values


def _own_value(factor: OwnFactor, text: str) -> bool | int | float:
    kind = factor.kind.value
    if kind == "yes_no":
        if text in _YES or text in _NO:
            return text in _YES
        raise BadInput(f"--own {factor.key}: expected yes or no, got {text!r}")
    try:
        number = float(text)
    except ValueError:
        raise BadInput(f"--own {factor.key}: expected a number, got {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise BadInput(f"--own {factor.key}: expected a number of 0 or more, got {text!r}")
    if kind == "scale":
        if not number.is_integer() or number > 10:
            raise BadInput(f"--own {factor.key}: expected a whole number from 0 to 10, got {text!r}")
        return int(number)
    return int(number) if number.is_integer() else number
