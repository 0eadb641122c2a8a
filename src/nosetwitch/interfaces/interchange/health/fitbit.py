"""Fitbit, from Google Takeout (takeout.google.com > Fitbit): the zip, its folder, or one JSON file.

Files read (all under `Takeout/Fitbit/Global Export Data/`, one file per
month or per day, named `<kind>-YYYY-MM-DD.json`):

- `sleep-*.json`: a list of sleep logs; `minutesAsleep` of each log counts on
  its `dateOfSleep` (Fitbit's own "day the sleep ends"); logs repeated in
  several files (same `logId`) count once. Naps add to the day.
- `very_active_minutes-*.json` and `moderately_active_minutes-*.json`:
  `[{"dateTime": "MM/DD/YY 00:00:00", "value": "23"}]`, one entry per day;
  exercise_min is very + moderately active minutes (light activity is not
  exercise).
- `water_logs-*.json` / `water-*.json`: entries with a date and an amount in
  millilitres; water_l is their sum per day.

Fitbit writes local wall-clock dates without a zone: they are taken as the
person's own days. Steps, heart rate, calories and the rest are not factors
of the day check-in and are skipped unread.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from nosetwitch.interfaces.interchange.health.common import (
    HealthDays,
    HealthFileError,
    Progress,
    check_member_name,
    members,
    no_progress,
    number,
    open_zip,
    read_member_bytes,
    utf8,
)

MAX_JSON_BYTES = 64 * 2**20  # one month of sleep logs is well under 1 MB
_NAME = re.compile(r"(?:^|/)(sleep|very_active_minutes|moderately_active_minutes|water_logs|water)[-_ ](\d{4}-\d{2}-\d{2})?[^/]*\.json$", re.IGNORECASE)


def kind_of(name: str) -> str | None:
    match = _NAME.search(name.replace("\\", "/"))
    return match[1].lower() if match else None


def looks_like_fitbit(names: list[str]) -> bool:
    return any(kind_of(n) for n in names) and (any("fitbit" in n.lower() or "global export data" in n.lower() for n in names) or any(kind_of(n) == "sleep" for n in names))


class _Reader:
    def __init__(self, label: str):
        self.label = label
        self.days = HealthDays(source="fitbit")
        self.sleep_logs: dict[object, tuple[dt.date, float]] = {}
        self.active: dict[str, dict[dt.date, float]] = {"very_active_minutes": {}, "moderately_active_minutes": {}}
        self.water: dict[tuple, float] = {}

    def read(self, name: str, data: bytes) -> None:
        kind = kind_of(name)
        if kind is None:
            return
        where = f"{self.label}: {name}" if name != self.label else self.label
        if not data.strip():
            raise HealthFileError(f"{where}: the file is empty")
        try:
            entries = json.loads(utf8(data, where))
        except json.JSONDecodeError as exc:
            raise HealthFileError(f"{where}: broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if not isinstance(entries, list):
            raise HealthFileError(f"{where}: expected a list of entries, found {type(entries).__name__}")
        for index, entry in enumerate(entries):
            at = f"{where}: entry {index + 1}"
            if not isinstance(entry, dict):
                raise HealthFileError(f"{at}: expected an object, found {type(entry).__name__}")
            try:
                if kind == "sleep":
                    self._sleep(entry, at)
                elif kind in self.active:
                    day = _fitbit_date(entry["dateTime"], at)
                    self.active[kind][day] = number(entry["value"], f"{at}: value")
                else:
                    self._water(entry, at)
            except KeyError as exc:
                raise HealthFileError(f"{at}: the field {exc.args[0]!r} is missing") from None
            self.days.records += 1

    def _sleep(self, entry: dict, at: str) -> None:
        day = _fitbit_date(entry["dateOfSleep"], at)
        minutes = number(entry["minutesAsleep"], f"{at}: minutesAsleep")
        key = entry.get("logId") or (entry.get("startTime"), entry.get("endTime"))
        self.sleep_logs[key] = (day, minutes)

    def _water(self, entry: dict, at: str) -> None:
        raw_day = entry.get("dateTime") or entry.get("date") or entry.get("logDate")
        if raw_day is None:
            raise KeyError("dateTime")
        day = _fitbit_date(raw_day, at)
        amount = entry.get("value", entry.get("amount", entry.get("waterAmount")))
        if amount is None:
            raise KeyError("value")
        key = (entry.get("logId") or raw_day, day)
        self.water[key] = number(amount, f"{at}: amount") / 1000

    def finish(self) -> HealthDays:
        for day, minutes in self.sleep_logs.values():
            self.days.add("sleep_h", day, minutes / 60)
        for kind in self.active:
            for day, minutes in self.active[kind].items():
                self.days.add("exercise_min", day, minutes)
        for (_, day), litres in self.water.items():
            self.days.add("water_l", day, litres)
        if not self.days.records:
            raise HealthFileError(f"{self.label}: no Fitbit sleep, active-minutes or water files found in it")
        return self.days


def _fitbit_date(text, at: str) -> dt.date:
    value = str(text).strip()
    try:
        if "/" in value[:8]:
            return dt.datetime.strptime(value.split(" ")[0], "%m/%d/%y").date()
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise HealthFileError(f"{at}: {text!r} is not a date") from None


def read_fitbit(path: Path, label: str, tz: ZoneInfo, progress: Progress = no_progress) -> HealthDays:
    """A Takeout zip, a folder of it, or one of its JSON files."""
    import zipfile

    reader = _Reader(label)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if kind_of(p.as_posix()))
        total = sum(p.stat().st_size for p in files) or 1
        done = 0
        for file in files:
            data = file.read_bytes()
            reader.read(file.relative_to(path).as_posix(), data)
            done += len(data)
            progress(done, total)
    elif zipfile.is_zipfile(path):
        with open_zip(path, label) as archive:
            wanted = [i for i in members(archive) if kind_of(i.filename)]
            total = sum(i.file_size for i in wanted) or 1
            done = 0
            for info in wanted:
                check_member_name(info.filename, label)
                reader.read(info.filename, read_member_bytes(archive, info, label, MAX_JSON_BYTES))
                done += info.file_size
                progress(done, total)
    else:
        data = path.read_bytes()
        if kind_of(label) is None:
            raise HealthFileError(f"{label}: not a Fitbit file (expected sleep-*.json, very_active_minutes-*.json, ... from Google Takeout)")
        reader.read(label, data)
        progress(len(data), len(data) or 1)
    return reader.finish()
