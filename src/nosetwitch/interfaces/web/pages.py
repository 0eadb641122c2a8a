"""The HTML pages. Every form is a plain POST (works without JavaScript),
protected by the CSRF token, and answered with a redirect (post/redirect/get)
or the same form again with the mistakes listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from nosetwitch.domain.clock import local_date, zone
from nosetwitch.domain.models import Interference, LocalDate, QueryDate, RemedyCode, Site, SymptomCode
from nosetwitch.interfaces.web import charts, forms, usecases, views
from nosetwitch.interfaces.web import schemas as s
from nosetwitch.interfaces.web.deps import Viewer, current_account, page_viewer, page_viewer_on_loop, run_for
from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.interfaces.web.security import csrf_token, end_session, require_csrf, start_session

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
PageViewer = Annotated[Viewer, Depends(page_viewer)]

NAV = (
    ("/", "Log"),
    ("/day", "Day"),
    ("/overview", "Overview"),
    ("/history", "History"),
    ("/insights", "Insights"),
    ("/check", "Check"),
    ("/learn", "Learn"),
    ("/data", "Data"),
    ("/profile", "Profile"),
)
LEVEL_WORDS = {
    "self_care": "Self-care",
    "consult": "See a doctor in the coming days",
    "urgent": "Get medical advice today",
    "emergency": "Emergency: call 112 / 911 / 999 now",
}
SITE_CHOICES = [(s.value, s.value.capitalize()) for s in Site]
SIDE_CHOICES = [("left", "Left"), ("right", "Right"), ("both", "Both"), ("center", "Centre")]
INTERFERENCE_CHOICES = [(i.value, i.value.capitalize()) for i in Interference]
REMEDY_NAMES = {
    "massage": "Gentle massage",
    "warm_compress": "Warm compress",
    "deep_breathing": "Deep breathing",
    "mindfulness": "Mindfulness",
    "hydration": "Drinking water",
    "reduce_caffeine": "Less caffeine",
    "reduce_nicotine": "Less nicotine",
    "sleep": "More sleep",
    "magnesium": "Magnesium",
    "other": "Something else",
}
SYMPTOM_NAMES = {
    "facial_droop": "Face drooping",
    "weakness": "Weakness",
    "numbness": "Numbness or tingling",
    "vision_change": "Change in sight",
    "pain": "Pain",
    "speech_difficulty": "Trouble speaking",
    "swallowing_difficulty": "Trouble swallowing",
    "balance_loss": "Loss of balance",
    "severe_headache": "Sudden, very bad headache",
    "eyelid_closure": "Eye forced shut by the spasm",
    "other": "Something else",
}


def page_context(request: Request, **extra: Any) -> dict[str, Any]:
    web = request.app.state.web
    account = current_account(request)
    logged_in = account is not None or not web.multi_user
    context = {
        "csrf": csrf_token(request),
        "nav": NAV if logged_in else (),
        "active": request.url.path,
        "user": account,
        "multi_user": web.multi_user,
        "level_words": LEVEL_WORDS,
        "flash": request.session.pop("flash", None),
        "flash_error": False,
        "errors": [],
        "remedy_names": REMEDY_NAMES,
        "symptom_names": SYMPTOM_NAMES,
    }
    context.update(extra)
    return context


def render(request: Request, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
    templates = request.app.state.web.templates
    return templates.TemplateResponse(request, template, page_context(request, **extra), status_code=status)


def redirect(url: str, flash: str | None = None, request: Request | None = None) -> RedirectResponse:
    if flash and request is not None:
        request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)


def _errors_of(exc: forms.FormError | Problem) -> list[dict[str, str]]:
    """The {field, message} list to show beside a form."""
    if isinstance(exc, forms.FormError):
        return exc.errors
    return exc.errors or [{"field": "", "message": exc.detail}]


def _tz(viewer: Viewer) -> str:
    return viewer.diary.get_person().timezone


def _local(instant: dt.datetime, tz: str) -> dt.datetime:
    return instant.astimezone(zone(tz))


def _when(instant: dt.datetime, tz: str, today: dt.date) -> str:
    """'Tue 24 Nov, 14:41' in the person's zone; the year only when it is not this year."""
    local = _local(instant, tz)
    return local.strftime("%a %d %b, %H:%M" if local.year == today.year else "%d %b %Y, %H:%M")


