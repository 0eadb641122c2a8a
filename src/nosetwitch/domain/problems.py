"""What is wrong with a record, as data: which field, and in plain words what.

The CLI, the importer, the pages and the web API all report the same
problems. They travel as `FieldProblem`s (field and message, never one string
to be taken apart again) from validation to wherever they are shown, so the
same mistake is described the same way and stays next to the same field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldProblem:
    """One mistake: `field` as the person wrote it (`intensity`, `own.cold_weather`,
    `episodes[3].sites[0]`; "" when no single field is to blame) and `message`
    in plain words, which may contain any text (colons and semicolons too)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def one_line(problems: Iterable[FieldProblem], record: str = "") -> str:
    """'episode: intensity: ...; side: ...': a readable line for logs and terminals.

    Only ever written, never parsed: code that needs the field reads the
    `FieldProblem`s themselves."""
    line = "; ".join(str(problem) for problem in problems)
    return f"{record}: {line}" if record and line else record or line


class FieldError(ValueError):
    """A model validator's complaint about one field (or a field of a nested record).

    pydantic reports an error raised in a model validator at the model itself;
    raising this instead tells where inside it the mistake is (`loc`, relative
    to the model), so the field travels as data: `error_loc` adds it. Its str
    (what pydantic's own report shows) names the field too."""

    def __init__(self, loc: str | Loc, message: str):
        self.loc: Loc = (loc,) if isinstance(loc, str) else tuple(loc)
        self.message = message
        super().__init__(str(FieldProblem(field_path(self.loc), message)))


def error_loc(error: Mapping[str, Any]) -> Loc:
    """Where one pydantic error is: its `loc`, plus the field a `FieldError` names."""
    loc = tuple(error.get("loc", ()))
    raised = (error.get("ctx") or {}).get("error")
    return (*loc, *raised.loc) if isinstance(raised, FieldError) else loc


def problems_of(exc: ValidationError, *, skip: Sequence[str] = ()) -> tuple[FieldProblem, ...]:
    """pydantic's errors as `FieldProblem`s in plain words; location parts in `skip`
    (e.g. FastAPI's "body", "query") are left out of the field."""
    return tuple(problem_of(error, skip=skip) for error in exc.errors(include_url=False))


def problem_of(error: Mapping[str, Any], *, skip: Sequence[str] = ()) -> FieldProblem:
    """One pydantic error (from `errors()`) as a `FieldProblem`."""
    return FieldProblem(field_path(part for part in error_loc(error) if part not in skip), plain_message(error))


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
    raised = (error.get("ctx") or {}).get("error")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if isinstance(raised, FieldError):
        return raised.message
    if kind == "value_error" and raised is not None:
        return str(raised)  # our validators' own words, without pydantic's "Value error, "
    words = PLAIN_WORDS.get(kind or "")
    if words is not None:
        try:
            message = words.format(**{name: _plain_number(value) for name, value in (error.get("ctx") or {}).items()})
        except (KeyError, IndexError, ValueError):  # a context this pydantic does not give: its own words
            pass
    if show_input and "input" in error:
        shown = json.dumps(error["input"], default=str)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{message[0].lower()}{message[1:]} (got {shown})"
    return message


def _plain_number(value: Any) -> Any:
    """24.0 as 24 (a limit reads as the person would write it); anything else as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


PLAIN_WORDS: dict[str, str] = {
    "less_than_equal": "cannot be more than {le}",
    "less_than": "must be less than {lt}",
    "greater_than_equal": "cannot be less than {ge}",
    "greater_than": "must be more than {gt}",
    "string_too_short": "needs at least {min_length} characters",
    "string_too_long": "can have at most {max_length} characters",
    "too_short": "needs at least {min_length} items",
    "too_long": "can have at most {max_length} items",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "date_type": "must be a date, YYYY-MM-DD",
    "date_parsing": "must be a date, YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date, YYYY-MM-DD",
    "datetime_type": "must be a date and time with a UTC offset, e.g. 2026-03-10T21:30:00+01:00",
    "datetime_parsing": "must be a date and time with a UTC offset, e.g. 2026-03-10T21:30:00+01:00",
    "datetime_from_date_parsing": "must be a date and time with a UTC offset, e.g. 2026-03-10T21:30:00+01:00",
    "timezone_aware": "needs a UTC offset, e.g. 2026-03-10T21:30:00+01:00",
    "dict_type": "must be an object with named fields",
    "list_type": "must be a list",
}
"""pydantic's messages ("Input should be less than or equal to 5") in the words the web
forms use, by pydantic's error type, filled in from the error's context."""
