"""The phone: pairing in local mode (`serve --lan`), the installable app, reminders.

Pairing. Local mode has no login, so a server reachable from the home
network lets in only browsers it has paired. The computer (loopback) shows
a QR code holding the address and a one-time code; the phone that opens it
posts the code and receives a long-lived device cookie (only its SHA-256 is
stored, `services.devices`). Every other request from the network gets the
"pair this device" page (API: a 401 problem) and nothing from the diary.
The code travels in the URL's fragment (`/pair#code=...`), which browsers
never send, and then in a POST body: it reaches no access log. Codes are
single-use, expire after a few minutes, are compared in constant time, and
wrong guesses are rate-limited per address and overall.

Reminders. Profile › Reminders chooses a time and days; the calendar file
(`interchange.ics`) is offered to download and at a secret URL that needs
no session (calendar apps have none).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from nosetwitch.interfaces.interchange.ics import reminder_calendar
from nosetwitch.interfaces.web.deps import Viewer, page_viewer
from nosetwitch.interfaces.web.navigation import redirect
from nosetwitch.interfaces.web.pages import render
from nosetwitch.interfaces.web.problems import Problem, problem_response
from nosetwitch.interfaces.web.security import LoginThrottle, require_csrf
from nosetwitch.services.devices import DeviceService, name_from_user_agent
from nosetwitch.services.owner import local_owner
from nosetwitch.services.reminders import DEFAULT_TIME, WEEKDAYS, ReminderService, owner_of_calendar
from nosetwitch.storage.database import open_engine
from nosetwitch.storage.models import ProfileRow

STATIC = Path(__file__).parent / "static"
DEVICE_COOKIE = "nosetwitch_device"
DEVICE_MAX_AGE_S = 400 * 24 * 3600
"""The longest lifetime browsers keep a cookie for (Chrome caps at 400 days)."""
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: the code can be typed from the screen without guessing."""
CODE_LENGTH = 8
CODE_LIFETIME_S = float(os.environ.get("NOSETWITCH_PAIRING_CODE_SECONDS", "300"))
"""How long a pairing code works: 5 minutes (the environment variable shortens it for tests)."""
MAX_CODE_INPUT = 32
OPEN_PATHS = ("/pair", "/static/", "/manifest.webmanifest", "/sw.js", "/calendar/")
"""What a network client may ask for before pairing: nothing holds diary data."""

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
PageViewer = Annotated[Viewer, Depends(page_viewer)]


# --- pairing codes -------------------------------------------------------------------------------