# --- quick log -----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def quick_log(request: Request, viewer: PageViewer):
    tz = _tz(viewer)
    now = usecases.now_for(viewer)
    start = dt.datetime.combine(now.date(), dt.time(0), tzinfo=zone(tz))
    today = viewer.diary.list_episodes(since=start, limit=1)
    return render(request, "quick_log.html", title="Log a twitch", today_count=today.total, now=now)


@router.post("/log")
def log_twitch(request: Request, viewer: PageViewer):
    episode = usecases.add_episode(viewer, {})
    when = _local(episode.started_at, _tz(viewer)).strftime("%H:%M")
    return redirect(f"/episodes/{episode.id}?new=1", f"Logged a twitch at {when}. Add details below if you like — or you are done.", request)


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(request: Request, viewer: PageViewer, episode_id: str, new: int = 0):
    episode = usecases.call(viewer.diary.get_episode, episode_id)
    return _episode_form(request, viewer, episode, new=bool(new))


def _episode_form(request: Request, viewer: Viewer, episode, *, new: bool = False, errors=None, values=None, status=200):
    tz = _tz(viewer)
    remedies = viewer.diary.list_remedies(episode_id=episode.id, limit=20).items
    return render(
        request,
        "episode.html",
        status=status,
        title="Twitch details",
        episode=episode,
        new=new,
        errors=errors or [],
        values=values or {},
        started_local=forms.datetime_local_value(episode.started_at, tz),
        site_choices=SITE_CHOICES,
        side_choices=SIDE_CHOICES,
        interference_choices=INTERFERENCE_CHOICES,
        remedy_codes=[c.value for c in RemedyCode],
        remedies=remedies,
        tz=tz,
    )


@router.post("/episodes/{episode_id}")
async def update_episode(request: Request, viewer: PageViewer, episode_id: str):
    episode = usecases.call(viewer.diary.get_episode, episode_id)
    form = await request.form()
    try:
        changes = forms.episode_changes(form, _tz(viewer))
        usecases.call(viewer.diary.update_episode, episode_id, **changes)
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return _episode_form(request, viewer, episode, errors=errors, status=422)
    return redirect("/history", "Saved the details.", request)


@router.post("/episodes/{episode_id}/delete")
def delete_episode(request: Request, viewer: PageViewer, episode_id: str):
    usecases.call(viewer.diary.delete_episode, episode_id)
    return redirect("/history", "Deleted the episode.", request)


@router.post("/remedies")
async def add_remedy(request: Request, viewer: PageViewer):
    form = await request.form()
    back = "/episodes/" + form["episode_id"] if form.get("episode_id") else "/history?kind=remedies"
    try:
        usecases.add_remedy(viewer, forms.remedy_fields(form, _tz(viewer)))
    except (forms.FormError, Problem) as exc:
        request.session["flash"] = "Not saved: " + str(exc)
        return redirect(back)
    return redirect(back, "Saved what you tried.", request)


@router.post("/remedies/{remedy_id}/delete")
def delete_remedy(request: Request, viewer: PageViewer, remedy_id: s.Key):
    usecases.call(viewer.diary.delete_remedy, remedy_id)
    return redirect("/history?kind=remedies", "Deleted the remedy.", request)


# --- symptoms --------------------------------------------------------------------------------


@router.get("/symptoms/new", response_class=HTMLResponse)
def new_symptom(request: Request, viewer: PageViewer):
    return render(request, "symptom.html", title="Log a symptom", codes=[c.value for c in SymptomCode], values={}, now_local=forms.datetime_local_value(usecases.now_for(viewer), _tz(viewer)))


