"""The HTML pages. Every form is a plain POST (works without JavaScript),
protected by the CSRF token, and answered with a redirect (post/redirect/get)
or the same form again with the mistakes listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from nosetwitch.domain import vocabulary
from nosetwitch.domain.clock import local_date, local_day_bounds, zone
from nosetwitch.domain.models import Interference, QueryDate, RemedyCode, Site, SymptomCode
from nosetwitch.interfaces.web import charts, check, forms, insight_rows, timezones, undo, usecases, views
from nosetwitch.interfaces.web import schemas as s
from nosetwitch.interfaces.web.deps import Viewer, current_account, page_viewer, page_viewer_on_loop, run_for
from nosetwitch.interfaces.web.navigation import redirect, safe_next
from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.interfaces.web.security import csrf_token, end_session, require_csrf, session_store, start_session
from nosetwitch.knowledge import knowledge
from nosetwitch.services.diary import Page
from nosetwitch.services.owner import owner_for
from nosetwitch.triage.wording import emergency_safety_net

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
PHONE_NAV = (("/", "Log"), ("/day", "Day"), ("/overview", "Overview"), ("/insights", "Insights"), ("/more", "More"))
"""The bottom bar on a phone: the four places people go each day, and "More" for the rest."""
MORE_NAV = tuple(item for item in NAV if item not in PHONE_NAV) + (("/report", "Prepare for your appointment"),)
LEVEL_WORDS = vocabulary.LEVELS
SITE_CHOICES = [(s.value, vocabulary.site_name(s.value)) for s in Site]
SIDE_CHOICES = list(vocabulary.SIDES.items())
INTERFERENCE_CHOICES = [(i.value, i.value.capitalize()) for i in Interference]
REMEDY_NAMES = vocabulary.REMEDIES
"""The same names as the knowledge base's, so Learn, advice and the diary call a measure the same (a test checks)."""
SYMPTOM_NAMES = vocabulary.SYMPTOMS


def page_context(request: Request, **extra: Any) -> dict[str, Any]:
    web = request.app.state.web
    account = current_account(request)
    logged_in = account is not None or not web.multi_user
    context = {
        "csrf": csrf_token(request),
        "nav": NAV if logged_in else (),
        "phone_nav": PHONE_NAV if logged_in else (),
        "more_paths": [href for href, _ in MORE_NAV],
        "active": request.url.path,
        "user": account,
        "multi_user": web.multi_user,
        "level_words": LEVEL_WORDS,
        "flash": request.session.pop("flash", None),
        "flash_error": request.session.pop("flash_error", False),
        "undo_token": request.session.pop("undo", None),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "errors": [],
        "remedy_names": REMEDY_NAMES,
        "symptom_names": SYMPTOM_NAMES,
        "emergency_safety_net": emergency_safety_net(),
        "words": vocabulary,  # the one vocabulary of the words people read
    }
    context.update(extra)
    return context