@dataclass
class Pairing:
    code: str
    expires_at: dt.datetime  # wall clock, to show
    expires_mono: float

    @property
    def grouped(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


class PairingCodes:
    """One pairing code at a time, in this process's memory only (never stored, never logged)."""

    def __init__(self, lifetime_s: float = CODE_LIFETIME_S, clock=time.monotonic):
        self.lifetime_s = lifetime_s
        self._clock = clock
        self._current: Pairing | None = None
        self._lock = threading.Lock()
        # 5 wrong codes per address, 20 in all, per 5 minutes.
        self.throttle = LoginThrottle(per_name=20, per_address=5, window_s=300)

    def new(self) -> Pairing:
        """A fresh code; the previous one stops working."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock()
        pairing = Pairing(code, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=self.lifetime_s), now + self.lifetime_s)
        with self._lock:
            self._current = pairing
        return pairing

    def redeem(self, candidate: str) -> bool:
        """True once for the current, unexpired code; it is used up then."""
        typed = normalize_code(candidate)
        with self._lock:
            current = self._current
            if current is None or self._clock() >= current.expires_mono:
                return False
            if not hmac.compare_digest(typed.encode(), current.code.encode()):
                return False
            self._current = None
            return True


def normalize_code(typed: str) -> str:
    """'abcd-2345 ' -> 'ABCD2345' (people type codes with spaces, dashes, small letters)."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


# --- what the server serves ------------------------------------------------------------------------


@dataclass
class LanMode:
    """`serve --lan`: the addresses served, the phone's URL and the pairing codes."""

    lan_address: str
    port: int
    scheme: str = "http"
    codes: PairingCodes = field(default_factory=PairingCodes)

    @property
    def url(self) -> str:
        host = f"[{self.lan_address}]" if ":" in self.lan_address else self.lan_address
        return f"{self.scheme}://{host}:{self.port}"

    def pair_url(self, pairing: Pairing) -> str:
        return f"{self.url}/pair#code={pairing.code}"


def is_loopback_client(request_or_scope) -> bool:
    scope = request_or_scope.scope if hasattr(request_or_scope, "scope") else request_or_scope
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


def device_service(web):
    diary = local_owner(web.database_url)
    return DeviceService(diary.engine, diary.owner_id)


class DeviceGate:
    """ASGI middleware of `serve --lan`: network clients must be paired devices.

    Loopback passes. A network request with a known device cookie passes (the
    device is put in `scope["state"]["device"]`). Anything else may only open
    OPEN_PATHS: a page is redirected to /pair, the API answers 401.
    """

    def __init__(self, app, web):
        self.app = app
        self.web = web

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or is_loopback_client(scope):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        device = await run_in_threadpool(self._device, scope)
        if device is not None:
            scope.setdefault("state", {})["device"] = device
            await self.app(scope, receive, send)
            return
        if path == "/pair" or path.startswith(OPEN_PATHS[1:]):
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/"):
            response: Response = problem_response(401, "this device is not paired: open the pairing QR code shown on the computer (Profile › Use on my phone)")
        elif scope.get("method") in ("GET", "HEAD"):
            response = RedirectResponse("/pair", status_code=303)
        else:
            response = problem_response(403, "this device is not paired")
        await response(scope, receive, send)

    def _device(self, scope):
        token = _cookie(scope, DEVICE_COOKIE)
        return device_service(self.web).recognise(token) if token else None


def _cookie(scope, name: str) -> str | None:
    from http.cookies import SimpleCookie

    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            if name in jar:
                return jar[name].value
    return None


def qr_svg(data: str) -> str:
    """The QR code as an inline SVG (segno), dark modules on white, scalable."""
    import segno

    return segno.make(data, error="m").svg_inline(scale=6, border=4, dark="#111", light="#fff", title="Pairing QR code", omitsize=True)


def qr_terminal(data: str) -> str:
    import io

    import segno

    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


# --- pages: pairing ------------------------------------------------------------------------------------


def _render(request: Request, template: str, status: int = 200, **extra):
    return render(request, template, status=status, **extra)


def _lan(request: Request) -> LanMode | None:
    return request.app.state.web.lan


@router.get("/pair", response_class=HTMLResponse)
def pair_page(request: Request):
    lan = _lan(request)
    if lan is None or is_loopback_client(request):
        return RedirectResponse("/profile/phone", status_code=303)
    if request.scope.get("state", {}).get("device") is not None:
        return RedirectResponse("/", status_code=303)
    return _pair_form(request)


def _pair_form(request: Request, errors=None, status: int = 200, name: str = ""):
    return _render(
        request, "pair.html", status=status, title="Pair this device", nav=(), errors=errors or [],
        device_name=name or name_from_user_agent(request.headers.get("user-agent", "")),
    )


@router.post("/pair", response_class=HTMLResponse)
async def pair(request: Request):
    lan = _lan(request)
    if lan is None:
        raise Problem(404, "pairing is only offered by 'nosetwitch serve --lan'")
    form = await request.form()
    code = form.get("code")
    name = form.get("name")
    name = name.strip()[:100] if isinstance(name, str) else ""
    address = request.client.host if request.client else "?"
    codes = lan.codes
    wait = codes.throttle.retry_after("pairing", address)
    if wait:
        response = _pair_form(request, [{"field": "code", "message": f"too many attempts; wait {wait} seconds and ask the computer for a new code"}], 429, name)
        response.headers["Retry-After"] = str(wait)
        return response
    if not isinstance(code, str) or not code.strip():
        codes.throttle.failed("pairing", address)
        return _pair_form(request, [{"field": "code", "message": "enter the code shown on the computer (8 letters and digits)"}], 422, name)
    if len(code) > MAX_CODE_INPUT:
        codes.throttle.failed("pairing", address)
        return _pair_form(request, [{"field": "code", "message": f"too long: the code has {CODE_LENGTH} letters and digits"}], 422, name)
    if not codes.redeem(code):
        codes.throttle.failed("pairing", address)
        message = "this code is wrong, used up or expired: on the computer, open Profile › Use on my phone for a new one"
        return _pair_form(request, [{"field": "code", "message": message}], 403, name)
    web = request.app.state.web
    token, device = await run_in_threadpool(device_service(web).pair, name or name_from_user_agent(request.headers.get("user-agent", "")))
    request.session["flash"] = f"This device is paired as “{device.name}”. Log a twitch with one tap."
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_MAX_AGE_S, httponly=True, samesite="lax", secure=lan.scheme == "https", path="/")
    return response


