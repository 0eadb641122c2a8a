"""The application factory: `create_app(database_url, multi_user=False)`.

Local mode (the default) serves one person without a login, bound to
loopback by the `serve` command. Multi-user mode adds accounts, and every
request for a diary is answered from the logged-in person's rows only: the
owner comes from the session, never from the request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Match

from nosetwitch import __version__
from nosetwitch.domain import vocabulary  # the words people read, in one place
from nosetwitch.domain.problems import one_line
from nosetwitch.interfaces.web import api, health_pages, pages, phone, problems, undo
from nosetwitch.interfaces.web.limits import BodySizeLimit
from nosetwitch.interfaces.web.pages import page_context
from nosetwitch.interfaces.web.security import LoginThrottle, SessionCookies
from nosetwitch.services.accounts import AccountService
from nosetwitch.services.owner import local_owner
from nosetwitch.services.sessions import SessionStore
from nosetwitch.storage import SCHEMA_HEAD
from nosetwitch.storage.database import checkpoint_in_background, open_engine

HERE = Path(__file__).parent
SESSION_COOKIE = "nosetwitch_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600
DEFAULT_MAX_UPLOAD_BYTES = 16 * 2**20
"""A ten-year diary export is about 6 MB; 16 MB leaves room without inviting abuse."""


@dataclass
class WebContext:
    """What every request handler needs, kept on `app.state.web`."""

    database_url: str | None
    multi_user: bool
    templates: Jinja2Templates
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    allow_signup: bool = True
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    accounts: AccountService | None = None  # in multi-user mode
    lan: phone.LanMode | None = None  # under `serve --lan`
    sessions: SessionStore | None = None  # in multi-user mode (security.session_store)


def readable_source(source: str) -> str:
    """Knowledge-base sources name the project's source article 'SEED'; people read its title."""
    return source.replace("SEED, section", "the article 'Nose twitching', section")


def create_app(
    database_url: str | None = None,
    *,
    multi_user: bool = False,
    secret_key: str | None = None,
    secure_cookies: bool = False,
    allowed_hosts: list[str] | None = None,
    allow_signup: bool = True,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    login_throttle: LoginThrottle | None = None,
    lan: phone.LanMode | None = None,
    access_log: bool = False,
) -> FastAPI:
    """Build the web app on a database URL (None: the default SQLite file).

    `secret_key` signs the session cookie; without one a random key is made,
    so sessions end when the process does. `secure_cookies` marks the cookie
    Secure (set it whenever the app is reached over HTTPS, i.e. off loopback).
    `allowed_hosts` guards against DNS rebinding in local mode.
    `lan` (a `phone.LanMode`, local mode only) lets paired phones in from
    the home network and nobody else (`phone.DeviceGate`).
    """
    app = FastAPI(
        title="nosetwitch",
        version=__version__,
        summary="A private twitch diary, triage check and pattern finder. Not a diagnosis.",
        description=(
            "JSON API of nosetwitch. Every state-changing request needs the `X-CSRF-Token` header "
            "with the token from `GET /api/v1/session` (and the session cookie it sets). "
            "Errors are `application/problem+json` with `errors: [{field, message}]`."
        ),
        # FastAPI's interactive docs load their scripts from a CDN; the app must
        # work offline, so /api/docs is a page of our own (pages.api_docs).
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        # Nothing leaves the machine: no spans, metrics or logs for an OpenTelemetry
        # exporter (and no per-request look-up of one).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    templates.env.globals["counted"] = vocabulary.counted
    templates.env.globals["words"] = vocabulary  # every page, error pages too, words things the same way
    templates.env.filters["readable_source"] = readable_source
    context = WebContext(
        database_url=database_url,
        multi_user=multi_user,
        templates=templates,
        throttle=login_throttle or LoginThrottle(),
        allow_signup=allow_signup,
        max_upload_bytes=max_upload_bytes,
        lan=lan,
    )
    # The server lives long: SQLite's log is copied back by a thread, not inside a commit on the loop.
    checkpoint_in_background(open_engine(database_url))
    if multi_user:
        context.accounts = AccountService(database_url)
    else:
        # Opening the store here sets up the schema once, not on the first click.
        local_owner(database_url)
    app.state.web = context

    # Middleware: the last added runs first.
    app.add_middleware(
        SessionCookies,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        https_only=secure_cookies,
    )
    app.add_middleware(
        BodySizeLimit, max_bytes=max_upload_bytes, overrides={"/data/health": health_pages.MAX_HEALTH_UPLOAD_BYTES}
    )
    if lan is not None:
        app.add_middleware(phone.DeviceGate, web=context)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    app.add_middleware(SecurityHeaders)
    if access_log:
        app.add_middleware(AccessLog)  # added last, so it runs first and times everything
    _install_error_handlers(app, templates)
    _install_health_check(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(undo.router)
    app.include_router(phone.router)
    app.include_router(health_pages.router)
    return app


def _install_health_check(app: FastAPI) -> None:
    """`GET /healthz` for load balancers and process managers: 200 when this worker can
    reach its database at the schema it expects, 503 (problem+json) when it cannot.
    It needs no login and reads no one's diary."""
    web = app.state.web

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="Is this worker able to serve?",
        responses={503: {"description": "the database cannot be reached or is at another schema revision",
                         "content": {"application/problem+json": {}}}},
    )
    def health() -> JSONResponse:
        try:
            with open_engine(web.database_url, upgrade=False).connect() as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception as exc:  # the point is to say "not ready", whatever broke
            return _unavailable(f"database unreachable: {type(exc).__name__}")
        if revision != SCHEMA_HEAD:
            return _unavailable(f"database schema is {revision}, this worker needs {SCHEMA_HEAD}")
        return JSONResponse({"status": "ok", "schema": revision, "mode": "multi-user" if web.multi_user else "local", "worker": os.getpid()})


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": detail},
                        status_code=503, media_type="application/problem+json")


