"""Errors as RFC 9457 `application/problem+json`, each naming the bad field.

Every 4xx the API sends has the same shape: `type`, `title`, `status`,
`detail` (one sentence a person can act on) and, for validation errors,
`errors: [{"field": "intensity", "message": "..."}]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from nosetwitch.domain.problems import FieldProblem, problem_of

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many attempts",
}


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}},
        },
    },
}


def problem_responses(*statuses: int, description: str | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring problem documents for these status codes."""
    return {
        status: {"description": description or _TITLES.get(status, "Error"), "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status in statuses
    }


COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429)
"""What any API route may answer besides its success: not logged in (401), no CSRF token
(403), unknown record (404), a clash (409), a body too large (413), invalid input (422),
too many attempts (429). Declared once for the whole router."""


class NeedsLogin(Exception):
    """A page was asked for without a session in multi-user mode (app.py answers with the login page)."""


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers


def problem_response(status: int, detail: str, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": detail}
    if errors:
        body["errors"] = [{**error, "field": error.get("field") or "body"} for error in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_REQUEST_PARTS = ("body", "query", "path", "form")
"""Where FastAPI says a value came from: not part of the field name the client sent."""


def problem_json(problem: FieldProblem) -> dict[str, str]:
    """One `errors` entry: {field, message} ("" for a mistake no single field is to blame
    for: a page shows it above the form, the API says `body`)."""
    return {"field": problem.field, "message": problem.message}


def errors_json(problems: Iterable[FieldProblem]) -> list[dict[str, str]]:
    return [problem_json(problem) for problem in problems]


def request_problems(errors: Iterable[Mapping[str, Any]]) -> tuple[FieldProblem, ...]:
    """pydantic errors (from `errors()`) as problems, fields named as the client sent them."""
    return tuple(problem_of(error, skip=_REQUEST_PARTS) for error in errors)


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic errors (from `errors()`) as [{field, message}] in plain words."""
    return errors_json(request_problems(errors))


def validation_problem(errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    found = request_problems(errors) or (FieldProblem("", "invalid"),)
    detail = str(found[0])
    if len(found) > 1:
        detail += f" (and {len(found) - 1} more problem(s))"
    return problem_response(422, detail, errors_json(found))


async def _request_validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return validation_problem(list(exc.errors()))


async def _pydantic_validation_handler(request: Request, exc: ValidationError) -> JSONResponse:
    return validation_problem(exc.errors(include_url=False))


async def _problem_handler(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(exc.status, exc.detail, exc.errors, exc.headers)


async def _http_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    """Register the handlers on the app (pages install their own HTML variants on top)."""
    # FastAPI's decorator form: Starlette's add_exception_handler is typed for handlers of
    # any Exception, not of the one class each of these handles.
    app.exception_handler(RequestValidationError)(_request_validation_handler)
    app.exception_handler(ValidationError)(_pydantic_validation_handler)
    app.exception_handler(Problem)(_problem_handler)
    app.exception_handler(StarletteHTTPException)(_http_handler)
