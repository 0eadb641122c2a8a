"""The diary JSON document (format `nosetwitch-diary`; reads versions 1 and 2, writes 2).

`parse_diary` turns bytes into a validated `Diary` or raises
`DiaryFormatError` whose message names the record and the field, e.g.
``episodes[3] (id "e4").started_at: timestamp '2026-03-10T20:00' has no UTC
offset``. `diary_to_dict` is its inverse: timestamps keep the offset they
were written with, so import then export gives an equivalent document.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nosetwitch.domain.models import Diary
from nosetwitch.domain.problems import FieldProblem, error_loc, plain_message

MAX_DIARY_BYTES = 64 * 1024 * 1024
"""Larger files are refused before parsing: a 10-year diary is about 6 MB."""

_MAX_LISTED_ERRORS = 5


class DiaryFormatError(ValueError):
    """The document is not a valid diary; `problems` lists each one found, as data:
    the field in the document's own terms (`episodes[3] (id "e4").started_at`;
    "" when the file as a whole cannot be read) and the message."""

    def __init__(self, problems: list[FieldProblem] | str):
        self.problems: tuple[FieldProblem, ...] = (FieldProblem("", problems),) if isinstance(problems, str) else tuple(problems)
        more = len(self.problems) - _MAX_LISTED_ERRORS
        text = "; ".join(str(problem) for problem in self.problems[:_MAX_LISTED_ERRORS])
        if more > 0:
            text += f"; and {more} more problem(s)"
        super().__init__(text)


def load_diary_file(path: str | Path) -> Diary:
    """Read and validate a diary file, refusing oversized files unread.

    Only a regular file is read (not a directory, a device such as /dev/zero, or
    a pipe), and never more than MAX_DIARY_BYTES of it: the limit holds even
    when the size on disk says nothing."""
    path = Path(path)
    shown = ascii(str(path))[1:-1]  # an undecodable file name prints as escapes, not a crash
    try:
        info = path.stat()
    except OSError as exc:
        raise DiaryFormatError(f"cannot read {shown}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DiaryFormatError(f"{shown} is a folder; give the diary file inside it")
    if not stat.S_ISREG(info.st_mode):
        raise DiaryFormatError(f"{shown} is not a regular file (a device, pipe or socket); save the diary to a file first")
    if info.st_size > MAX_DIARY_BYTES:
        raise DiaryFormatError(f"{shown} is {info.st_size / 2**20:.0f} MB; the largest diary accepted is {MAX_DIARY_BYTES // 2**20} MB")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DIARY_BYTES + 1)
    except OSError as exc:
        raise DiaryFormatError(f"cannot read {shown}: {exc.strerror or exc}") from None
    return parse_diary(data)


def parse_diary(data: bytes | str | dict) -> Diary:
    """Validate a diary document given as JSON text or an already-decoded object."""
    if isinstance(data, (bytes, str)):
        if len(data) > MAX_DIARY_BYTES:
            raise DiaryFormatError(f"the document is larger than {MAX_DIARY_BYTES // 2**20} MB")
        try:
            data = json.loads(data)
        except UnicodeDecodeError:
            raise DiaryFormatError("the file is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise DiaryFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        except RecursionError:
            raise DiaryFormatError("not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise DiaryFormatError("the document must be one JSON object with format, version and person")
    try:
        return Diary.model_validate(data)
    except ValidationError as exc:
        raise DiaryFormatError([_describe(error, data) for error in exc.errors(include_url=False)]) from None


def _describe(error: Mapping[str, Any], document: dict) -> FieldProblem:
    """One pydantic error: where, in the document's own terms, and what."""
    path = ""
    node: Any = document
    for part in error_loc(error):
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                key = node.get("id", node.get("date"))
                if isinstance(key, str):
                    path += f' ({"id" if "id" in node else "date"} "{key}")'
        elif isinstance(part, str) and part.isidentifier():
            path += f".{part}" if path else part
            node = node.get(part) if isinstance(node, dict) else None
        # other parts name pydantic's internal union branches: not the user's concern
    message = plain_message(error, show_input=True)
    if error["type"] == "extra_forbidden":
        message += " (not part of the diary format)"
    return FieldProblem(path or "document", message)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def diary_to_dict(diary: Diary, *, include_as_of: bool = True) -> dict[str, Any]:
    """The interchange document for a diary, every field of the format present."""
    document = _plain(diary.model_dump(mode="python"))
    document["version"] = 2  # a writer writes the newest version; a version 1 file reads as the same diary
    for day in document["days"]:
        if not day["own"]:
            del day["own"]  # optional in the format: absent means no own factor recorded that day
    if not include_as_of or diary.as_of is None:
        document.pop("as_of", None)
    return document


def diary_to_json(diary: Diary, *, indent: int | None = 2, include_as_of: bool = True) -> str:
    return json.dumps(diary_to_dict(diary, include_as_of=include_as_of), indent=indent, ensure_ascii=False)
