"""The errors DiaryService raises on purpose (importable without SQLAlchemy).

`nosetwitch.services.diary` re-exports them; the web API maps `NotFound` to
404, `Conflict` to 409 and `InvalidRecord` to 422. Each carries what is wrong
as data, `problems` (a tuple of `FieldProblem(field, message)`), which the API
sends as problem+json `errors`, the pages show beside the field and the CLI
prints as its one line; `str(exc)` is that line for logs.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from nosetwitch.domain.problems import FieldProblem, one_line, problems_of

Problems = FieldProblem | str | Iterable[FieldProblem]
"""What a service error is made from: problems, one problem, or a sentence that names no field."""


def _as_problems(problems: Problems) -> tuple[FieldProblem, ...]:
    if isinstance(problems, str):
        return (FieldProblem("", problems),)
    if isinstance(problems, FieldProblem):
        return (problems,)
    return tuple(problems)


class DiaryError(Exception):
    """Base class of everything this service raises on purpose.

    `record` names the record the problems are about ("episode", "day
    2026-03-10"; "" when clear from the call), `problems` what is wrong."""

    def __init__(self, problems: Problems, *, record: str = ""):
        self.problems: tuple[FieldProblem, ...] = _as_problems(problems)
        self.record = record
        super().__init__(one_line(self.problems, record))


class NotFound(DiaryError, LookupError):
    """No such record for this owner (whether it is missing or someone else's).

    `field`: where the key was given, when it was a field of a record or form
    (the check id of "I answered by mistake"); "" for a key in a URL or command."""

    def __init__(self, kind: str, key: object, *, field: str = ""):
        self.kind, self.key = kind, key
        super().__init__(FieldProblem(field, f"no {kind} {key!s} in this diary"))


class Conflict(DiaryError, ValueError):
    """The record clashes with one already stored (e.g. its id is taken)."""


class InvalidRecord(DiaryError, ValueError):
    """A value the diary format does not allow; each problem names its field."""

    @classmethod
    def of(cls, exc: ValidationError, record: str) -> InvalidRecord:
        """pydantic's refusal of `record` ("episode", "day 2026-03-10"), field by field."""
        return cls(problems_of(exc), record=record)


__all__ = ["Conflict", "DiaryError", "FieldProblem", "InvalidRecord", "NotFound"]
