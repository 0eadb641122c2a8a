"""Session, CSRF and login throttling for the web app.

* The session is a signed cookie (Starlette's SessionMiddleware: HttpOnly,
  SameSite=Lax, Secure off loopback). It holds the CSRF token and, in
  multi-user mode, the user id plus a fingerprint of the password hash, so
  changing a password ends every older session.
* Every state-changing request (POST, PUT, PATCH, DELETE) must carry the
  session's CSRF token: the `csrf_token` form field or the `X-CSRF-Token`
  header. This applies in local mode too: any web page the person visits
  could otherwise post to the server on 127.0.0.1.
* Login attempts are checked and counted per user name and per client address
  in a sliding window (`LoginThrottle.attempt`); past the limit the login
  answers 429 with Retry-After. The client address is the connection's, or
  the proxy's X-Forwarded-For only when `serve --forwarded-allow-ips` names
  that proxy.
* In multi-user mode the cookie holds a random session secret whose hash is a
  row of the `sessions` table (`services.sessions`): logout deletes the row,
  so a replayed cookie is worth nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque

import itsdangerous
from fastapi import Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.services.accounts import login_name
from nosetwitch.services.sessions import SessionStore

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionCookies(SessionMiddleware):
    """Starlette's signed-cookie session, with the check of a cookie's signature done once.

    A person's browser sends the same cookie with every request until the session
    changes, and checking its HMAC was a tenth of the cost of logging a twitch
    (bench/web_load.py). `_RememberingSigner` keeps the last few thousand cookies
    whose signature it checked; the age limit is still checked on every request.
    """

    def __init__(self, app: ASGIApp, secret_key: str, *, session_cookie: str, max_age: int, https_only: bool) -> None:
        super().__init__(app, secret_key, session_cookie=session_cookie, max_age=max_age, same_site="lax", https_only=https_only)
        self.signer = _RememberingSigner(secret_key)


class _RememberingSigner(itsdangerous.TimestampSigner):
    """`unsign` remembers the values it verified (by the exact signed bytes) and when they
    were signed. A value it has not seen, a forged one or an expired one takes the full
    check every time, with itsdangerous's own errors."""

    def __init__(self, secret_key: str, remembered: int = 4096) -> None:
        super().__init__(secret_key)
        self._verified = functools.lru_cache(maxsize=remembered)(self._verify)

    def _verify(self, signed_value: bytes) -> tuple[bytes, float]:
        value, signed_at = super().unsign(signed_value, return_timestamp=True)
        return value, signed_at.timestamp()

    # TimestampSigner.unsign's signature, without the overloads that tell its two results apart.
    def unsign(  # type: ignore[override]
        self, signed_value: str | bytes, max_age: int | None = None, return_timestamp: bool = False
    ) -> tuple[bytes, dt.datetime] | bytes:
        if return_timestamp:
            return super().unsign(signed_value, max_age, return_timestamp)
        value, signed_at = self._verified(itsdangerous.encoding.want_bytes(signed_value))
        age = self.get_timestamp() - signed_at
        if max_age is not None and not 0 <= age <= max_age:
            return super().unsign(signed_value, max_age)  # raises SignatureExpired, as it would have
        return value


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def require_csrf(request: Request) -> None:
    """Dependency: refuse a state-changing request without the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette, the endpoint reads it again
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
        raise Problem(
            403,
            f"missing or wrong CSRF token: send the {CSRF_HEADER} header (from GET /api/v1/session) "
            f"or the {CSRF_FIELD} form field; reload the page and try again",
            errors=[{"field": CSRF_FIELD, "message": "missing or does not match the session"}],
        )


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: kept in the session, it changes with the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def start_session(request: Request, user_id: int, password_hash: str) -> None:
    """Log in: a fresh session (new CSRF token, a new server-side row), so a planted
    session id gains nothing."""
    end_session(request)
    request.session["uid"] = user_id
    request.session["pwf"] = password_fingerprint(password_hash)
    request.session["sid"] = session_store(request).create(int(user_id), label=(request.headers.get("user-agent") or "")[:200] or None)
    csrf_token(request)


def end_session(request: Request) -> None:
    """Log out: the server forgets the session (a copy of the cookie is worth nothing) and the cookie is emptied."""
    sid = request.session.get("sid")
    if sid and request.app.state.web.multi_user:
        session_store(request).end(sid)
    request.session.clear()


def session_store(request: Request) -> SessionStore:
    """The `sessions` table of the app's database (multi-user mode)."""
    web = request.app.state.web
    if web.sessions is None:
        web.sessions = SessionStore(web.database_url)
    return web.sessions


class LoginThrottle:
    """Counts login attempts per user name and per client address in a sliding window.

    `attempt` checks and counts in one step under a lock: of 40 wrong logins
    sent at once for one name, 5 are checked and 35 refused. An attempt counts
    as a failure until `succeeded` clears the name. The name is read exactly as
    login reads it (`login_name`: trimmed, lower case), so `"name "` is the same
    name. Memory is bounded: at most `max_keys` names and addresses are
    remembered, those idle longest are forgotten first, and keys whose window
    has passed are swept as new ones come. The counts live in the server
    process (`nosetwitch serve` runs one)."""

    def __init__(self, *, per_name: int = 5, per_address: int = 20, window_s: float = 900.0, max_keys: int = 50_000):
        self.per_name = per_name
        self.per_address = per_address
        self.window_s = window_s
        self.max_keys = max_keys
        self._stamps: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _name_key(name: str) -> str:
        return "name:" + login_name(name)

    def _recent(self, key: str, limit: int, now: float) -> deque[float]:
        stamps = self._stamps.get(key)
        if stamps is None:
            stamps = self._stamps[key] = deque(maxlen=limit)
        self._stamps.move_to_end(key)
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        return stamps

    def _sweep(self, now: float) -> None:
        """Forget the keys idle longest: all whose window has passed, and any past `max_keys`."""
        while self._stamps:
            key, stamps = next(iter(self._stamps.items()))
            if len(self._stamps) > self.max_keys or not stamps or stamps[-1] <= now - self.window_s:
                del self._stamps[key]
            else:
                break

    def attempt(self, name: str, address: str, now: float | None = None) -> int:
        """Check and count one login attempt atomically: 0 when it may go ahead
        (it counts as a failure until `succeeded`), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            keys = ((self._name_key(name), self.per_name), (f"addr:{address}", self.per_address))
            recent = [(self._recent(key, limit, now), limit) for key, limit in keys]
            waits = [stamps[0] + self.window_s - now for stamps, limit in recent if len(stamps) >= limit]
            if waits:
                self._sweep(now)
                return int(max(waits) + 1)
            for stamps, _ in recent:
                stamps.append(now)
            self._sweep(now)
            return 0

    def retry_after(self, name: str, address: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now (nothing counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            keys = ((self._name_key(name), self.per_name), (f"addr:{address}", self.per_address))
            waits = []
            for key, limit in keys:
                stamps = self._stamps.get(key)
                live = [t for t in (stamps or ()) if t > now - self.window_s]
                if len(live) >= limit:
                    waits.append(live[0] + self.window_s - now)
            return int(max(waits) + 1) if waits else 0

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        """Count a failure without a check (an `attempt` already counts itself)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(self._name_key(name), self.per_name, now).append(now)
            self._recent(f"addr:{address}", self.per_address, now).append(now)
            self._sweep(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._stamps.pop(self._name_key(name), None)

    @property
    def remembered(self) -> int:
        """How many names and addresses are remembered now (bounded by `max_keys`)."""
        return len(self._stamps)