# --- pages: Profile › Use on my phone --------------------------------------------------------------------


@router.get("/profile/phone", response_class=HTMLResponse)
def phone_page(request: Request, viewer: PageViewer):
    return _phone_page(request, None)


def _phone_page(request: Request, pairing: Pairing | None):
    web = request.app.state.web
    lan = _lan(request)
    devices = device_service(web).list() if not web.multi_user else []
    this_device = request.scope.get("state", {}).get("device")
    return _render(
        request, "phone.html", title="Use on my phone", lan=lan, pairing=pairing,
        pair_url=lan.pair_url(pairing) if lan and pairing else None,
        qr=qr_svg(lan.pair_url(pairing)) if lan and pairing else None,
        devices=devices, this_device_pk=getattr(this_device, "pk", None), loopback=is_loopback_client(request),
        tz=_viewer_zone(request),
    )


def _viewer_zone(request: Request):
    try:
        return ZoneInfo(local_owner(request.app.state.web.database_url).get_person().timezone)
    except Exception:
        return dt.timezone.utc


@router.post("/profile/phone/code", response_class=HTMLResponse)
def new_code(request: Request, viewer: PageViewer):
    lan = _lan(request)
    if lan is None:
        raise Problem(409, "start the server with 'nosetwitch serve --lan' to pair a phone")
    if not is_loopback_client(request):
        raise Problem(403, "pairing codes are made on the computer itself, not on a paired device")
    response = _phone_page(request, lan.codes.new())
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/devices/{pk}/unpair")
def unpair(request: Request, viewer: PageViewer, pk: int):
    if request.app.state.web.multi_user or not device_service(request.app.state.web).unpair(pk):
        raise Problem(404, "no such paired device")
    this_device = request.scope.get("state", {}).get("device")
    if this_device is not None and this_device.pk == pk:
        response = RedirectResponse("/pair", status_code=303)
        response.delete_cookie(DEVICE_COOKIE, path="/")
        return response
    return redirect("/profile/phone", "Unpaired. That device must pair again to open the diary.", request)


# --- the installable app ----------------------------------------------------------------------------------


