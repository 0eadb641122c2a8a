"""Readers of other apps' health exports, turned into day check-in factors.

    days = read_health_export(Path("export.zip"), source="auto", timezone="Europe/Berlin")
    days.rounded()  # {"sleep_h": {date(2024, 3, 11): 7.25, ...}, ...}

One module per source (apple, fitbit, oura, csv_days); `detect` picks one for
`source="auto"`. Every reader raises `HealthFileError` with one message that
names the file and where it broke; none of them writes anything.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nosetwitch.domain.clock import zone
from nosetwitch.interfaces.interchange.health import apple, csv_days, fitbit, oura
from nosetwitch.interfaces.interchange.health.common import (
    EXTRA_MEASURES,
    FACTORS,
    HealthDays,
    HealthFileError,
    Progress,
    no_progress,
    open_zip,
)
from nosetwitch.services.health_import import HealthImportService

SOURCES = ("auto", "apple", "fitbit", "oura", "csv")


def detect(path: Path, label: str) -> str:
    """Which reader fits the file: from its name, its archive listing or its first bytes."""
    if path.is_dir():
        if any(path.rglob("export.xml")):
            return "apple"
        if fitbit.looks_like_fitbit([p.as_posix() for p in path.rglob("*.json")]):
            return "fitbit"
        raise HealthFileError(f"{label}: a folder with neither an Apple Health export.xml nor Fitbit Takeout files")
    try:
        size = path.stat().st_size
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError as exc:
        raise HealthFileError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    if size == 0:
        raise HealthFileError(f"{label}: the file is empty (0 bytes)")
    if zipfile.is_zipfile(path):
        with open_zip(path, label) as archive:
            names = archive.namelist()
        lower = [n.lower() for n in names]
        if any(n.rsplit("/", 1)[-1] == "export.xml" or "apple_health_export" in n for n in lower):
            return "apple"
        if fitbit.looks_like_fitbit(names):
            return "fitbit"
        if any("oura" in n and n.endswith((".json", ".csv")) for n in lower):
            return "oura"
        raise HealthFileError(f"{label}: a zip archive that is neither an Apple Health export nor a Fitbit Takeout nor an Oura export")
    if head.startswith(b"PK"):
        raise HealthFileError(f"{label}: a damaged zip archive (its table of contents cannot be read; truncated?)")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "apple"
    if text.startswith((b"{", b"[")):
        if fitbit.kind_of(label):
            return "fitbit"
        try:
            document = json.loads(path.read_bytes()) if size < 64 * 2**20 else None
        except (ValueError, UnicodeDecodeError):
            document = None
        if document is None or oura.looks_like_oura_json(document) or (isinstance(document, dict) and "data" in document):
            return "oura"
        raise HealthFileError(f"{label}: a JSON file of unknown shape; give --source fitbit or --source oura")
    first_line = text.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if oura.looks_like_oura_csv(first_line.replace(";", ",").split(",")):
        return "oura"
    return "csv"


def read_health_export(
    path: Path,
    *,
    source: str = "auto",
    timezone: str,
    label: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress = no_progress,
) -> HealthDays:
    """Read one export (file, zip or Takeout folder) into factor values per local day."""
    label = label or path.name
    if source not in SOURCES:
        raise HealthFileError(f"--source: unknown source {source!r} (choose from: {', '.join(SOURCES)})")
    if not path.exists():
        raise HealthFileError(f"{label}: no such file")
    if not path.is_dir() and not path.is_file():
        raise HealthFileError(f"{label}: not a regular file (a device, a pipe or a socket cannot be imported)")
    if not path.is_dir() and path.stat().st_size == 0:
        raise HealthFileError(f"{label}: the file is empty (0 bytes)")
    if source == "auto":
        source = detect(path, label)
    if mapping and source != "csv":
        raise HealthFileError(f"--map is for CSV files; this is a {source} export")
    tz = zone(timezone)
    if source == "apple":
        return apple.read_apple(path, label, tz, progress)
    if source == "fitbit":
        return fitbit.read_fitbit(path, label, tz, progress)
    if source == "oura":
        return oura.read_oura(path, label, tz, progress)
    return csv_days.read_csv(path, label, tz, progress, mapping)


@dataclass
class PreparedImport:
    """An export read into values, ready to merge into a diary (reading needs no database)."""

    source: str
    label: str
    values: dict
    notes: list[str]

    def merge(self, diary, *, since=None, until=None, dry_run: bool = False):
        """Merge into `diary` (a DiaryService) in one transaction; a `HealthImportResult`."""
        return HealthImportService(diary).import_values(
            self.values, source=self.source, file=self.label, since=since, until=until, dry_run=dry_run, notes=self.notes
        )


MINDFUL_KEYS = ("mindful_min", "mindful_minutes", "mindfulness", "mindfulness_min", "meditation", "meditation_min", "meditation_minutes")


def mindful_factor(own_factors) -> str | None:
    """The key of the person's own number factor for mindful minutes, if they keep one.

    Its key is one of MINDFUL_KEYS, or its label speaks of mindfulness or
    meditation; a yes/no or 0-10 factor does not fit minutes.
    """
    for factor in own_factors or ():
        if str(getattr(factor.kind, "value", factor.kind)) != "number":
            continue
        if factor.key in MINDFUL_KEYS or re.search(r"mindful|meditat", factor.label, re.IGNORECASE):
            return factor.key
    return None


def prepare_import(
    path: Path,
    *,
    timezone: str,
    source: str = "auto",
    label: str | None = None,
    mapping: dict[str, str] | None = None,
    own_factors=(),
    progress: Progress = no_progress,
) -> PreparedImport:
    """Read an export for `merge`: values rounded; mindful minutes go to a fitting own factor or into a note."""
    label = label or path.name
    days = read_health_export(path, source=source, timezone=timezone, label=label, mapping=mapping, progress=progress)
    values = days.rounded()
    notes = list(days.notes)
    found = values.pop("mindful_min", {})
    if found:
        key = mindful_factor(own_factors)
        if key is not None:
            values[f"own.{key}"] = found
        else:
            notes.append(
                f"mindful minutes found on {len(found)} day{'s' if len(found) != 1 else ''} were not stored: "
                "the day check-in has no field for them (add an own factor such as 'mindful_min', a number, to keep them)"
            )
    return PreparedImport(days.source, label, values, notes)


def import_health_file(diary, path: Path, *, source: str = "auto", label: str | None = None, mapping=None, since=None, until=None, dry_run: bool = False, progress: Progress = no_progress):
    """Read an export and merge it into `diary` (a DiaryService): what `nosetwitch import-health` does."""
    person = diary.get_person()
    prepared = prepare_import(
        path, timezone=person.timezone, source=source, label=label, mapping=mapping, own_factors=person.own_factors, progress=progress
    )
    return prepared.merge(diary, since=since, until=until, dry_run=dry_run)


SOURCE_NAMES = {"apple": "Apple Health", "fitbit": "Fitbit", "oura": "Oura", "csv": "CSV"}

__all__ = [
    "SOURCE_NAMES",
    "PreparedImport",
    "import_health_file",
    "prepare_import","EXTRA_MEASURES", "FACTORS", "HealthDays", "HealthFileError", "SOURCES", "detect", "read_health_export"]
