"""CSV export: a zip archive with one tidy table per record type.

Layout (documented for users in docs/diary.md):

- ``person.csv``: one row (timezone, birth_year, sex).
- ``medications.csv``: name, dose, started, stopped.
- ``episodes.csv``: id, started_at, local_date, duration_s, intensity, side,
  sites, interferes_with, visible, source, note.
- ``symptoms.csv``: id, code, onset, started_at, ended_at, local_date, side,
  region, severity, detail, note.
- ``days.csv``: date, then every day factor in the format's order, note.
- ``remedies.csv``: code, at, local_date, episode_id, helped, note.
- ``own_factors.csv``: key, label, kind, unit (the person's own factors).
- ``own_values.csv``: date, key, label, value (one row per recorded own value).

Instants are RFC 3339 with the offset they were written with;
``local_date`` is the calendar day in the person's time zone (the day the
diary counts them on). Lists (sites, interferes_with) are joined with ``;``.
An empty cell means "not recorded"; booleans are ``true`` / ``false``. Files
are UTF-8 with a header row, comma-separated, RFC 4180 quoting. The archive is
deterministic: the same diary gives the same bytes.

Safe for spreadsheets: a text cell (a note, a medicine's name or dose, an id)
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading ``'`` so that no spreadsheet runs it as a formula (the
OWASP rule against CSV injection). Numbers are written as numbers. The JSON
export keeps every text exactly as written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import DAY_FACTORS, Diary

_EPOCH = (2000, 1, 1, 0, 0, 0)  # fixed member timestamps keep the archive reproducible

README = """nosetwitch diary export (CSV)

One table per record type; the first row names the columns.
Times are RFC 3339 with the UTC offset they were written with; local_date is
the calendar day in the person's time zone. Lists are joined with ';'.
An empty cell means "not recorded". booleans are true / false.
A text cell that would start with =, +, -, @, a tab or a carriage return
starts with ' instead, so that spreadsheets do not run it as a formula; the
JSON export keeps every text exactly as written.
The JSON export (nosetwitch export --format json) is the lossless format
that nosetwitch can import again; these tables are for spreadsheets and
statistics software.
"""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return spreadsheet_safe(str(value))


TABLES = ("person", "medications", "episodes", "symptoms", "days", "remedies", "own_factors", "own_values")
"""The tables of the export, as `GET /api/v1/export?format=csv&table=...` names them."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheets (OWASP, CSV injection)."""


def spreadsheet_safe(text: str) -> str:
    """A text cell that no spreadsheet runs as a formula: one starting with `=`, `+`, `-`,
    `@`, tab or carriage return gets a leading `'` (the OWASP rule). Only text cells pass
    through here: numbers, dates and times are written as they are, so they stay numbers."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def diary_tables(diary: Diary) -> dict[str, bytes]:
    """Each CSV file of the export, by file name."""
    tz = diary.tz
    person = diary.person
    labels = {factor.key: factor.label for factor in person.own_factors}
    return {
        "person.csv": _table(("timezone", "birth_year", "sex"), [(person.timezone, person.birth_year, person.sex)]),
        "medications.csv": _table(
            ("name", "dose", "started", "stopped"), ((m.name, m.dose, m.started, m.stopped) for m in diary.medications)
        ),
        "episodes.csv": _table(
            ("id", "started_at", "local_date", "duration_s", "intensity", "side", "sites", "interferes_with", "visible", "source", "note"),
            (
                (e.id, e.started_at, local_date(e.started_at, tz), e.duration_s, e.intensity, e.side, e.sites,
                 e.interferes_with, e.visible, e.source, e.note)
                for e in diary.episodes
            ),
        ),  # fmt: skip
        "symptoms.csv": _table(
            ("id", "code", "onset", "started_at", "ended_at", "local_date", "side", "region", "severity", "detail", "note"),
            (
                (s.id, s.code, s.onset, s.started_at, s.ended_at, local_date(s.started_at, tz), s.side, s.region,
                 s.severity, s.detail, s.note)
                for s in diary.symptoms
            ),
        ),  # fmt: skip
        "days.csv": _table(
            ("date", *DAY_FACTORS, "note"),
            ((d.date, *(getattr(d, name) for name in DAY_FACTORS), d.note) for d in diary.days),
        ),
        "remedies.csv": _table(
            ("code", "at", "local_date", "episode_id", "helped", "note"),
            ((r.code, r.at, local_date(r.at, tz), r.episode_id, r.helped, r.note) for r in diary.remedies),
        ),
        "own_factors.csv": _table(("key", "label", "kind", "unit"), ((f.key, f.label, f.kind, f.unit) for f in person.own_factors)),
        "own_values.csv": _table(
            ("date", "key", "label", "value"),
            ((d.date, key, labels.get(key), value) for d in diary.days for key, value in sorted(d.own.items())),
        ),
    }


def diary_to_csv_zip(diary: Diary) -> bytes:
    """The zip archive: README.txt plus the tables of `diary_tables`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in {"README.txt": README.encode("utf-8"), **diary_tables(diary)}.items():
            info = zipfile.ZipInfo(f"nosetwitch-diary/{name}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
