"""What the pages and the API both do, in one place.

Each function takes the `Viewer` (the person and their diary service) and
plain values, calls the services and the engines, and turns the services'
errors into `Problem`s: NotFound -> 404, Conflict -> 409, InvalidRecord and
bad documents -> 422 naming the field. The engines that take long to import
(insights, the PDF report, CSV and FHIR writers) are imported inside the
functions that use them, so the server starts fast.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.exc import IntegrityError

from nosetwitch.domain.clock import zone
from nosetwitch.domain.models import DayCheckIn, Diary, Episode, moment_in_range
from nosetwitch.interfaces.interchange.csv_export import diary_tables, diary_to_csv_zip
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, diary_to_json, parse_diary
from nosetwitch.interfaces.interchange.fhir import diary_to_fhir_bundle
from nosetwitch.interfaces.web.deps import Viewer, current_account
from nosetwitch.interfaces.web.problems import Problem, errors_json
from nosetwitch.interfaces.web.security import end_session, session_store, start_session
from nosetwitch.interfaces.web.views import overview
from nosetwitch.reports import default_filename, render_report
from nosetwitch.reports import report_content as gather_report
from nosetwitch.services.accounts import AccountError, check_password
from nosetwitch.services.episodes import now_in
from nosetwitch.services.errors import Conflict, DiaryError, InvalidRecord, NotFound
from nosetwitch.services.owner import forget
from nosetwitch.triage import triage

R = TypeVar("R")


def call(function: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Run a service call, answering its errors as problems."""
    try:
        return function(*args, **kwargs)
    except (NotFound, Conflict, InvalidRecord, IntegrityError) as exc:
        raise as_problem(exc) from None


async def call_async(awaitable: Awaitable[R]) -> R:
    """`call` for a service call that is awaited."""
    try:
        return await awaitable
    except (NotFound, Conflict, InvalidRecord, IntegrityError) as exc:
        raise as_problem(exc) from None


def as_problem(exc: Exception) -> Problem:
    """NotFound -> 404, Conflict -> 409, InvalidRecord -> 422, each listing its problems field by field."""
    if isinstance(exc, DiaryError):
        if isinstance(exc, NotFound):  # a key in the URL: no field to point at, unless the key came in one
            return Problem(404, str(exc), errors=errors_json(p for p in exc.problems if p.field))
        return Problem(409 if isinstance(exc, Conflict) else 422, str(exc), errors=errors_json(exc.problems))
    # IntegrityError: another program (the CLI) wrote the same key in between
    return Problem(409, "the record clashes with one written at the same moment; try again")


def now_for(viewer: Viewer) -> dt.datetime:
    """Now, written in the person's own time zone (the offset they will see)."""
    return now_in(viewer.diary.get_person().timezone)


def aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    """A moment to look from (`as_of`): with a UTC offset, in the years 1900-2199."""
    return bound(value, field)




def bound(value: dt.datetime | None, field: str) -> dt.datetime | None:
    """A query's `since`, `until` or `as_of`: with a UTC offset, in the years 1900-2199."""
    if value is None:
        return None
    if value.utcoffset() is None:
        raise Problem(422, f"{field}: needs a UTC offset, e.g. 2026-03-10T20:00:00+01:00", errors=[{"field": field, "message": "needs a UTC offset"}])
    try:
        return moment_in_range(value)
    except ValueError as exc:
        raise Problem(422, f"{field}: {exc}", errors=[{"field": field, "message": str(exc)}]) from None


# --- records -----------------------------------------------------------------------------


async def log_twitch(viewer: Viewer, fields: dict[str, Any]) -> Episode:
    """Log a twitch (API and quick-log page): no id, one is allocated; no start, now.
    Stored together with the twitches logged at the same moment (`DiaryOwner.log_twitch_soon`)."""
    return await call_async(viewer.diary.log_twitch_soon(fields))


