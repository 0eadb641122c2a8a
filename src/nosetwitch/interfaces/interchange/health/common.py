"""What every health-export reader shares: the result, errors, units, intervals, safe archives.

A reader turns one export into `HealthDays`: for each day check-in factor, a
value per local calendar day of the person's time zone. Readers never touch the
database; `nosetwitch.services.health_import` decides what is stored.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

Progress = Callable[[int, int], None]
"""Called as progress(done, total) with bytes read so far and the bytes to read in all."""

FACTORS: tuple[str, ...] = (
    "sleep_h",
    "caffeine_mg",
    "water_l",
    "magnesium_mg",
    "potassium_mg",
    "calcium_mg",
    "exercise_min",
)
"""The day check-in factors an export can fill."""

EXTRA_MEASURES: tuple[str, ...] = ("mindful_min",)
"""Measures read but not stored: the day check-in has no field for them (yet)."""

DECIMALS = {"sleep_h": 2, "water_l": 3, "caffeine_mg": 1, "magnesium_mg": 1, "potassium_mg": 1, "calcium_mg": 1, "exercise_min": 1, "mindful_min": 1}
"""Values are rounded like this, so that reading the same file twice gives equal numbers."""

SLEEP_SESSION_GAP_S = 3 * 3600
"""Pieces of sleep less than this far apart are one sleep, counted on the day the sleep ends."""


class HealthFileError(Exception):
    """The file cannot be read; the message names the file and where it broke."""


def no_progress(done: int, total: int) -> None:
    pass


@dataclass
class HealthDays:
    """What one export says about each local day."""

    source: str
    values: dict[str, dict[dt.date, float]] = field(default_factory=lambda: defaultdict(dict))
    records: int = 0  # records read that fed a factor
    notes: list[str] = field(default_factory=list)  # things the person should know (unknown units...)

    def add(self, factor: str, day: dt.date, amount: float) -> None:
        days = self.values[factor]
        days[day] = days.get(day, 0.0) + amount

    def put(self, factor: str, day: dt.date, value: float) -> None:
        self.values[factor][day] = value

    def rounded(self) -> dict[str, dict[dt.date, float]]:
        return {
            factor: {day: round(value, DECIMALS[factor]) for day, value in sorted(days.items())}
            for factor, days in self.values.items()
            if days
        }


# --- units --------------------------------------------------------------------------------

MG_PER_UNIT = {"mg": 1.0, "g": 1000.0, "kg": 1e6, "mcg": 0.001, "µg": 0.001, "ug": 0.001, "oz": 28349.523125, "lb": 453592.37}
L_PER_UNIT = {
    "ml": 0.001,
    "l": 1.0,
    "dl": 0.1,
    "cl": 0.01,
    "fl_oz_us": 0.0295735295625,
    "fl_oz_imp": 0.0284130625,
    "cup_us": 0.2365882365,
    "cup_imp": 0.284130625,
    "pt_us": 0.473176473,
    "pt_imp": 0.56826125,
}
MIN_PER_UNIT = {"min": 1.0, "s": 1 / 60, "h": 60.0, "hr": 60.0}


def convert(amount: float, unit: str, table: dict[str, float]) -> float | None:
    """`amount` in `unit` converted by `table`, or None for a unit the table does not know."""
    factor = table.get(unit) or table.get(unit.lower())
    return None if factor is None else amount * factor


# --- time ---------------------------------------------------------------------------------

_OFFSETS: dict[str, dt.timezone] = {}


def fixed_offset(text: str) -> dt.timezone:
    """'+0100' / '-05:30' / 'Z' as a tzinfo (cached: exports repeat a handful of offsets)."""
    tz = _OFFSETS.get(text)
    if tz is None:
        clean = text.replace(":", "").strip()
        if clean in ("Z", "z", "", "+0000", "-0000"):
            tz = dt.timezone.utc
        else:
            sign = -1 if clean[0] == "-" else 1
            digits = clean.lstrip("+-")
            if not digits.isdigit() or len(digits) != 4:
                raise ValueError(f"not a UTC offset: {text!r}")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        _OFFSETS[text] = tz
    return tz


def iso_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant with an offset ('2024-03-10T07:05:00+01:00', '...Z', '...000+0100')."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return value


def union(starts, ends) -> list[tuple[float, float]]:
    """Intervals (epoch seconds, two sequences) merged where they overlap or touch, in order.

    numpy sorts and merges them, so a decade of per-minute samples stays a
    few megabytes (two float arrays, no tuple per sample).
    """
    import numpy as np

    s = np.asarray(starts, dtype=np.float64)
    e = np.asarray(ends, dtype=np.float64)
    keep = e > s
    s, e = s[keep], e[keep]
    if not len(s):
        return []
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    first = np.empty(len(s), dtype=bool)
    first[0] = True
    first[1:] = s[1:] > reach[:-1]
    index = np.flatnonzero(first)
    return list(zip(s[index].tolist(), np.maximum.reduceat(e, index).tolist()))


class Intervals:
    """Start and end instants (epoch seconds) gathered in two compact float arrays."""

    def __init__(self) -> None:
        from array import array

        self.starts = array("d")
        self.ends = array("d")

    def add(self, start: float, end: float) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def __len__(self) -> int:
        return len(self.starts)

    def merged(self) -> list[tuple[float, float]]:
        return union(self.starts, self.ends)


def sleep_by_end_day(intervals: Intervals, tz: ZoneInfo, days: HealthDays) -> None:
    """Asleep time (union of intervals, in hours) on the local day each sleep ends.

    Pieces less than `SLEEP_SESSION_GAP_S` apart are one sleep (a night broken
    by waking up is still one night); a nap hours away from the night is its own.
    """
    session_end = None
    asleep = 0.0
    for start, end in intervals.merged():
        if session_end is not None and start - session_end >= SLEEP_SESSION_GAP_S:
            days.add("sleep_h", _local_day(session_end, tz), asleep / 3600)
            asleep = 0.0
        asleep += end - start
        session_end = end
    if session_end is not None:
        days.add("sleep_h", _local_day(session_end, tz), asleep / 3600)


def minutes_by_day(factor: str, intervals: Intervals, tz: ZoneInfo, days: HealthDays) -> None:
    """Minutes covered by the union of intervals, split at local midnights."""
    for start, end in intervals.merged():
        while start < end:
            day = _local_day(start, tz)
            midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).timestamp()
            piece_end = min(end, midnight)
            days.add(factor, day, (piece_end - start) / 60)
            start = piece_end


def _local_day(epoch: float, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(epoch, tz).date()


# --- archives -----------------------------------------------------------------------------

MAX_RATIO = 200
"""A member that unpacks to more than this many times its packed size is refused (zip bomb)."""
MAX_MEMBERS = 200_000
MAX_UNPACKED_BYTES = 64 * 2**30
"""No real export unpacks to more than this; a larger claim is refused before reading."""


def open_zip(path, label: str) -> zipfile.ZipFile:
    """An archive checked for path tricks and zip bombs before anything is read from it."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise HealthFileError(f"{label}: not a readable zip archive ({exc})") from None
    except OSError as exc:
        raise HealthFileError(f"{label}: cannot read the archive ({exc.strerror or exc})") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise HealthFileError(f"{label}: refused, the archive holds {len(infos):,} files (at most {MAX_MEMBERS:,})")
    total = 0
    for info in infos:
        check_member_name(info.filename, label)
        total += info.file_size
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 2**20:
            raise HealthFileError(
                f"{label}: refused, {info.filename} claims to unpack to {info.file_size:,} bytes from "
                f"{info.compress_size:,} (more than {MAX_RATIO}x: a zip bomb?)"
            )
    if total > MAX_UNPACKED_BYTES:
        raise HealthFileError(f"{label}: refused, the archive claims to unpack to {total:,} bytes")
    return archive