MANIFEST = {
    "name": "nosetwitch",
    "short_name": "nosetwitch",
    "description": "A private twitch diary: log a twitch with one tap.",
    "id": "/",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#fbfaf7",
    "theme_color": "#12324f",
    "icons": [
        {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


@router.get("/manifest.webmanifest")
def manifest():
    return JSONResponse(MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
def service_worker():
    # Served from the root so that it may control every page (its scope is "/").
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


# --- reminders ------------------------------------------------------------------------------------------


def reminder_service(viewer: Viewer):
    return ReminderService(viewer.diary.engine, viewer.diary.owner_id)


def _base_url(request: Request) -> str:
    """Where a phone reaches this server: the home-network address under --lan."""
    lan = _lan(request)
    return lan.url if lan else str(request.base_url).rstrip("/")


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@router.get("/profile/reminders", response_class=HTMLResponse)
def reminders_page(request: Request, viewer: PageViewer):
    return _reminders(request, viewer)


def _reminders(request: Request, viewer: Viewer, errors=None, status: int = 200, values=None):
    reminder = reminder_service(viewer).get()
    feed = f"{_base_url(request)}/calendar/{reminder.calendar_token}.ics" if reminder else None
    return _render(
        request, "reminders.html", status=status, title="Reminders", reminder=reminder, errors=errors or [],
        at=(values or {}).get("at") or (reminder.at if reminder else DEFAULT_TIME).strftime("%H:%M"),
        days=(values or {}).get("days") or (reminder.days if reminder else WEEKDAYS),
        weekdays=list(zip(WEEKDAYS, DAY_NAMES)),
        day_names=_and([DAY_NAMES[WEEKDAYS.index(d)] for d in reminder.days]) if reminder else "",
        feed_url=feed, webcal_url=feed and "webcal://" + feed.split("://", 1)[1],
        timezone=viewer.diary.get_person().timezone,
    )


@router.post("/profile/reminders", response_class=HTMLResponse)
async def save_reminder(request: Request, viewer: PageViewer):
    form = await request.form()
    at_text = form.get("at")
    days = [d for d in form.getlist("days") if isinstance(d, str)]
    errors = []
    try:
        at = dt.time.fromisoformat(at_text) if isinstance(at_text, str) and len(at_text) <= 8 else None
    except ValueError:
        at = None
    if at is None:
        errors.append({"field": "at", "message": "give a time of day such as 20:00"})
    if not days:
        errors.append({"field": "days", "message": "choose at least one day"})
    if at is not None and not errors:  # no time of day is one of the errors
        try:
            await run_in_threadpool(reminder_service(viewer).set, at.replace(second=0, microsecond=0), days)
        except ValueError as exc:
            errors.append({"field": "days", "message": str(exc)})
    if errors:
        return _reminders(request, viewer, errors, 422, {"at": at_text if isinstance(at_text, str) else "", "days": days})
    return redirect("/profile/reminders", "Saved the reminder. Add it to your calendar below.", request)


@router.post("/profile/reminders/new-link")
def new_calendar_link(request: Request, viewer: PageViewer):
    reminder_service(viewer).new_link()
    return redirect("/profile/reminders", "Made a new calendar link; the old one no longer works.", request)


@router.post("/profile/reminders/delete")
def delete_reminder(request: Request, viewer: PageViewer):
    reminder_service(viewer).delete()
    return redirect("/profile/reminders", "Removed the reminder; the calendar link no longer works. Remove the event from your calendar too.", request)


def _calendar_response(request: Request, reminder, timezone: str, owner_id: int, download: bool) -> Response:
    today = dt.datetime.now(ZoneInfo(timezone)).date()
    body = reminder_calendar(
        reminder, timezone, f"{_base_url(request)}/day",
        uid=f"day-check-in-{owner_id}-{reminder.calendar_token[:8]}@nosetwitch", today=today,
    )
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = 'attachment; filename="nosetwitch-reminder.ics"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/profile/reminders/reminder.ics")
def download_calendar(request: Request, viewer: PageViewer):
    reminder = reminder_service(viewer).get()
    if reminder is None:
        raise Problem(404, "choose a reminder time first")
    return _calendar_response(request, reminder, viewer.diary.get_person().timezone, viewer.diary.owner_id, True)


@router.get("/calendar/{token}.ics")
def subscribed_calendar(request: Request, token: str):
    """The subscribable calendar: the secret token is the only key (no session, no device)."""
    web = request.app.state.web
    found = owner_of_calendar(open_engine(web.database_url), token)
    if found is None:
        raise Problem(404, "no calendar at this address (the link may have been replaced)")
    owner_id, reminder = found
    timezone = _timezone_of(web.database_url, owner_id)
    return _calendar_response(request, reminder, timezone, owner_id, False)


def _timezone_of(database_url: str | None, owner_id: int) -> str:
    with Session(open_engine(database_url)) as session:
        row = session.get(ProfileRow, owner_id)
        return row.timezone if row is not None else "UTC"