@router.post("/symptoms")
async def add_symptom(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        usecases.call(viewer.diary.add_symptom, **forms.symptom_fields(form, _tz(viewer)))
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return render(request, "symptom.html", status=422, title="Log a symptom", codes=[c.value for c in SymptomCode], values=dict(form), errors=errors, now_local=form.get("started_at", ""))
    return redirect("/overview", "Saved the symptom. Your overview below shows what to do.", request)


@router.post("/symptoms/{symptom_id}/delete")
def delete_symptom(request: Request, viewer: PageViewer, symptom_id: str):
    usecases.call(viewer.diary.delete_symptom, symptom_id)
    return redirect("/history?kind=symptoms", "Deleted the symptom.", request)


# --- day check-in ------------------------------------------------------------------------------


@router.get("/day", response_class=HTMLResponse)
def day_page(request: Request, viewer: PageViewer, date: LocalDate | None = None):
    date = date or usecases.now_for(viewer).date()
    try:
        existing = viewer.diary.get_day(date)
    except usecases.NotFound:
        existing = None
    return _day_form(request, date, existing)


def _day_form(request: Request, date: dt.date, existing, errors=None, status=200):
    return render(
        request,
        "day.html",
        status=status,
        title="Day check-in",
        date=date,
        existing=existing,
        factors=forms.FACTOR_INPUTS,
        values=existing.model_dump() if existing else {},
        errors=errors or [],
    )


@router.post("/day")
async def save_day(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        day = forms.day_from_form(form)
        usecases.call(viewer.diary.upsert_day, day, merge=False)
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        try:
            date = dt.date.fromisoformat(str(form.get("date")))
        except ValueError:
            date = usecases.now_for(viewer).date()
        return _day_form(request, date, None, errors=errors, status=422)
    recorded = len(day.factors())
    return redirect(f"/day?date={day.date.isoformat()}", f"Saved the check-in for {day.date.strftime('%A %d %B')} ({recorded} factor{'s' if recorded != 1 else ''}).", request)


@router.post("/days/{date}/delete")
def delete_day(request: Request, viewer: PageViewer, date: QueryDate):
    usecases.call(viewer.diary.delete_day, date)
    return redirect("/history?kind=days", "Deleted the check-in.", request)


# --- overview ------------------------------------------------------------------------------------


@router.get("/overview", response_class=HTMLResponse)
async def overview_page(request: Request, viewer: Annotated[Viewer, Depends(page_viewer_on_loop)]):
    # The page people open most: on the event loop in local mode, like the API's (deps.run_for).
    return await run_for(request, _overview_page, request, viewer)


def _overview_page(request: Request, viewer: Viewer) -> HTMLResponse:
    numbers, result = usecases.overview_of(viewer)
    main = result.reasons[0] if result.reasons else None
    return render(request, "overview.html", title="Overview", o=numbers, triage=result, main_reason=main, tz=_tz(viewer))


# --- history -------------------------------------------------------------------------------------

HISTORY_KINDS = (("episodes", "Twitches"), ("days", "Check-ins"), ("symptoms", "Symptoms"), ("remedies", "Remedies"))
PAGE_SIZE = 25


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, viewer: PageViewer, kind: str = "episodes", offset: s.Offset = 0):
    if kind not in dict(HISTORY_KINDS):
        kind = "episodes"
    offset = max(offset, 0)
    tz = _tz(viewer)
    today = usecases.now_for(viewer).date()
    counts = views.daily_counts(viewer.diary.load_diary())  # the diary in memory, not a query per episode
    lister = {
        "episodes": viewer.diary.list_episodes,
        "days": viewer.diary.list_days,
        "symptoms": viewer.diary.list_symptoms,
        "remedies": viewer.diary.list_remedies,
    }[kind]
    page = lister(offset=offset, limit=PAGE_SIZE)
    return render(
        request,
        "history.html",
        title="History",
        heatmap=charts.calendar_heatmap(counts, today),
        kind=kind,
        kinds=HISTORY_KINDS,
        page=page,
        tz=tz,
        when=lambda instant: _when(instant, tz, today),
        next_offset=offset + PAGE_SIZE if offset + PAGE_SIZE < page.total else None,
        prev_offset=max(offset - PAGE_SIZE, 0) if offset else None,
    )


# --- insights ------------------------------------------------------------------------------------


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, viewer: PageViewer, factor: str | None = None):
    now = usecases.now_for(viewer)
    diary = viewer.diary.load_diary(as_of=now)
    report = usecases.insights_of(viewer, now, diary)
    today = local_date(now, diary.tz)
    start = today - dt.timedelta(days=89)
    counts = views.daily_counts(diary)
    recorded = [f.field for f in forms.FACTOR_INPUTS if any(getattr(d, f.field) is not None for d in diary.days)]
    significant = [a["factor"] for a in report.get("associations", []) if a.get("significant")]
    if factor not in recorded:
        factor = next((f for f in significant if f in recorded), recorded[0] if recorded else None)
    values = {d.date: getattr(d, factor) for d in diary.days if factor and getattr(d, factor) is not None}
    return render(
        request,
        "insights.html",
        title="Insights",
        report=report,
        daily=charts.daily_counts_chart(counts, start, today, factor=factor, factor_values=values),
        forest=charts.forest_plot(report.get("associations", [])),
        remedies=charts.remedy_chart(report.get("remedies", []), REMEDY_NAMES),
        factor=factor,
        factor_options=[(f, charts.factor_label(f)) for f in recorded],
        factor_label=charts.factor_label,
    )


