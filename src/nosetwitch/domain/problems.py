"""How a validation problem reads in plain words, wherever it is shown.

The CLI, the importer and the web API all report pydantic's errors; they
share these two functions so that the same mistake is described the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def field_path(loc: Iterable[Any]) -> str:
    """A pydantic location as the field path a person wrote, e.g. `episodes[3].sites[0]`.

    Parts that are not identifiers or indexes name pydantic's internal union
    branches (`function-before[...]`) and are left out.
    """
    path = ""
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            path += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            path += f".{part}" if path else part
    return path


def plain_message(error: Mapping[str, Any], *, show_input: bool = False) -> str:
    """The message of one pydantic error without pydantic's jargon.

    With `show_input` the offending value is quoted after the message (the
    importer does this: the person is looking at a file, not a form).
    """
    kind, message = error.get("type"), error.get("msg", "invalid value")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if show_input and "input" in error:
        shown = json.dumps(error["input"], default=str)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{message[0].lower()}{message[1:]} (got {shown})"
    return message