def render(request: Request, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
    templates = request.app.state.web.templates
    return templates.TemplateResponse(request, template, page_context(request, **extra), status_code=status)


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
async def log_twitch(request: Request, viewer: PageViewer):
    # With JavaScript the tap carries an id made on the device and its own time
    # (static/phone.js), so sending it again stores nothing new.
    tap = forms.tap_fields(await request.form())
    try:
        episode = await usecases.log_twitch(viewer, tap)
    except Problem as clash:
        episode = await run_for(request, usecases.repeated_episode, viewer, tap, clash)
    when = _local(episode.started_at, _tz(viewer)).strftime("%H:%M")
    undo.offer(request, viewer, [undo.Change("episode", episode.id, None, episode)], f"Removed the twitch logged at {when}.", then="/")
    return redirect(f"/episodes/{episode.id}?new=1", f"Logged a twitch at {when}. Add details below if you like — or you are done.", request)


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(request: Request, viewer: PageViewer, episode_id: str, new: int = 0):
    episode = usecases.call(viewer.diary.get_episode, episode_id)
    values = {**forms.episode_values(episode), "started_at": forms.datetime_local_value(episode.started_at, _tz(viewer))}
    return _episode_form(request, viewer, episode, values, new=bool(new))


EPISODE_LABELS = {"started_at": "When it started", "intensity": "How strong", "duration_s": "How long", "side": "Which side", "sites": "Where", "note": "Note"}


def _episode_form(request: Request, viewer: Viewer, episode, values, *, new: bool = False, errors=None, status=200):
    tz = _tz(viewer)
    remedies = viewer.diary.list_remedies(episode_id=episode.id, limit=20).items
    errors = [{**e, "label": e.get("label") or EPISODE_LABELS.get(e.get("field", ""), e.get("field", ""))} for e in errors or []]
    return render(
        request,
        "episode.html",
        status=status,
        title="Twitch details",
        episode=episode,
        new=new,
        errors=errors,
        values=values,
        now_local=forms.datetime_local_value(usecases.now_for(viewer), tz),
        duration_choices=forms.DURATION_CHOICES,
        site_choices=SITE_CHOICES,
        side_choices=SIDE_CHOICES,
        interference_choices=INTERFERENCE_CHOICES,
        remedy_codes=[c.value for c in RemedyCode],
        remedies=remedies,
        tz=tz,
    )


@router.post("/episodes/{episode_id}")
async def update_episode(request: Request, viewer: PageViewer, episode_id: str):
    """One form, one save: the details and what was tried, checked together before anything is stored."""
    before = usecases.call(viewer.diary.get_episode, episode_id)
    form = await request.form()
    tz, now = _tz(viewer), usecases.now_for(viewer)
    try:
        changes = forms.episode_changes(form, tz, now)
        remedy = forms.tried_remedy(form, tz, episode_id, now)
        stored = usecases.call(viewer.diary.update_episode, episode_id, **changes)
        added = usecases.call(viewer.diary.add_remedy, remedy) if remedy else None
    except (forms.FormError, Problem) as exc:
        return _episode_form(request, viewer, before, forms.episode_form_values(form), errors=_errors_of(exc), status=422)
    record = [undo.Change("episode", episode_id, before, stored)]
    if added:
        record.append(undo.Change("remedy", added.key, None, added.record))
    when = _when(stored.started_at, tz, now.date())
    undo.offer(request, viewer, record, f"Undone: the twitch of {when} is back as it was.")
    tried = f" and that you tried “{REMEDY_NAMES[added.record.code.value]}”" if added else ""
    return redirect("/", f"Saved the details of the twitch of {when}{tried}.", request)


def _confirm_delete(request: Request, what: str, action: str, back: str) -> HTMLResponse:
    """Without JavaScript a Delete button first asks (the page's script asks in a dialog)."""
    return render(request, "confirm_delete.html", title="Delete?", what=what, action=action, back=back)


async def _confirmed(request: Request) -> bool:
    return (await request.form()).get("confirmed") == "yes"


@router.post("/episodes/{episode_id}/delete")
async def delete_episode(request: Request, viewer: PageViewer, episode_id: str):
    episode = usecases.call(viewer.diary.get_episode, episode_id)
    tz = _tz(viewer)
    when = _when(episode.started_at, tz, usecases.now_for(viewer).date())
    if not await _confirmed(request):
        return _confirm_delete(request, f"the twitch of {when}", request.url.path, f"/episodes/{episode_id}")
    linked = viewer.diary.list_remedies(episode_id=episode_id, limit=1000).items
    usecases.call(viewer.diary.delete_episode, episode_id)
    record = [undo.Change("remedy", r.key, r.record, r.record.model_copy(update={"episode_id": None})) for r in linked]
    record.append(undo.Change("episode", episode_id, episode, None))
    undo.offer(request, viewer, record, f"Brought back the twitch of {when}.")
    return redirect("/history", f"Deleted the twitch of {when}.", request)


@router.post("/remedies")
async def add_remedy(request: Request, viewer: PageViewer):
    form = await request.form()
    back = "/episodes/" + str(form["episode_id"]) if form.get("episode_id") else "/history?kind=remedies"
    try:
        usecases.add_remedy(viewer, forms.remedy_fields(form, _tz(viewer)))
    except (forms.FormError, Problem) as exc:
        request.session["flash"] = "Not saved: " + str(exc)
        return redirect(back)
    return redirect(back, "Saved what you tried.", request)


@router.post("/remedies/{remedy_id}/delete")
async def delete_remedy(request: Request, viewer: PageViewer, remedy_id: s.Key):
    remedy = usecases.call(viewer.diary.get_remedy, remedy_id).record
    name = REMEDY_NAMES[remedy.code.value]
    if not await _confirmed(request):
        return _confirm_delete(request, f"“{name}” of {_when(remedy.at, _tz(viewer), usecases.now_for(viewer).date())}", request.url.path, "/history?kind=remedies")
    usecases.call(viewer.diary.delete_remedy, remedy_id)
    undo.offer(request, viewer, [undo.Change("remedy", remedy_id, remedy, None)], f"Brought back “{name}”.")
    return redirect("/history?kind=remedies", f"Deleted “{name}”.", request)


# --- symptoms --------------------------------------------------------------------------------


@router.get("/symptoms/new", response_class=HTMLResponse)
def new_symptom(request: Request, viewer: PageViewer):
    return render(request, "symptom.html", title="Log a symptom", codes=[c.value for c in SymptomCode], values={}, now_local=forms.datetime_local_value(usecases.now_for(viewer), _tz(viewer)))


@router.post("/symptoms")
async def add_symptom(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        symptom = usecases.call(viewer.diary.add_symptom, **forms.symptom_fields(form, _tz(viewer)))
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return render(request, "symptom.html", status=422, title="Log a symptom", codes=[c.value for c in SymptomCode], values=dict(form), errors=errors, now_local=form.get("started_at", ""))
    undo.offer(request, viewer, [undo.Change("symptom", symptom.id, None, symptom)], "Removed the symptom again.")
    return redirect("/overview", "Saved the symptom. Your overview below shows what to do.", request)


@router.post("/symptoms/{symptom_id}/delete")
async def delete_symptom(request: Request, viewer: PageViewer, symptom_id: str):
    symptom = usecases.call(viewer.diary.get_symptom, symptom_id)
    what = f"“{SYMPTOM_NAMES[symptom.code.value]}” of {_when(symptom.started_at, _tz(viewer), usecases.now_for(viewer).date())}"
    if not await _confirmed(request):
        return _confirm_delete(request, what, request.url.path, "/history?kind=symptoms")
    usecases.call(viewer.diary.delete_symptom, symptom_id)
    undo.offer(request, viewer, [undo.Change("symptom", symptom_id, symptom, None)], f"Brought back {what}.")
    return redirect("/history?kind=symptoms", f"Deleted {what}.", request)


# --- day check-in ------------------------------------------------------------------------------


@router.get("/day", response_class=HTMLResponse)
def day_page(request: Request, viewer: PageViewer, date: str | None = None):
    today = usecases.now_for(viewer).date()
    chosen, errors = _chosen_day(date, today)
    existing = _stored_day(viewer, chosen)
    own_factors = viewer.diary.get_person().own_factors
    return _day_form(request, chosen, today, existing, _day_values(existing, own_factors), own_factors, errors=errors, status=422 if errors else 200)


def _chosen_day(raw: str | None, today: dt.date) -> tuple[dt.date, list[dict[str, str]]]:
    """The day asked for (today when none); a mistake names the date field and falls back to today."""
    if not raw:
        return today, []
    try:
        chosen = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return today, [{"field": "pick-date", "label": "Day", "message": f"“{raw}” is not a date; pick one with the calendar (here is today)"}]
    if chosen > today:
        return today, [{"field": "pick-date", "label": "Day", "message": f"{chosen.strftime('%d %B %Y')} has not come yet: fill in today or an earlier day (here is today)"}]
    return chosen, []


def _stored_day(viewer: Viewer, date: dt.date):
    try:
        return viewer.diary.get_day(date)
    except usecases.NotFound:
        return None


def _day_values(day, own_factors) -> dict[str, str]:
    """A stored check-in as the form's text boxes show it."""
    if day is None:
        return {}
    values = {f.field: forms.shown(getattr(day, f.field)) for f in forms.FACTOR_INPUTS}
    values.update({f"own_{f.key}": forms.own_shown(f, day.own.get(f.key)) for f in own_factors})
    values["note"] = day.note or ""
    return values


def _day_form(request: Request, date: dt.date, today: dt.date, existing, values: dict[str, str], own_factors, errors=None, status=200):
    labels = {f"own_{f.key}": f.label for f in own_factors}
    errors = [{**e, "label": e.get("label") or labels.get(e.get("field", "")) or _field_label(e.get("field", ""))} for e in errors or []]
    return render(
        request,
        "day.html",
        status=status,
        title="Day check-in",
        date=date,
        today=today,
        yesterday=today - dt.timedelta(days=1),
        existing=existing,
        factors=forms.FACTOR_INPUTS,
        drinks=knowledge().drinks,
        own_factors=own_factors,
        values=values,
        filled=[name for name, value in values.items() if value],
        more_fields=[f.field for f in forms.FACTOR_INPUTS if f.more],
        errors=errors,
    )


def _field_label(field: str) -> str:
    factor = forms.FACTOR_BY_FIELD.get(field)
    return factor.label if factor else field.replace("_", " ").capitalize()


@router.post("/day")
async def save_day(request: Request, viewer: PageViewer):
    form = await request.form()
    today = usecases.now_for(viewer).date()
    date, errors = _chosen_day(str(form.get("date") or today.isoformat()), today)
    existing = _stored_day(viewer, date)
    own_factors = viewer.diary.get_person().own_factors
    try:
        if errors:
            raise forms.FormError(errors)
        parsed = forms.day_from_form(form, date, knowledge().drinks, own_factors, existing=existing is not None)
        stored, _ = usecases.call(viewer.diary.upsert_day, parsed.day, merge=False)
    except (forms.FormError, Problem) as exc:
        values = {name: str(value) for name, value in form.items() if isinstance(value, str)}
        return _day_form(request, date, today, existing, values, own_factors, errors=_errors_of(exc), status=422)
    undo.offer(request, viewer, [undo.Change("day", date, existing, stored)], "Check-in changes undone." if existing else "Check-in removed again.")
    return redirect(f"/day?date={date.isoformat()}", _saved_day_message(stored, parsed), request)


def _saved_day_message(day, parsed) -> str:
    recorded = len(day.factors()) + len(day.own)
    things = f"{recorded} thing{'s' if recorded != 1 else ''} recorded" if recorded else "the note"
    caffeine = ""
    if parsed.drinks:
        drinks = ", ".join(f"{forms.shown(count)} × {key.replace('_', ' ')}" for key, count in parsed.drinks.items())
        caffeine = f"; caffeine {forms.shown(day.caffeine_mg)} mg in all ({drinks} ≈ {forms.shown(round(parsed.drinks_mg))} mg)"
    return f"Saved the check-in for {day.date.strftime('%A %d %B')}: {things}{caffeine}."


@router.post("/days/{date}/delete")
async def delete_day(request: Request, viewer: PageViewer, date: QueryDate):
    day = usecases.call(viewer.diary.get_day, date)
    what = f"the check-in of {date.strftime('%A %d %B %Y')}"
    if not await _confirmed(request):
        return _confirm_delete(request, what, request.url.path, f"/day?date={date.isoformat()}")
    usecases.call(viewer.diary.delete_day, date)
    undo.offer(request, viewer, [undo.Change("day", date, day, None)], f"Brought back {what}.")
    return redirect("/history?kind=days", f"Deleted {what}.", request)


# --- overview ------------------------------------------------------------------------------------


@router.get("/overview", response_class=HTMLResponse)
async def overview_page(request: Request, viewer: Annotated[Viewer, Depends(page_viewer_on_loop)]):
    # The page people open most: on the event loop in local mode, like the API's (deps.run_for).
    return await run_for(request, _overview_page, request, viewer)


def _overview_page(request: Request, viewer: Viewer) -> HTMLResponse:
    numbers, result = usecases.overview_of(viewer)
    main = result.reasons[0] if result.reasons else None
    tz = _tz(viewer)
    return render(request, "overview.html", title="Overview", o=numbers, triage=result, main_reason=main, tz=tz, person_timezone=tz,
                  still_there=check.still_there(viewer, result.as_of), **check.emergency_words(result.level))


@router.get("/more", response_class=HTMLResponse)
def more_page(request: Request, viewer: PageViewer):
    """The phone's "More": every page that is not in the bottom bar."""
    return render(request, "more.html", title="More", more=MORE_NAV)


# --- prepare for an appointment: the doctor's report -------------------------------------------

REPORT_PERIODS = (("14", "Last 14 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("dates", "Choose the dates"))


def _report_period(request: Request, viewer: Viewer) -> tuple[dt.date, dt.date]:
    """The period asked for (?period=14|30|90, or period=dates&start=..&end=..), or a 422 naming the field."""
    query = request.query_params
    today = usecases.now_for(viewer).date()
    period = query.get("period", "14")
    if period in ("14", "30", "90"):
        return today - dt.timedelta(days=int(period) - 1), today
    if period != "dates":
        raise forms.FormError([{"field": "period", "message": "choose 14, 30 or 90 days, or the dates"}])
    errors, bounds = [], {}
    for name, label in (("start", "From"), ("end", "To")):
        try:
            bounds[name] = dt.date.fromisoformat(query.get(name, ""))
        except ValueError:
            errors.append({"field": name, "message": f"{label}: give a date, e.g. {today.isoformat()}"})
    if not errors:
        start, end = bounds["start"], bounds["end"]
        if end > today:
            errors.append({"field": "end", "message": f"To: {end.isoformat()} is in the future; the report ends today at the latest"})
        elif start > end:
            errors.append({"field": "start", "message": "From: comes after To"})
        elif (end - start).days >= 366:
            errors.append({"field": "start", "message": "From: a report covers at most 366 days"})
    if errors:
        raise forms.FormError(errors)
    return bounds["start"], bounds["end"]


def _report_form(request: Request, viewer: Viewer, errors=None, status: int = 200) -> HTMLResponse:
    query = request.query_params
    today = usecases.now_for(viewer).date()
    return render(
        request, "report.html", status=status, title="Prepare for your appointment", periods=REPORT_PERIODS,
        period=query.get("period", "30"), start=query.get("start", (today - dt.timedelta(days=29)).isoformat()),
        end=query.get("end", today.isoformat()), today=today, errors=errors or [],
    )


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, viewer: PageViewer):
    return _report_form(request, viewer)


@router.get("/report/pdf")
def report_download(request: Request, viewer: PageViewer):
    """The PDF as a download: without JavaScript the form simply leads here and the browser saves it."""
    from fastapi.responses import Response

    try:
        start, end = _report_period(request, viewer)
    except forms.FormError as exc:
        return _report_form(request, viewer, exc.errors, 422)
    body, filename = usecases.report_pdf(viewer, (end - start).days + 1, start, end)
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/report/print", response_class=HTMLResponse)
def report_print(request: Request, viewer: PageViewer):
    """The same report as a print-friendly page (the same content as the PDF, from reports/content.py)."""
    try:
        start, end = _report_period(request, viewer)
    except forms.FormError as exc:
        return _report_form(request, viewer, exc.errors, 422)
    # lazy: fpdf2 and matplotlib load with the first report, not in every worker; the PDF's headings and wording
    from nosetwitch.reports import pdf as report_layout

    content, tz = usecases.report_content(viewer, start, end)
    return render(
        request, "report_print.html", title="Report for your doctor", c=content, tz=tz, days_count=(end - start).days + 1,
        headings=report_layout.HEADINGS, seconds=report_layout._fmt_seconds, note_kinds=report_layout._NOTE_KINDS,
    )


# --- history -------------------------------------------------------------------------------------

HISTORY_KINDS = (("episodes", "Twitches"), ("days", "Check-ins"), ("symptoms", "Symptoms"), ("remedies", "Remedies"))
PAGE_SIZE = 25


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, viewer: PageViewer, kind: str = "episodes", offset: s.Offset = 0, date: dt.date | None = None):
    """Records newest first; `date` (a tap on the heat map) shows that one day's."""
    if kind not in dict(HISTORY_KINDS):
        kind = "episodes"
    offset = max(offset, 0)
    tz = _tz(viewer)
    today = usecases.now_for(viewer).date()
    diary = viewer.diary.load_diary()  # the diary in memory, not a query per episode
    counts = views.daily_counts(diary)
    tried: dict[str, list] = {}
    for remedy in diary.remedies:
        if remedy.episode_id:
            tried.setdefault(remedy.episode_id, []).append(remedy)
    began = views.first_record_day(diary) or today + dt.timedelta(days=1)
    listers: dict[str, Callable[..., Page[Any]]] = {
        "episodes": viewer.diary.list_episodes,
        "days": viewer.diary.list_days,
        "symptoms": viewer.diary.list_symptoms,
        "remedies": viewer.diary.list_remedies,
    }
    lister = listers[kind]
    bounds: dict[str, Any] = {}
    if date is not None:
        start, end = local_day_bounds(date, tz)
        bounds = {"since": date, "until": date + dt.timedelta(days=1)} if kind == "days" else {"since": start, "until": end}
    page = lister(offset=offset, limit=PAGE_SIZE, **bounds)
    link = "/history?kind=episodes&date={date}"
    return render(
        request,
        "history.html",
        title="History",
        heatmap=charts.calendar_heatmap(counts, today, first_day=began, day_link=link),
        heatmap_phone=charts.calendar_heatmap(counts, today, weeks=11, first_day=began, day_link=link),
        date=date,
        kind=kind,
        kinds=HISTORY_KINDS,
        page=page,
        tried=tried,
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
    rows = insight_rows.factor_rows(report.get("associations", []))
    return render(
        request,
        "insights.html",
        title="Insights",
        report=report,
        daily=charts.daily_counts_chart(counts, start, today, factor=factor, factor_values=values),
        daily_phone=charts.daily_counts_chart(counts, today - dt.timedelta(days=29), today, factor=factor, factor_values=values, width=360),
        forest=charts.forest_plot(report.get("associations", [])),
        remedies=charts.remedy_chart(report.get("remedies", []), REMEDY_NAMES),
        factor_rows=rows,
        factor_summary=insight_rows.summary_sentence(rows),
        remedy_rows=insight_rows.remedy_rows(report.get("remedies", [])),
        factor=factor,
        factor_options=[(f, charts.factor_label(f)) for f in recorded],
        factor_label=charts.factor_label,
    )


# --- check ---------------------------------------------------------------------------------------


def _check_step_page(request: Request, viewer: Viewer, form: Any) -> HTMLResponse:
    """The next step of the check for the answers posted so far (`check.step`), rendered."""
    shown = check.step(viewer, form)
    return render(request, shown.template, title=shown.title, **shown.values)


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request, viewer: PageViewer):
    return _check_step_page(request, viewer, {})


@router.post("/check", response_class=HTMLResponse)
async def check_answer(request: Request, viewer: PageViewer):
    form = await request.form()
    return _check_step_page(request, viewer, form)


@router.post("/check/undo")
async def check_undo(request: Request, viewer: PageViewer):
    """"I answered by mistake": remove exactly the records that answer made, then start again."""
    form = await request.form()
    removed = check.undo(viewer, str(form.get("check_id", "")))
    what = ", ".join([s.id for s in removed.symptoms] + [m.record.name for m in removed.medications])
    return redirect("/check", f"Removed what that answer saved ({what}). {vocabulary.IF_IT_COMES_BACK}", request)


@router.post("/symptoms/{symptom_id}/gone")
def symptom_gone(request: Request, viewer: PageViewer, symptom_id: str):
    """"Is it still there?" - "It has gone": the symptom ends now (it stays in the diary)."""
    usecases.call(viewer.diary.update_symptom, symptom_id, ended_at=usecases.now_for(viewer))
    return redirect("/overview", "Noted: it has gone (the symptom stays in your diary with the time it ended). If it comes back, run the check again.", request)


# --- learn ---------------------------------------------------------------------------------------


@router.get("/learn", response_class=HTMLResponse)
def learn_page(request: Request, viewer: PageViewer):
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
    data = await upload.read() if isinstance(upload, UploadFile) else b""
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


def _profile(request: Request, viewer: Viewer, errors=None, status=200, factor_values=None):
    person = viewer.diary.get_person()
    return render(
        request,
        "profile.html",
        status=status,
        title="Profile and medicines",
        person=person,
        medications=viewer.diary.list_medications(limit=1000).items,
        timezones=timezones.grouped(person.timezone),
        errors=errors or [],
        today=usecases.now_for(viewer).date(),
        factor_values=factor_values or {},
        own_kinds=OWN_KINDS,
    )


OWN_KINDS = (("yes_no", "Yes or no", "e.g. took an antihistamine"), ("scale", "A scale from 0 to 10", "e.g. how cold the weather was"), ("number", "A number", "e.g. hours of driving"))


@router.post("/profile")
async def save_profile(request: Request, viewer: PageViewer):
    form = await request.form()
    try:
        usecases.call(viewer.diary.update_person, **forms.person_fields(form))
    except (forms.FormError, Problem) as exc:
        errors = _errors_of(exc)
        return _profile(request, viewer, errors, 422)
    return redirect("/profile", "Saved your profile.", request)


@router.post("/own-factors")
async def add_own_factor(request: Request, viewer: PageViewer):
    form = await request.form()
    person = viewer.diary.get_person()
    try:
        fields = forms.own_factor_fields(form, [f.key for f in person.own_factors])
        factor = usecases.call(viewer.diary.add_own_factor, **fields)
    except (forms.FormError, Problem) as exc:
        return _profile(request, viewer, _errors_of(exc), 422, factor_values=dict(form))
    return redirect("/profile#own-factors", f"Added “{factor.label}”: you will find it in the day check-in.", request)


@router.post("/own-factors/{key}/rename")
async def rename_own_factor(request: Request, viewer: PageViewer, key: str):
    form = await request.form()
    label = str(form.get("label") or "").strip()
    if not label or len(label) > 60:
        errors = [{"field": f"rename-{key}", "label": "New name", "message": "give a name of 1 to 60 characters"}]
        return _profile(request, viewer, errors, 422)
    factor = usecases.call(viewer.diary.update_own_factor, key, label=label)
    return redirect("/profile#own-factors", f"Renamed it to “{factor.label}”.", request)


@router.post("/own-factors/{key}/remove")
async def remove_own_factor(request: Request, viewer: PageViewer, key: str):
    factor = viewer.diary.get_person().own_factor(key)
    if factor is None:
        raise Problem(404, f"no own factor {key}")
    if not await _confirmed(request):
        return _confirm_delete(request, f"your factor “{factor.label}” and its value on every day", request.url.path, "/profile#own-factors")
    days = usecases.call(viewer.diary.remove_own_factor, key)
    return redirect("/profile#own-factors", f"Removed “{factor.label}” (it had a value on {days} day{'s' if days != 1 else ''}).", request)


@router.post("/profile/timezone")
async def save_timezone(request: Request, viewer: PageViewer):
    """The time zone prompt's one button: use the zone this device reports."""
    form = await request.form()
    back = str(form.get("back", "/overview"))
    back = back if back in ("/overview", "/profile") else "/overview"
    name = str(form.get("timezone", ""))
    if not timezones.is_zone(name):
        return redirect("/profile", f"Not changed: {name!r} is not a time zone this server knows; choose yours from the list.", request)
    usecases.call(viewer.diary.update_person, timezone=name)
    return redirect(back, f"Your time zone is now {name}: days are counted in it.", request)


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
async def delete_medication(request: Request, viewer: PageViewer, medication_id: s.Key):
    medication = usecases.call(viewer.diary.get_medication, medication_id).record
    if not await _confirmed(request):
        return _confirm_delete(request, f"the medicine “{medication.name}”", request.url.path, "/profile")
    usecases.call(viewer.diary.delete_medication, medication_id)
    undo.offer(request, viewer, [undo.Change("medication", medication_id, medication, None)], f"Brought back the medicine “{medication.name}”.")
    return redirect("/profile", f"Deleted the medicine “{medication.name}”.", request)


# --- API reference ----------------------------------------------------------------------------


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """The API reference, rendered here from the OpenAPI document (works offline)."""
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
            schema = next(iter(body.values())).get("schema", {}) if body else {}
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
    return render(request, "login.html", title="Log in", next=safe_next(next), mode="login", allow_signup=request.app.state.web.allow_signup)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request):
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
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
    return render(request, "login.html", title="Create an account", next="/profile", mode="register", allow_signup=request.app.state.web.allow_signup, timezones=timezones.grouped(), zone="Etc/UTC")


@router.post("/register", response_class=HTMLResponse)
async def register_submit(request: Request):
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    zone_name = str(form.get("timezone") or "Etc/UTC")
    try:
        if not timezones.is_zone(zone_name):
            raise Problem(422, "timezone: unknown", errors=[{"field": "timezone", "message": f"{zone_name!r} is not a time zone; choose one from the list"}])
        if password != str(form.get("password2", "")):
            raise Problem(422, "the two passwords differ", errors=[{"field": "password2", "message": "the two passwords differ"}])
        account = usecases.register(request, username, password)
    except Problem as exc:
        return render(request, "login.html", status=exc.status, title="Create an account", next="/profile", mode="register", username=username, errors=_errors_of(exc), allow_signup=request.app.state.web.allow_signup, timezones=timezones.grouped(), zone=zone_name)
    start_session(request, account.id, account.password_hash)
    usecases.call(owner_for(request.app.state.web.database_url, account.id).update_person, timezone=zone_name)
    return redirect("/profile", f"Welcome! Your days are counted in {zone_name}; change it below if that is wrong.", request)


@router.post("/logout")
def logout(request: Request):
    end_session(request)
    return redirect("/login" if request.app.state.web.multi_user else "/")


# --- your account (multi-user mode): password, sessions, deletion --------------------------------


def _account_page(request: Request, errors=None, status=200, section: str = ""):
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