# --- check ---------------------------------------------------------------------------------------


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request, viewer: PageViewer):
    from nosetwitch.interfaces.web import check

    return check.page(request, viewer, {})


@router.post("/check", response_class=HTMLResponse)
async def check_answer(request: Request, viewer: PageViewer):
    from nosetwitch.interfaces.web import check

    form = await request.form()
    return check.page(request, viewer, form)


# --- learn ---------------------------------------------------------------------------------------


@router.get("/learn", response_class=HTMLResponse)
def learn_page(request: Request, viewer: PageViewer):
    from nosetwitch.knowledge import knowledge

    kb = knowledge()
    return render(request, "learn.html", title="Learn", kb=kb, factor_label=charts.factor_label)


# --- data: import and export ------------------------------------------------------------------


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, viewer: PageViewer):
    return render(request, "data.html", title="Import and export", counts=viewer.diary.counts(), result=None)


@router.post("/data/import", response_class=HTMLResponse)
async def data_import(request: Request, viewer: PageViewer):
    form = await request.form()
    upload = form.get("file")
    data = await upload.read() if hasattr(upload, "read") else b""
    if not data:
        return render(request, "data.html", status=422, title="Import and export", counts=viewer.diary.counts(), result=None, errors=[{"field": "file", "message": "choose a diary file (.json) to import"}])
    try:
        result = usecases.import_bytes(viewer, data)
    except Problem as exc:
        return render(request, "data.html", status=exc.status, title="Import and export", counts=viewer.diary.counts(), result=None, errors=_errors_of(exc), import_failed=True)
    return render(request, "data.html", title="Import and export", counts=viewer.diary.counts(), result=result)


# --- profile and medications -------------------------------------------------------------------


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, viewer: PageViewer):
    return _profile(request, viewer)


def _profile(request: Request, viewer: Viewer, errors=None, status=200):
    from zoneinfo import available_timezones

    return render(
        request,
        "profile.html",
        status=status,
        title="Profile and medicines",
        person=viewer.diary.get_person(),
        medications=viewer.diary.list_medications(limit=1000).items,
        timezones=sorted(available_timezones()),
        errors=errors or [],
        today=usecases.now_for(viewer).date(),
    )