def repeated_episode(viewer: Viewer, fields: dict[str, Any], clash: Problem) -> Episode:
    """A create that clashed on its id: the stored episode when the request repeats it.

    Phones send a twitch logged offline with an id made on the device, and may
    send it again (a retry, a lost answer, a replayed queue). The repeat is the
    same twitch when every field it sends agrees with the stored episode;
    fields it leaves out are not compared. Otherwise the clash stands: 409
    naming `id` (a different twitch must get an id of its own).
    """
    episode_id = fields.get("id")
    if clash.status != 409 or not episode_id:
        raise clash
    try:
        stored = viewer.diary.get_episode(episode_id)
    except NotFound:
        raise clash from None
    try:
        repeated = Episode.model_validate({**stored.model_dump(), **fields})
    except ValueError:
        repeated = None
    if repeated != stored:
        message = f"id {episode_id!r} belongs to a different twitch already stored; a repeated id is accepted only with the same content: give a new twitch a new id"
        raise Problem(409, message, errors=[{"field": "id", "message": "already used by a different twitch"}])
    return stored


def add_remedy(viewer: Viewer, fields: dict[str, Any]):
    if fields.get("at") is None:
        fields["at"] = now_for(viewer)
    return call(viewer.diary.add_remedy, **fields)


def create_day(viewer: Viewer, day: DayCheckIn) -> DayCheckIn:
    try:
        viewer.diary.get_day(day.date)
    except NotFound:
        return call(viewer.diary.upsert_day, day)[0]
    raise Problem(409, f"there is already a check-in for {day.date.isoformat()}: use PUT or PATCH /api/v1/days/{day.date.isoformat()}", errors=[{"field": "date", "message": "already has a check-in"}])


def put_day(viewer: Viewer, date: dt.date, body) -> tuple[DayCheckIn, bool]:
    if body.date is not None and body.date != date:
        raise Problem(422, f"date: the body says {body.date.isoformat()} but the URL {date.isoformat()}", errors=[{"field": "date", "message": "differs from the date in the URL"}])
    values = body.model_dump(exclude={"date"})
    day = DayCheckIn(date=date, **values)
    return call(viewer.diary.upsert_day, day, merge=False)


# --- overview, triage, insights -------------------------------------------------------------


def triage_of(viewer: Viewer, as_of: dt.datetime | None = None):
    """Triage of the stored diary at `as_of` (default now)."""
    as_of = as_of or now_for(viewer)
    return viewer.diary.read(lambda diary, timeline: triage(diary, as_of, timeline=timeline))


def overview_of(viewer: Viewer):
    """(Overview numbers, triage result) for now."""
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def numbers_and_triage(diary: Diary, timeline):
        now = at.astimezone(zone(diary.person.timezone))  # the person's offset, as episodes.now_in
        # The overview shows the level and the sentences, not the lists of episode ids.
        return overview(diary, now, timeline), triage(diary, now, timeline=timeline, with_evidence=False)

    # The server keeps the diary's episodes in an up-to-date timeline (DiaryOwner),
    # so neither needs to look at every episode; asked again within the same second
    # of an unchanged diary, the answer is the same one.
    return viewer.diary.read(numbers_and_triage, memo=("overview", at))


def overview_json(viewer: Viewer) -> dict:
    numbers, result = overview_of(viewer)
    return {
        "today": numbers.today.isoformat(),
        "today_count": numbers.today_count,
        "week_count": numbers.week_count,
        "week_days": numbers.week_days,
        "previous_week_count": numbers.previous_week_count,
        "streak_days": numbers.streak_days,
        "last_episode_at": numbers.last_episode_at.isoformat() if numbers.last_episode_at else None,
        "checked_in_today": numbers.checked_in_today,
        "triage_level": result.level.value,
        "triage_main_reason": result.reasons[0].summary if result.reasons else None,
    }


class _InsightsCache:
    """The last insights per owner, reused while the diary is unchanged.

    Insights fit models over the whole diary (seconds on a long one), so a
    page view must not redo them when nothing was logged in between. The key
    is the owner plus a fingerprint of the loaded diary.
    """

    def __init__(self, size: int = 32):
        self._entries: OrderedDict[tuple, dict] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple, compute: Callable[[], dict]) -> dict:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


insights_cache = _InsightsCache()