class AccessLog:
    """ASGI middleware writing one JSON line per request to the `nosetwitch.access` logger:
    time, method, path, status, duration and client address (`serve --access-log`).

    Only the path is written: never the query string, a request body or a cookie, and
    the secret part of a calendar address is replaced, so no token or pairing code
    reaches a log."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def recording_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            path = scope.get("path", "")
            if path.startswith("/calendar/"):
                path = "/calendar/…"
            client = scope.get("client") or ("", 0)
            _ACCESS.info(json.dumps({
                "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                "request": f"{scope.get('method', '')} {path}",
                "method": scope.get("method", ""),
                "path": path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0],
                "worker": os.getpid(),
            }, ensure_ascii=False))


_ACCESS = logging.getLogger("nosetwitch.access")


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response (cheaper than
    FastAPI's `@app.middleware("http")`, which copies each response through a stream)."""

    COMMON = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    # Everything is served from here: no inline script or style, no CDN.
    CSP = (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*self.COMMON, self.CSP]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    problems.install(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:  # Starlette names the methods of one route; the path may have several
            exc = StarletteHTTPException(405, "this address does not take that method", headers={"Allow": allowed_methods(request)})
        if not _wants_html(request):
            return await problems._http_handler(request, exc)
        response = _error_page(request, templates, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(problems.Problem)
    async def problem(request: Request, exc: problems.Problem) -> Response:
        if not _wants_html(request):
            return await problems._problem_handler(request, exc)
        return _error_page(request, templates, exc.status, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _wants_html(request):
            return await problems._request_validation_handler(request, exc)
        return _error_page(request, templates, 422, one_line(problems.request_problems(exc.errors())))

    @app.exception_handler(problems.NeedsLogin)
    async def needs_login(request: Request, exc: problems.NeedsLogin) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def allowed_methods(request: Request) -> str:
    """The `Allow` header of a path. An API path: the methods its OpenAPI entry lists (the
    most literal template that fits, so `/check/questions` is not `/check/{id}`); a page:
    the methods of every route whose pattern fits."""
    path = request.url.path
    if path.startswith("/api/"):
        documented = request.app.openapi()["paths"]
        fitting = [t for t in documented if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", re.escape(t).replace("\\{", "{").replace("\\}", "}")), path)]
        if fitting:
            best = min(fitting, key=lambda template: template.count("{"))
            return ", ".join(method.upper() for method in documented[best])
    methods = [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes)
    ]
    return ", ".join(methods)


def _error_page(request: Request, templates: Jinja2Templates, status: int, detail: str) -> HTMLResponse:
    titles = {404: "Not found", 403: "Not allowed", 413: "Too large", 429: "Too many attempts"}
    return templates.TemplateResponse(
        request,
        "error.html",
        page_context(request, title=titles.get(status, "Something went wrong"), status=status, detail=detail),
        status_code=status,
    )