@router.post("/profile")
async def save_profile(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        usecases.call(viewer.diary.update_person, **forms.person_fields(form))
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return _profile(request, viewer, errors, 422)
    return redirect("/profile", "Saved your profile.", request)


@router.post("/medications")
async def add_medication(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        usecases.call(viewer.diary.add_medication, **forms.medication_fields(form))
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return _profile(request, viewer, errors, 422)
    return redirect("/profile", "Added the medicine.", request)


@router.post("/medications/{medication_id}/stop")
def stop_medication(request: Request, viewer: PageViewer, medication_id: s.Key):
    usecases.call(viewer.diary.update_medication, medication_id, stopped=usecases.now_for(viewer).date())
    return redirect("/profile", "Marked the medicine as stopped today.", request)


@router.post("/medications/{medication_id}/delete")
def delete_medication(request: Request, viewer: PageViewer, medication_id: s.Key):
    usecases.call(viewer.diary.delete_medication, medication_id)
    return redirect("/profile", "Deleted the medicine.", request)


# --- API reference ----------------------------------------------------------------------------


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """The API reference, rendered here from the OpenAPI document (works offline)."""
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            schema = next(iter(body.values()), {}).get("schema", {}) if body else {}
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or ["other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "body": schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("type", ""),
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return render(request, "api_docs.html", title="API", endpoints=endpoints, schemas=spec.get("components", {}).get("schemas", {}))


# --- accounts (multi-user mode) --------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    if not request.app.state.web.multi_user:
        return redirect("/")
    return render(request, "login.html", title="Log in", next=_safe_next(next), mode="login", allow_signup=request.app.state.web.allow_signup)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request):
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    try:
        account = usecases.log_in(request, username, password)
    except Problem as exc:
        return render(request, "login.html", status=exc.status, title="Log in", next=target, mode="login", username=username, errors=[{"field": "", "message": exc.detail}], allow_signup=request.app.state.web.allow_signup)
    start_session(request, account.id, account.password_hash)
    return redirect(target)


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request):
    if not request.app.state.web.multi_user:
        return redirect("/")
    return render(request, "login.html", title="Create an account", next="/profile", mode="register", allow_signup=request.app.state.web.allow_signup)


@router.post("/register", response_class=HTMLResponse)
async def register_submit(request: Request):
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        if password != str(form.get("password2", "")):
            raise Problem(422, "the two passwords differ", errors=[{"field": "password2", "message": "the two passwords differ"}])
        account = usecases.register(request, username, password)
    except Problem as exc:
        return render(request, "login.html", status=exc.status, title="Create an account", next="/profile", mode="register", username=username, errors=_errors_of(exc), allow_signup=request.app.state.web.allow_signup)
    start_session(request, account.id, account.password_hash)
    return redirect("/profile", "Welcome! Set your time zone first: it decides what counts as a day.", request)


@router.post("/logout")
def logout(request: Request):
    end_session(request)
    return redirect("/login" if request.app.state.web.multi_user else "/")


def _safe_next(target: str) -> str:
    """Only same-site paths: a login link must not send people elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


# --- your account (multi-user mode): password, sessions, deletion --------------------------------


def _account_page(request: Request, errors=None, status=200, section: str = ""):
    from nosetwitch.interfaces.web.security import session_store

    account = current_account(request)
    if account is None:
        return redirect("/login?next=/account")
    labels = {"current_password": "Current password", "new_password": "New password", "new_password2": "New password again", "confirm": "Your user name", "password": "Your password"}
    errors = [{**e, "field": labels.get(e.get("field", ""), e.get("field", ""))} for e in errors or []]
    return render(
        request, "account.html", status=status, title="Your account", errors=errors, section=section,
        sessions=session_store(request).count(account.id),
    )  # fmt: skip


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request):
    if not request.app.state.web.multi_user:
        return redirect("/data")
    return _account_page(request)


@router.post("/account/password", response_class=HTMLResponse)
async def account_password(request: Request):
    form = await request.form()
    try:
        if str(form.get("new_password", "")) != str(form.get("new_password2", "")):
            raise Problem(422, "the two new passwords differ", errors=[{"field": "new_password2", "message": "the two new passwords differ"}])
        usecases.change_password(request, str(form.get("current_password", "")), str(form.get("new_password", "")))
    except Problem as exc:
        if exc.status == 401:
            return redirect("/login?next=/account")
        return _account_page(request, _errors_of(exc), exc.status, "password")
    return redirect("/account", "Changed your password. Every other device was logged out.", request)


@router.post("/account/logout-everywhere")
def account_logout_everywhere(request: Request):
    try:
        usecases.log_out_everywhere(request)
    except Problem:
        pass  # nobody was logged in: nothing to end
    return redirect("/login", "Logged out on every device.", request)


@router.post("/account/delete", response_class=HTMLResponse)
async def account_delete(request: Request):
    form = await request.form()
    try:
        name = usecases.delete_account(request, str(form.get("password", "")), str(form.get("confirm", "")))
    except Problem as exc:
        if exc.status == 401:
            return redirect("/login?next=/account")
        return _account_page(request, _errors_of(exc), exc.status, "delete")
    return redirect("/login", f"Deleted the account {name} and its whole diary.", request)


@router.get("/reset-password", response_class=HTMLResponse)
def reset_password_page(request: Request, token: str = ""):
    from nosetwitch.interfaces.web.security import session_store

    if not request.app.state.web.multi_user:
        return redirect("/")
    valid = session_store(request).peek(token) is not None
    return render(request, "reset_password.html", status=200 if valid else 404, title="Choose a new password", token=token, valid=valid)


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_password_submit(request: Request):
    form = await request.form()
    token = str(form.get("token", ""))
    try:
        if str(form.get("new_password", "")) != str(form.get("new_password2", "")):
            raise Problem(422, "the two passwords differ", errors=[{"field": "new_password2", "message": "the two passwords differ"}])
        usecases.reset_password(request, token, str(form.get("new_password", "")))
    except Problem as exc:
        return render(request, "reset_password.html", status=exc.status, title="Choose a new password", token=token, valid=exc.status != 404, errors=_errors_of(exc))
    return redirect("/login", "Your new password is set; log in with it.", request)
