"""The errors DiaryService raises on purpose (importable without SQLAlchemy).

`nosetwitch.services.diary` re-exports them; the web API maps `NotFound` to
404, `Conflict` to 409 and `InvalidRecord` to 422.
"""

from __future__ import annotations

from pydantic import ValidationError

from nosetwitch.domain.problems import field_path, plain_message


class DiaryError(Exception):
    """Base class of everything this service raises on purpose."""


class NotFound(DiaryError, LookupError):
    """No such record for this owner (whether it is missing or someone else's)."""

    def __init__(self, kind: str, key: object):
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {key!s} in this diary")


class Conflict(DiaryError, ValueError):
    """The record clashes with one already stored (e.g. its id is taken)."""


class InvalidRecord(DiaryError, ValueError):
    """A value the diary format does not allow; the message names the field."""


def describe_validation_error(exc: ValidationError) -> str:
    """'field: message; field: message' for a pydantic ValidationError."""
    problems = []
    for error in exc.errors(include_url=False):
        where, message = field_path(error["loc"]), plain_message(error)
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
