"""Session, CSRF and login throttling for the web app.

* The session is a signed cookie (Starlette's SessionMiddleware: HttpOnly,
  SameSite=Lax, Secure off loopback). It holds the CSRF token and, in
  multi-user mode, the user id plus a fingerprint of the password hash, so
  changing a password ends every older session.
* Every state-changing request (POST, PUT, PATCH, DELETE) must carry the
  session's CSRF token: the `csrf_token` form field or the `X-CSRF-Token`
  header. This applies in local mode too: any web page the person visits
  could otherwise post to the server on 127.0.0.1.
* Login failures are counted per user name and per client address in a
  sliding window; past the limit the login answers 429 with Retry-After.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request

from nosetwitch.interfaces.web.problems import Problem

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def start_session(request: Request, user_id: str, password_hash: str) -> None:
    """Log in: a fresh session (new CSRF token), so a planted session id gains nothing."""
    request.session.clear()
    request.session["uid"] = user_id
    request.session["pwf"] = password_fingerprint(password_hash)
    csrf_token(request)


def end_session(request: Request) -> None:
    request.session.clear()


class LoginThrottle:
    """Counts failed logins per key in a sliding window (in memory, per process)."""

    def __init__(self, *, per_name: int = 5, per_address: int = 20, window_s: float = 900.0):
        self.per_name = per_name
        self.per_address = per_address
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures[key]
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        return stamps

    def retry_after(self, name: str, address: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key, limit in ((f"name:{name.lower()}", self.per_name), (f"addr:{address}", self.per_address)):
                stamps = self._recent(key, now)
                if len(stamps) >= limit:
                    waits.append(stamps[0] + self.window_s - now)
            return int(max(waits) + 1) if waits else 0

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failures[f"name:{name.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name.lower()}", None)