def insights_of(viewer: Viewer, as_of: dt.datetime | None = None, diary: Diary | None = None) -> dict:
    """The insights report (spec insights.md) as a dict, cached per diary state."""
    from nosetwitch.insights import compute_insights  # lazy: statsmodels and SciPy, 0.7 s, load on the first insights page, not at server start
    diary = diary or viewer.diary.load_diary(as_of=as_of)
    today = as_of.date().isoformat() if as_of else dt.date.today().isoformat()
    key = (viewer.diary.owner_id, today, hash(diary_to_json(diary, indent=None)))
    return insights_cache.get_or_compute(key, lambda: compute_insights(diary, as_of).to_dict())


# --- import and export -----------------------------------------------------------------------


def import_bytes(viewer: Viewer, data: bytes) -> dict[str, dict[str, int]]:
    """Validate the whole document first (nothing is written when any record is bad)."""
    try:
        diary = parse_diary(data)
    except DiaryFormatError as exc:
        errors = [{"field": problem.field or "document", "message": problem.message} for problem in exc.problems]
        raise Problem(422, f"the diary was not imported, nothing was changed: {exc}", errors=errors) from None
    summary = call(viewer.diary.import_diary, diary)
    return summary_counts(summary)


def summary_counts(summary) -> dict[str, dict[str, int]]:
    counts = {}
    for kind in ("person", "medications", "episodes", "symptoms", "days", "remedies"):
        value = getattr(summary, kind, None)
        if value is not None:
            counts[kind] = {"added": value.added, "updated": value.updated, "unchanged": value.unchanged}
    return counts


def export_body(viewer: Viewer, format: str, table: str | None = None) -> tuple[bytes, str, str]:
    """(body, media type, file name) of the whole diary: JSON, a zip of CSV tables, or one table."""
    diary = viewer.diary.export_diary()
    stamp = dt.date.today().isoformat()
    if format == "csv":

        if table is None:
            return diary_to_csv_zip(diary), "application/zip", f"nosetwitch-{stamp}-csv.zip"
        tables = diary_tables(diary)
        name = f"{table}.csv"
        if name not in tables:
            choices = ", ".join(sorted(t.removesuffix(".csv") for t in tables))
            raise Problem(422, f"table: no table {table!r}; choose one of {choices}", errors=[{"field": "table", "message": f"one of {choices}"}])
        return tables[name], "text/csv; charset=utf-8", f"nosetwitch-{stamp}-{name}"
    if format == "fhir":
        import json


        bundle = diary_to_fhir_bundle(diary, now_for(viewer))
        return json.dumps(bundle, indent=2, ensure_ascii=False).encode(), "application/fhir+json", f"nosetwitch-{stamp}-fhir.json"
    return diary_to_json(diary).encode(), "application/json", f"nosetwitch-{stamp}.json"


def report_pdf(viewer: Viewer, days: int, start: dt.date | None = None, end: dt.date | None = None) -> tuple[bytes, str]:
    """(PDF bytes, file name) of the doctor's report for the last `days` days, or for start..end."""

    now = now_for(viewer)
    diary = viewer.diary.load_diary(as_of=now)
    end = end or now.date()
    start = start or end - dt.timedelta(days=days - 1)
    insights = insights_of(viewer, now, diary)
    return render_report(diary, start=start, end=end, as_of=now, insights=insights), default_filename(end)


def report_content(viewer: Viewer, start: dt.date, end: dt.date):
    """The doctor's report as content (reports.content.ReportContent), for the print-friendly page:
    the same figures and sentences as the PDF of that period."""

    now = now_for(viewer)
    diary = viewer.diary.load_diary(as_of=now)
    return gather_report(diary, start=start, end=end, as_of=now, insights=insights_of(viewer, now, diary)), diary.tz


