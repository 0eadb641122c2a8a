"""A generic CSV: one row a day, a date column and factor columns (spreadsheets, Daylio, Bearable...).

Columns are found by name, ignoring case, spaces and punctuation: the factor
names themselves (`sleep_h`, `caffeine_mg`, ...) or the plain words below
(`Sleep`, `Caffeine`, `Water`...). `--map sleep_h=Schlaf,water_l=Drinks`
names them when the file uses other words. The date column is the first
of `date`, `day`, `full_date`, `datetime`, unless mapped with `date=...`.

Dates: YYYY-MM-DD (a time after it is ignored), DD.MM.YYYY or MM/DD/YYYY.
Numbers may use a decimal comma. Several rows for one date add up (two
coffees logged apart, a nap); an exact repeat of a whole row counts once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from nosetwitch.interfaces.interchange.health.common import (
    FACTORS,
    HealthDays,
    HealthFileError,
    Progress,
    no_progress,
    number,
    utf8,
)

MAX_CSV_BYTES = 256 * 2**20
DATE_COLUMNS = ("date", "day", "fulldate", "datetime", "datum", "fecha")
ALIASES: dict[str, tuple[str, ...]] = {
    "sleep_h": ("sleep", "sleephours", "hoursslept", "sleepduration", "hoursofsleep"),
    "caffeine_mg": ("caffeine", "caffeinemg", "coffeemg"),
    "water_l": ("water", "waterl", "waterlitres", "waterliters", "fluids", "fluidsl"),
    "magnesium_mg": ("magnesium",),
    "potassium_mg": ("potassium",),
    "calcium_mg": ("calcium",),
    "exercise_min": ("exercise", "exerciseminutes", "activeminutes", "workoutminutes"),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_mapping(text: str | None) -> dict[str, str]:
    """'sleep_h=Sleep,caffeine_mg=Caffeine' as {factor: column}; errors name the bad part."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        factor, sep, column = part.partition("=")
        factor, column = factor.strip(), column.strip()
        if not sep or not column:
            raise HealthFileError(f"--map: {part!r} is not FACTOR=COLUMN (e.g. sleep_h=Sleep)")
        if factor not in FACTORS and factor != "date":
            raise HealthFileError(f"--map: unknown factor {factor!r} (choose from: date, {', '.join(FACTORS)})")
        mapping[factor] = column
    return mapping


def parse_day(text: str, where: str) -> dt.date:
    value = text.strip()
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value[:10])
        if re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$", value):
            return dt.datetime.strptime(value, "%d.%m.%Y").date()
        if re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", value):
            return dt.datetime.strptime(value, "%m/%d/%Y").date()
    except ValueError:
        pass
    raise HealthFileError(f"{where}: {text!r} is not a date (use YYYY-MM-DD)")


def read_csv_text(text: str, label: str, mapping: dict[str, str] | None = None) -> HealthDays:
    days = HealthDays(source="csv")
    if not text.strip():
        raise HealthFileError(f"{label}: the file is empty")
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise HealthFileError(f"{label}: the file is empty") from None
    except csv.Error as exc:
        raise HealthFileError(f"{label}: broken CSV at line 1: {exc}") from None
    columns = _columns(header, mapping or {}, label)
    date_index = columns.pop("date")
    seen: set[tuple[str, ...]] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if tuple(row) in seen:
                continue
            seen.add(tuple(row))
            if len(row) <= date_index or not row[date_index].strip():
                raise HealthFileError(f"{label}: line {line}: the date ({header[date_index]!r}) is missing")
            day = parse_day(row[date_index], f"{label}: line {line}, column {header[date_index]!r}")
            used = False
            for factor, index in columns.items():
                if index < len(row) and row[index].strip():
                    value = number(row[index], f"{label}: line {line}, column {header[index]!r}")
                    if value < 0:
                        raise HealthFileError(f"{label}: line {line}, column {header[index]!r}: {row[index]!r} is negative")
                    days.add(factor, day, value)
                    used = True
            days.records += used
    except csv.Error as exc:
        raise HealthFileError(f"{label}: broken CSV at line {reader.line_num}: {exc}") from None
    return days


def _columns(header: list[str], mapping: dict[str, str], label: str) -> dict[str, int]:
    keys = [_key(h) for h in header]
    found: dict[str, int] = {}
    for factor, column in mapping.items():
        if _key(column) not in keys:
            raise HealthFileError(f"--map: the file {label} has no column {column!r} (its columns: {', '.join(header)})")
        found[factor] = keys.index(_key(column))
    if "date" not in found:
        for name in DATE_COLUMNS:
            if name in keys:
                found["date"] = keys.index(name)
                break
        else:
            raise HealthFileError(f"{label}: no date column (name one 'date', or give --map date=COLUMN); its columns: {', '.join(header)}")
    for factor in FACTORS:
        if factor in found:
            continue
        for name in (_key(factor), *ALIASES[factor]):
            if name in keys and keys.index(name) not in found.values():
                found[factor] = keys.index(name)
                break
    if len(found) == 1:
        raise HealthFileError(
            f"{label}: no factor columns found (its columns: {', '.join(header)}); "
            "name them like sleep_h, caffeine_mg, water_l... or give --map sleep_h=COLUMN"
        )
    return found


def read_csv(path: Path, label: str, tz: ZoneInfo, progress: Progress = no_progress, mapping: dict[str, str] | None = None) -> HealthDays:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise HealthFileError(f"{label}: {size:,} bytes is more than a one-row-a-day CSV holds")
    data = path.read_bytes()
    if not data:
        raise HealthFileError(f"{label}: the file is empty (0 bytes)")
    text = utf8(data, label)
    progress(len(data), len(data))
    return read_csv_text(text, label, mapping)
