"""Apple Health: `export.zip` (Health app > profile > Export All Health Data) or its `export.xml`.

The XML is read as a stream with expat (C speed, one Python call per
element, nothing kept but what the factors need), so memory stays flat for
files of many gigabytes. Entity declarations and external references are
refused the way defusedxml refuses them (its own exception classes), so
"billion laughs" and external entities never expand; Apple's own internal
DTD (element and attribute declarations only) is allowed.

Which records become which factor (see docs/health-import.md):

- sleep_h: `HKCategoryTypeIdentifierSleepAnalysis` with an asleep value
  (Asleep, AsleepCore, AsleepDeep, AsleepREM, AsleepUnspecified); InBed and
  Awake are left out. The union of the intervals is taken (two devices
  recording the same night count once) and each sleep counts on the local
  day it ends.
- caffeine_mg, water_l, magnesium_mg, potassium_mg, calcium_mg: the
  `HKQuantityTypeIdentifierDietary*` records, converted from their unit and
  summed on the local day they start; an exact repeat (same type, times and
  amount, whichever app wrote it) counts once.
- exercise_min: `HKQuantityTypeIdentifierAppleExerciseTime`, the union of
  the intervals split at local midnight.
- mindful_min: `HKCategoryTypeIdentifierMindfulSession`, the same way.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat
from zoneinfo import ZoneInfo

from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

from nosetwitch.interfaces.interchange.health.common import (
    L_PER_UNIT,
    MG_PER_UNIT,
    HealthDays,
    HealthFileError,
    Intervals,
    Progress,
    convert,
    minutes_by_day,
    no_progress,
    open_zip,
    read_member,
    sleep_by_end_day,
)

SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
ASLEEP = frozenset(
    "HKCategoryValueSleepAnalysis" + stage
    for stage in ("Asleep", "AsleepCore", "AsleepDeep", "AsleepREM", "AsleepUnspecified")
)
DIETARY = {
    "HKQuantityTypeIdentifierDietaryCaffeine": ("caffeine_mg", MG_PER_UNIT),
    "HKQuantityTypeIdentifierDietaryWater": ("water_l", L_PER_UNIT),
    "HKQuantityTypeIdentifierDietaryMagnesium": ("magnesium_mg", MG_PER_UNIT),
    "HKQuantityTypeIdentifierDietaryPotassium": ("potassium_mg", MG_PER_UNIT),
    "HKQuantityTypeIdentifierDietaryCalcium": ("calcium_mg", MG_PER_UNIT),
}
EXERCISE = "HKQuantityTypeIdentifierAppleExerciseTime"
MINDFUL = "HKCategoryTypeIdentifierMindfulSession"
CHUNK = 1 << 20

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class _Export:
    """The expat handlers: keep only the records that feed a factor."""

    def __init__(self, tz: ZoneInfo, days: HealthDays):
        self.tz = tz
        self.days = days
        self.sleep = Intervals()
        self.exercise = Intervals()
        self.mindful = Intervals()
        self.seen_amounts: set[int] = set()
        self.unknown_units: dict[str, int] = {}
        self.bad: list[str] = []
        self.saw_root = False
        self._day_seconds: dict[str, int] = {}
        self._offset_seconds: dict[str, int] = {}
        self.wanted = {SLEEP: self._sleep, EXERCISE: self._exercise, MINDFUL: self._mindful}
        for kind in DIETARY:
            self.wanted[kind] = self._dietary

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if not self.saw_root:
            if name != "HealthData":
                raise HealthFileError(f"this is not an Apple Health export (its root element is <{name}>, not <HealthData>)")
            self.saw_root = True
            return
        kind = attrs.get("type", "")
        handler = self.wanted.get(kind)
        if handler is not None and name == "Record":
            try:
                handler(kind, attrs)
            except (KeyError, ValueError) as exc:
                if len(self.bad) < 5:
                    self.bad.append(f"a {kind} record with a missing or unreadable {exc}")
                return
            self.days.records += 1

    def epoch(self, text: str) -> float:
        """'2024-03-10 23:15:00 +0100' as seconds since 1970 (cached per date and per offset)."""
        day = self._day_seconds.get(text[:10])
        if day is None:
            day = (dt.date.fromisoformat(text[:10]).toordinal() - _EPOCH_ORDINAL) * 86400
            self._day_seconds[text[:10]] = day
        offset = self._offset_seconds.get(text[20:])
        if offset is None:
            zone = text[20:].strip()
            if len(zone) != 5 or zone[0] not in "+-" or not zone[1:].isdigit():
                raise ValueError(f"date {text!r}")
            offset = (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)
            self._offset_seconds[text[20:]] = offset
        if text[10] != " " or text[13] != ":" or text[16] != ":":
            raise ValueError(f"date {text!r}")
        return day + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19]) - offset

    def _span(self, attrs) -> tuple[float, float]:
        return self.epoch(attrs["startDate"]), self.epoch(attrs["endDate"])

    def _sleep(self, kind, attrs) -> None:
        if attrs["value"] in ASLEEP:
            self.sleep.add(*self._span(attrs))

    def _exercise(self, kind, attrs) -> None:
        self.exercise.add(*self._span(attrs))

    def _mindful(self, kind, attrs) -> None:
        self.mindful.add(*self._span(attrs))

    def _dietary(self, kind, attrs) -> None:
        factor, table = DIETARY[kind]
        unit = attrs.get("unit", "")
        amount = convert(float(attrs["value"]), unit, table)
        if amount is None:
            key = f"{kind.removeprefix('HKQuantityTypeIdentifier')} in {unit!r}"
            self.unknown_units[key] = self.unknown_units.get(key, 0) + 1
            return
        start, end = self._span(attrs)
        fingerprint = hash((kind, start, end, round(amount, 6)))
        if fingerprint in self.seen_amounts:
            return
        self.seen_amounts.add(fingerprint)
        self.days.add(factor, dt.datetime.fromtimestamp(start, self.tz).date(), amount)

    def finish(self) -> None:
        sleep_by_end_day(self.sleep, self.tz, self.days)
        minutes_by_day("exercise_min", self.exercise, self.tz, self.days)
        minutes_by_day("mindful_min", self.mindful, self.tz, self.days)
        for what, count in sorted(self.unknown_units.items()):
            self.days.notes.append(f"{count} record{'s' if count != 1 else ''} of {what} left out (unit not known)")
        for problem in self.bad:
            self.days.notes.append(f"left out {problem}")


def _refuse_entity(
    name: str, is_parameter_entity: bool, value: str | None, base: str | None, sysid: str | None, pubid: str | None, notation_name: str | None
) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _refuse_unparsed_entity(name: str, base: str | None, sysid: str | None, pubid: str | None, notation_name: str | None) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def parse_stream(stream, label: str, tz: ZoneInfo, progress: Progress = no_progress, total: int = 0) -> HealthDays:
    """Read an export.xml stream (binary) into days; HealthFileError names where it broke."""
    days = HealthDays(source="apple")
    export = _Export(tz, days)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = export.start
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    done = 0
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            parser.Parse(chunk, False)
            done += len(chunk)
            progress(done, total)
        if done == 0:
            raise HealthFileError(f"{label}: the file is empty (0 bytes)")
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise HealthFileError(
            f"{label}: broken XML at line {exc.lineno}, column {exc.offset + 1} (byte {parser.CurrentByteIndex:,}): "
            f"{expat.ErrorString(exc.code)}; nothing was imported"
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        what = "declares an entity" if isinstance(exc, EntitiesForbidden) else "refers to an external entity"
        raise HealthFileError(
            f"{label}: refused, the XML {what} at line {parser.CurrentLineNumber} "
            "(Apple Health exports never do; entities can be used to attack the reader)"
        ) from None
    except HealthFileError as exc:
        if str(exc).startswith(label):
            raise
        raise HealthFileError(f"{label}: {exc} (line {parser.CurrentLineNumber})") from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise HealthFileError(f"{label}: the archive is damaged near byte {done:,} of export.xml ({exc})") from None
    export.finish()
    return days


def export_member(archive: zipfile.ZipFile, label: str) -> zipfile.ZipInfo:
    """The export.xml inside an export.zip (not export_cda.xml)."""
    candidates = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".xml") and "cda" not in i.filename.lower().rsplit("/", 1)[-1]]
    named = [i for i in candidates if i.filename.lower().rsplit("/", 1)[-1] == "export.xml"]
    chosen = named or sorted(candidates, key=lambda i: i.file_size, reverse=True)
    if not chosen:
        raise HealthFileError(f"{label}: no export.xml in this archive; is it the export.zip of the Health app?")
    return chosen[0]


def read_apple(path: Path, label: str, tz: ZoneInfo, progress: Progress = no_progress) -> HealthDays:
    """An export.zip or export.xml file."""
    if zipfile.is_zipfile(path):
        with open_zip(path, label) as archive:
            info = export_member(archive, label)
            with read_member(archive, info, label) as stream:
                return parse_stream(stream, f"{label}: {info.filename}", tz, progress, info.file_size)
    try:
        with open(path, "rb") as stream:
            return parse_stream(stream, label, tz, progress, path.stat().st_size)
    except OSError as exc:
        raise HealthFileError(f"{label}: cannot read it ({exc.strerror or exc})") from None
