"""Oura: the data export of the Oura web account (JSON, or CSV files of sleep and activity).

- sleep_h: each sleep period's asleep time (`total_sleep_duration` or, in the
  older export, `total`, in seconds; without them deep + light + REM) counts
  on the local day its `bedtime_end` falls on (naps add to that day). A
  period repeated (same `id` or same bedtime) counts once. Without a
  `bedtime_end`, its `day` is used.
- exercise_min: high + medium activity of the daily activity summary
  (`high_activity_time` + `medium_activity_time` in seconds, or the older
  `high` + `medium` in minutes), on its `day` / `summary_date`.

Readiness, scores, heart rate and the rest are not check-in factors.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from nosetwitch.interfaces.interchange.health.common import (
    HealthDays,
    HealthFileError,
    Progress,
    iso_instant,
    members,
    no_progress,
    number,
    open_zip,
    read_member_bytes,
    utf8,
)

MAX_FILE_BYTES = 128 * 2**20  # a decade of Oura data is a few MB
SLEEP_KEYS = ("sleep", "sleep_periods", "daily_sleep_periods")
ACTIVITY_KEYS = ("activity", "daily_activity")
SLEEP_COLUMNS = {"bedtime_end", "total_sleep_duration", "total"}
ACTIVITY_COLUMNS = {"high_activity_time", "medium_activity_time", "high", "medium"}


def looks_like_oura_json(document) -> bool:
    return isinstance(document, dict) and any(k in document for k in SLEEP_KEYS + ACTIVITY_KEYS)


def looks_like_oura_csv(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return bool(names & {"bedtime_end", "total_sleep_duration", "high_activity_time", "medium_activity_time"})


class _Reader:
    def __init__(self, label: str, tz: ZoneInfo):
        self.label = label
        self.tz = tz
        self.days = HealthDays(source="oura")
        self.sleep: dict[object, tuple[dt.date, float]] = {}
        self.activity: dict[dt.date, float] = {}

    def sleep_period(self, entry: dict, at: str) -> None:
        seconds = _first(entry, ("total_sleep_duration", "total"), at)
        if seconds is None:
            stages = [_first(entry, (k,), at) for k in ("deep_sleep_duration", "light_sleep_duration", "rem_sleep_duration")]
            if all(s is None for s in stages):
                stages = [_first(entry, (k,), at) for k in ("deep", "light", "rem")]
            if all(s is None for s in stages):
                return  # a period without sleep time (a rest period, a bare score)
            seconds = sum(s or 0 for s in stages)
        end = entry.get("bedtime_end")
        if end:
            try:
                day = iso_instant(str(end)).astimezone(self.tz).date()
            except ValueError:
                raise HealthFileError(f"{at}: bedtime_end {end!r} is not a date and time with an offset") from None
        else:
            day = _day(entry.get("day"), at)
        key = entry.get("id") or (entry.get("bedtime_start"), end, day)
        self.sleep[key] = (day, seconds / 3600)
        self.days.records += 1

    def activity_day(self, entry: dict, at: str) -> None:
        day = _day(entry.get("day") or entry.get("summary_date") or entry.get("date"), at)
        high = _first(entry, ("high_activity_time",), at)
        medium = _first(entry, ("medium_activity_time",), at)
        if high is not None or medium is not None:
            minutes = ((high or 0) + (medium or 0)) / 60
        else:
            high = _first(entry, ("high",), at)
            medium = _first(entry, ("medium",), at)
            if high is None and medium is None:
                return
            minutes = (high or 0) + (medium or 0)
        self.activity[day] = minutes
        self.days.records += 1

    def document(self, name: str, data: bytes) -> None:
        where = f"{self.label}: {name}" if name != self.label else self.label
        text = utf8(data, where)
        if not text.strip():
            raise HealthFileError(f"{where}: the file is empty")
        if name.lower().endswith(".csv") or not text.lstrip().startswith(("{", "[")):
            self.csv_file(text, where)
            return
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HealthFileError(f"{where}: broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if isinstance(document, dict) and "data" in document and isinstance(document["data"], list):
            # one API collection: sleep periods or daily activity, told apart by their fields
            for index, entry in enumerate(document["data"]):
                self._entry(entry, f"{where}: data[{index}]")
            return
        if not looks_like_oura_json(document):
            raise HealthFileError(f"{where}: not an Oura export (expected \"sleep\" or \"activity\" lists)")
        for key in SLEEP_KEYS:
            for index, entry in enumerate(_list(document.get(key, []), f"{where}: {key}")):
                self.sleep_period(_object(entry, f"{where}: {key}[{index}]"), f"{where}: {key}[{index}]")
        for key in ACTIVITY_KEYS:
            for index, entry in enumerate(_list(document.get(key, []), f"{where}: {key}")):
                self.activity_day(_object(entry, f"{where}: {key}[{index}]"), f"{where}: {key}[{index}]")

    def _entry(self, entry, at: str) -> None:
        entry = _object(entry, at)
        if "bedtime_end" in entry or "total_sleep_duration" in entry:
            self.sleep_period(entry, at)
        elif ACTIVITY_COLUMNS & set(entry):
            self.activity_day(entry, at)

    def csv_file(self, text: str, where: str) -> None:
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        rows = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        try:
            header = [h.strip().lower() for h in rows.fieldnames or []]
            if not looks_like_oura_csv(header):
                raise HealthFileError(f"{where}: not an Oura CSV (no bedtime_end, total_sleep_duration or activity time columns)")
            for row in rows:
                clean = {k.strip().lower(): v for k, v in row.items() if k and v not in (None, "")}
                self._entry(clean, f"{where}: line {rows.line_num}")
        except csv.Error as exc:
            raise HealthFileError(f"{where}: broken CSV at line {rows.line_num}: {exc}") from None

    def finish(self) -> HealthDays:
        for day, hours in self.sleep.values():
            self.days.add("sleep_h", day, hours)
        for day, minutes in self.activity.items():
            self.days.put("exercise_min", day, minutes)
        if not self.days.records:
            raise HealthFileError(f"{self.label}: no Oura sleep periods or activity days found in it")
        return self.days


def _first(entry: dict, keys, at: str) -> float | None:
    for key in keys:
        value = entry.get(key)
        if value not in (None, ""):
            return number(value, f"{at}: {key}")
    return None


def _day(value, at: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        raise HealthFileError(f"{at}: {value!r} is not a date (YYYY-MM-DD)") from None


def _list(value, at: str) -> list:
    if not isinstance(value, list):
        raise HealthFileError(f"{at}: expected a list, found {type(value).__name__}")
    return value


def _object(value, at: str) -> dict:
    if not isinstance(value, dict):
        raise HealthFileError(f"{at}: expected an object, found {type(value).__name__}")
    return value


def read_oura(path: Path, label: str, tz: ZoneInfo, progress: Progress = no_progress) -> HealthDays:
    """An Oura JSON or CSV file, or a zip of them."""
    import zipfile

    reader = _Reader(label, tz)
    if zipfile.is_zipfile(path):
        with open_zip(path, label) as archive:
            wanted = [i for i in members(archive) if i.filename.lower().endswith((".json", ".csv"))]
            total = sum(i.file_size for i in wanted) or 1
            done = 0
            for info in wanted:
                reader.document(info.filename, read_member_bytes(archive, info, label, MAX_FILE_BYTES))
                done += info.file_size
                progress(done, total)
    else:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise HealthFileError(f"{label}: {size:,} bytes is more than an Oura export holds")
        data = path.read_bytes()
        reader.document(label, data)
        progress(len(data), len(data) or 1)
    return reader.finish()