# --- accounts ----------------------------------------------------------------------------------


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def log_in(request: Request, username: str, password: str):
    """The account, or a 401/429 problem. Failures count against name and address."""
    web = request.app.state.web
    if not web.multi_user:
        raise Problem(404, "this server runs in local mode: there are no accounts to log in to")
    address = _client_address(request)
    wait = web.throttle.attempt(username, address)  # checked and counted in one step
    if wait:
        raise Problem(429, f"too many failed logins; try again in {wait} seconds", headers={"Retry-After": str(wait)})
    account = web.accounts.authenticate(username, password)
    if account is None:
        raise Problem(401, "wrong user name or password", errors=[{"field": "password", "message": "wrong user name or password"}])
    web.throttle.succeeded(username)
    return account


def register(request: Request, username: str, password: str):
    web = request.app.state.web
    if not web.multi_user:
        raise Problem(404, "this server runs in local mode: accounts exist only with --multi-user")
    if not web.allow_signup:
        raise Problem(403, "sign-up is closed on this server; ask its administrator for an account")
    try:
        return web.accounts.register(username, password)
    except AccountError as exc:
        raise Problem(422, f"{exc.field}: {exc}", errors=[{"field": exc.field, "message": str(exc)}]) from None


def _account_of(request: Request):
    web = request.app.state.web
    if not web.multi_user:
        raise Problem(404, "this server runs in local mode: there are no accounts")
    account = current_account(request)
    if account is None:
        raise Problem(401, "log in first")
    return account


def _confirm_password(request: Request, account, password: str, field: str) -> None:
    """The current password, checked under the login limit (a stolen session cannot guess it)."""
    web = request.app.state.web
    wait = web.throttle.attempt(account.username, _client_address(request))
    if wait:
        raise Problem(429, f"too many wrong passwords; try again in {wait} seconds", headers={"Retry-After": str(wait)})
    if not web.accounts.verify(account.id, password):
        raise Problem(403, f"{field}: that is not your current password", errors=[{"field": field, "message": "that is not your current password"}])
    web.throttle.succeeded(account.username)


def change_password(request: Request, current_password: str, new_password: str):
    """A new password; every other session of the person ends, this one starts afresh."""
    account = _account_of(request)
    _confirm_password(request, account, current_password, "current_password")
    try:
        account = request.app.state.web.accounts.set_password(account.id, new_password)
    except AccountError as exc:
        raise Problem(422, f"{exc.field}: {exc}", errors=[{"field": exc.field, "message": str(exc)}]) from None
    session_store(request).end_all(account.id, kind=None)  # browsers and reset links alike
    start_session(request, account.id, account.password_hash)
    return account


def log_out_everywhere(request: Request) -> int:
    """End every session of the person, this one included; how many ended."""
    account = _account_of(request)
    ended = session_store(request).end_all(account.id)
    end_session(request)
    return ended


def delete_account(request: Request, password: str, confirm: str) -> str:
    """Remove the account and every row of the person's diary; the session ends. The
    password and the user name typed again confirm it."""
    account = _account_of(request)
    if confirm.strip().lower() != account.username:
        raise Problem(422, "confirm: type your user name to confirm", errors=[{"field": "confirm", "message": f"type {account.username} to confirm"}])
    _confirm_password(request, account, password, "password")
    web = request.app.state.web
    web.accounts.delete(account.id)
    forget(web.database_url, account.id)
    end_session(request)
    return account.username


def reset_password(request: Request, token: str, new_password: str):
    """Set a new password with a one-time link (`nosetwitch user reset-password`)."""
    web = request.app.state.web
    store = session_store(request)
    owner = store.peek(token)
    account = web.accounts.get(owner) if owner is not None else None
    if account is None:
        raise Problem(404, "this reset link is unknown, used or expired; ask for a new one", errors=[{"field": "token", "message": "unknown, used or expired"}])
    try:
        check_password(new_password, account.username)
    except AccountError as exc:
        raise Problem(422, f"new_password: {exc}", errors=[{"field": "new_password", "message": str(exc)}]) from None
    if store.consume(token) != account.id:  # used by another request in the meantime
        raise Problem(404, "this reset link is unknown, used or expired; ask for a new one", errors=[{"field": "token", "message": "unknown, used or expired"}])
    account = web.accounts.set_password(account.id, new_password)
    store.end_all(account.id, kind=None)
    return account