def check_member_name(name: str, label: str) -> None:
    """Refuse names that would step out of a folder when unpacked ('../', '/etc', 'C:\\')."""
    normal = name.replace("\\", "/")
    parts = PurePosixPath(normal).parts
    if normal.startswith("/") or ".." in parts or (len(normal) > 1 and normal[1] == ":") or "\x00" in name:
        raise HealthFileError(f"{label}: refused, the archive holds a file named {name!r} that points outside the archive")


class CountingReader(io.RawIOBase):
    """A stream over an archive member that counts what it gives and refuses more than declared."""

    def __init__(self, raw, limit: int, label: str, progress: Progress, total: int, done: int = 0):
        self._raw = raw
        self._limit = limit
        self._label = label
        self._progress = progress
        self._total = total
        self.done = done
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.read_bytes += size
        self.done += size
        if self.read_bytes > self._limit:
            raise HealthFileError(f"{self._label}: refused, it unpacks to more than the {self._limit:,} bytes it declares")
        self._progress(self.done, self._total)
        return size


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, progress: Progress = no_progress, *, total: int | None = None, done: int = 0) -> CountingReader:
    """A member opened for streaming, counted against its declared size."""
    try:
        raw = archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        raise HealthFileError(f"{label}: cannot open {info.filename} ({exc})") from None
    return CountingReader(raw, info.file_size, f"{label}: {info.filename}", progress, total or info.file_size, done)


def read_member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, cap: int) -> bytes:
    """A small member (a JSON or CSV file) whole, refused when it is larger than `cap`."""
    if info.file_size > cap:
        raise HealthFileError(f"{label}: {info.filename} is {info.file_size:,} bytes, more than the {cap:,} expected")
    stream = read_member(archive, info, label)
    try:
        return stream.read()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise HealthFileError(f"{label}: {info.filename} is damaged ({exc})") from None


def members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    return (info for info in archive.infolist() if not info.is_dir())


def utf8(data: bytes, where: str) -> str:
    """Bytes as UTF-8 text (a BOM is dropped), or an error naming the line and byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise HealthFileError(
            f"{where}: not UTF-8 text: byte 0x{data[exc.start]:02x} at byte {exc.start:,} (line {line}); "
            "save the file as UTF-8 and try again"
        ) from None


def number(value, where: str) -> float:
    """A number from JSON or CSV ('7.5', '7,5', 7.5), or an error naming where."""
    if isinstance(value, bool):
        raise HealthFileError(f"{where}: expected a number, found {value!r}")
    if isinstance(value, (int, float)):
        result = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            result = float(text)
        except ValueError:
            raise HealthFileError(f"{where}: {value!r} is not a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise HealthFileError(f"{where}: {value!r} is not a number")
    return result
