"""The JSON API under /api/v1: the diary's records, profile, triage, insights, import and export.

Every route gets the diary of the person behind the request (`api_viewer`),
so an id that belongs to someone else is simply not found (404). Every
state-changing route needs the CSRF token (`require_csrf`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile

from nosetwitch.domain.models import DayCheckIn, Episode, Medication, Person, Symptom
from nosetwitch.interfaces.web import schemas as s
from nosetwitch.interfaces.web import usecases
from nosetwitch.interfaces.web.deps import Viewer, api_viewer, api_viewer_on_loop, run_for
from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.interfaces.web.security import csrf_token, end_session, require_csrf, start_session

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_csrf)])
ViewerDep = Annotated[Viewer, Depends(api_viewer)]
# The two busiest routes (logging a twitch, the overview) are `async def` and
# skip the threadpool in local mode: see deps.run_for (bench/web_load.py).
LoopViewerDep = Annotated[Viewer, Depends(api_viewer_on_loop)]
Offset = Annotated[int, Query(ge=0, description="how many records to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size, at most 1000")]
NOT_FOUND = {404: {"description": "no such record in your diary"}}
INVALID = {422: {"description": "invalid input: application/problem+json naming the field"}}


def _page(page, convert=lambda x: x) -> dict:
    following = page.offset + len(page.items)
    return {
        "items": [convert(item) for item in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "next_offset": following if following < page.total else None,
    }


def _keyed(keyed) -> dict:
    return {"id": keyed.key, **keyed.record.model_dump(mode="json")}


# --- the busiest routes first -----------------------------------------------------------
# A request is matched against the routes in the order they are declared, each
# a regular expression: logging a twitch and the overview come first, so they
# do not pay for trying forty others (bench/web_load.py).


@router.get("/overview", response_model=s.OverviewOut, tags=["overview"])
async def get_overview(request: Request, viewer: LoopViewerDep):
    """Today, the last 7 days, the current streak and today's triage level."""
    return await run_for(request, usecases.overview_json, viewer)


REPEATED = {200: {"description": "the same twitch was stored before under this id: the stored episode"}, 409: {"description": "the id belongs to a different twitch"}}


@router.post("/episodes", response_model=Episode, status_code=201, tags=["episodes"], responses=INVALID | REPEATED)
async def create_episode(request: Request, viewer: LoopViewerDep, episode: s.EpisodeCreate, response: Response):
    """Log a twitch; an empty object `{}` logs one at the nose, now.

    Idempotent by `id`: sending a twitch again with an id already stored and
    the same fields answers 200 with the stored episode and stores nothing
    (so an offline queue can retry safely); the same id with different
    fields is refused (409 naming `id`)."""
    fields = episode.model_dump(exclude_unset=True)
    try:
        if request.app.state.web.multi_user:  # see deps.run_for
            return await run_for(request, usecases.add_episode, viewer, fields)
        return await usecases.add_episode_on_loop(viewer, fields)
    except Problem as clash:
        stored = await run_for(request, usecases.repeated_episode, viewer, fields, clash)
        response.status_code = 200
        return stored


# --- session and accounts ----------------------------------------------------------------


def _session_info(request: Request) -> s.SessionInfo:
    from nosetwitch.interfaces.web.deps import current_account

    account = current_account(request)
    return s.SessionInfo(
        csrf_token=csrf_token(request),
        multi_user=request.app.state.web.multi_user,
        user=account.username if account else None,
    )


@router.get("/session", response_model=s.SessionInfo, tags=["session"])
def get_session(request: Request):
    """The CSRF token for this session (and who is logged in)."""
    return _session_info(request)


@router.post("/login", response_model=s.SessionInfo, tags=["session"], responses={401: {}, 429: {}})
def login(request: Request, credentials: s.Credentials):
    """Log in (multi-user mode). Repeated failures are refused for a while (429)."""
    account = usecases.log_in(request, credentials.username, credentials.password)
    start_session(request, account.id, account.password_hash)
    return _session_info(request)


@router.post("/register", response_model=s.SessionInfo, status_code=201, tags=["session"], responses=INVALID)
def register(request: Request, credentials: s.Credentials):
    """Create an account and log in (multi-user mode, when sign-up is open)."""
    account = usecases.register(request, credentials.username, credentials.password)
    start_session(request, account.id, account.password_hash)
    return _session_info(request)


@router.post("/logout", status_code=204, tags=["session"])
def logout(request: Request):
    end_session(request)
    return Response(status_code=204)


# --- profile ----------------------------------------------------------------------------


@router.get("/profile", response_model=Person, tags=["profile"])
def get_profile(viewer: ViewerDep):
    """The person: time zone (it defines calendar days), birth year, sex, and their own factors."""
    return viewer.diary.get_person()


@router.put("/profile", response_model=Person, tags=["profile"], responses=INVALID)
def put_profile(viewer: ViewerDep, person: Person):
    """Replace the person. Without `own_factors` the stored own factors stay; a list replaces them
    (409 when a stored day holds a value the new list would not allow)."""
    if "own_factors" not in person.model_fields_set:
        person = person.model_copy(update={"own_factors": viewer.diary.get_person().own_factors})
    return usecases.call(viewer.diary.set_person, person)


# --- episodes -----------------------------------------------------------------------------


@router.get("/episodes", response_model=s.ListPage[Episode], tags=["episodes"])
def list_episodes(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: dt.datetime | None = None, until: dt.datetime | None = None):
    """Episodes that started in [since, until), newest first."""
    return _page(usecases.call(viewer.diary.list_episodes, since=since, until=until, offset=offset, limit=limit))


@router.get("/episodes/{episode_id}", response_model=Episode, tags=["episodes"], responses=NOT_FOUND)
def get_episode(viewer: ViewerDep, episode_id: str):
    return usecases.call(viewer.diary.get_episode, episode_id)


@router.patch("/episodes/{episode_id}", response_model=Episode, tags=["episodes"], responses=NOT_FOUND | INVALID)
def update_episode(viewer: ViewerDep, episode_id: str, changes: s.EpisodePatch):
    return usecases.call(viewer.diary.update_episode, episode_id, **changes.model_dump(exclude_unset=True))


@router.delete("/episodes/{episode_id}", status_code=204, tags=["episodes"], responses=NOT_FOUND)
def delete_episode(viewer: ViewerDep, episode_id: str):
    usecases.call(viewer.diary.delete_episode, episode_id)
    return Response(status_code=204)


# --- symptoms -------------------------------------------------------------------------------


@router.get("/symptoms", response_model=s.ListPage[Symptom], tags=["symptoms"])
def list_symptoms(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: dt.datetime | None = None, until: dt.datetime | None = None):
    return _page(usecases.call(viewer.diary.list_symptoms, since=since, until=until, offset=offset, limit=limit))


@router.post("/symptoms", response_model=Symptom, status_code=201, tags=["symptoms"], responses=INVALID)
def create_symptom(viewer: ViewerDep, symptom: s.SymptomCreate):
    return usecases.call(viewer.diary.add_symptom, **symptom.model_dump(exclude_unset=True))


@router.get("/symptoms/{symptom_id}", response_model=Symptom, tags=["symptoms"], responses=NOT_FOUND)
def get_symptom(viewer: ViewerDep, symptom_id: str):
    return usecases.call(viewer.diary.get_symptom, symptom_id)


@router.patch("/symptoms/{symptom_id}", response_model=Symptom, tags=["symptoms"], responses=NOT_FOUND | INVALID)
def update_symptom(viewer: ViewerDep, symptom_id: str, changes: s.SymptomPatch):
    return usecases.call(viewer.diary.update_symptom, symptom_id, **changes.model_dump(exclude_unset=True))


@router.delete("/symptoms/{symptom_id}", status_code=204, tags=["symptoms"], responses=NOT_FOUND)
def delete_symptom(viewer: ViewerDep, symptom_id: str):
    usecases.call(viewer.diary.delete_symptom, symptom_id)
    return Response(status_code=204)


# --- day check-ins ----------------------------------------------------------------------------


@router.get("/days", response_model=s.ListPage[DayCheckIn], tags=["days"])
def list_days(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: dt.date | None = None, until: dt.date | None = None):
    """Check-ins with since <= date < until, newest first."""
    return _page(usecases.call(viewer.diary.list_days, since=since, until=until, offset=offset, limit=limit))


@router.post("/days", response_model=DayCheckIn, status_code=201, tags=["days"], responses=INVALID | {409: {}})
def create_day(viewer: ViewerDep, day: DayCheckIn):
    """A new check-in; 409 when that date has one (use PUT or PATCH /days/{date})."""
    return usecases.create_day(viewer, day)


@router.get("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=NOT_FOUND)
def get_day(viewer: ViewerDep, date: dt.date):
    return usecases.call(viewer.diary.get_day, date)


@router.put("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=INVALID)
def put_day(viewer: ViewerDep, date: dt.date, day: s.DayUpsert, response: Response):
    """Create or replace the check-in of a date (factors left out become unrecorded)."""
    stored, created = usecases.put_day(viewer, date, day)
    response.status_code = 201 if created else 200
    return stored


@router.patch("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=NOT_FOUND | INVALID)
def update_day(viewer: ViewerDep, date: dt.date, changes: s.DayPatch):
    return usecases.call(viewer.diary.update_day, date, **changes.model_dump(exclude_unset=True))


@router.delete("/days/{date}", status_code=204, tags=["days"], responses=NOT_FOUND)
def delete_day(viewer: ViewerDep, date: dt.date):
    usecases.call(viewer.diary.delete_day, date)
    return Response(status_code=204)


# --- remedies --------------------------------------------------------------------------------


@router.get("/remedies", response_model=s.ListPage[s.RemedyOut], tags=["remedies"])
def list_remedies(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, episode_id: str | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None):
    page = usecases.call(viewer.diary.list_remedies, since=since, until=until, episode_id=episode_id, offset=offset, limit=limit)
    return _page(page, _keyed)


@router.post("/remedies", response_model=s.RemedyOut, status_code=201, tags=["remedies"], responses=INVALID)
def create_remedy(viewer: ViewerDep, remedy: s.RemedyCreate):
    return _keyed(usecases.add_remedy(viewer, remedy.model_dump(exclude_unset=True)))


@router.get("/remedies/{remedy_id}", response_model=s.RemedyOut, tags=["remedies"], responses=NOT_FOUND)
def get_remedy(viewer: ViewerDep, remedy_id: int):
    return _keyed(usecases.call(viewer.diary.get_remedy, remedy_id))


@router.patch("/remedies/{remedy_id}", response_model=s.RemedyOut, tags=["remedies"], responses=NOT_FOUND | INVALID)
def update_remedy(viewer: ViewerDep, remedy_id: int, changes: s.RemedyPatch):
    return _keyed(usecases.call(viewer.diary.update_remedy, remedy_id, **changes.model_dump(exclude_unset=True)))


@router.delete("/remedies/{remedy_id}", status_code=204, tags=["remedies"], responses=NOT_FOUND)
def delete_remedy(viewer: ViewerDep, remedy_id: int):
    usecases.call(viewer.diary.delete_remedy, remedy_id)
    return Response(status_code=204)


# --- medications -------------------------------------------------------------------------------


@router.get("/medications", response_model=s.ListPage[s.MedicationOut], tags=["medications"])
def list_medications(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, active_on: dt.date | None = None):
    return _page(usecases.call(viewer.diary.list_medications, active_on=active_on, offset=offset, limit=limit), _keyed)


@router.post("/medications", response_model=s.MedicationOut, status_code=201, tags=["medications"], responses=INVALID)
def create_medication(viewer: ViewerDep, medication: Medication):
    return _keyed(usecases.call(viewer.diary.add_medication, medication))


@router.get("/medications/{medication_id}", response_model=s.MedicationOut, tags=["medications"], responses=NOT_FOUND)
def get_medication(viewer: ViewerDep, medication_id: int):
    return _keyed(usecases.call(viewer.diary.get_medication, medication_id))


@router.patch("/medications/{medication_id}", response_model=s.MedicationOut, tags=["medications"], responses=NOT_FOUND | INVALID)
def update_medication(viewer: ViewerDep, medication_id: int, changes: s.MedicationPatch):
    return _keyed(usecases.call(viewer.diary.update_medication, medication_id, **changes.model_dump(exclude_unset=True)))


@router.delete("/medications/{medication_id}", status_code=204, tags=["medications"], responses=NOT_FOUND)
def delete_medication(viewer: ViewerDep, medication_id: int):
    usecases.call(viewer.diary.delete_medication, medication_id)
    return Response(status_code=204)


# --- overview, triage, insights -----------------------------------------------------------------


@router.get("/triage", tags=["triage"])
def get_triage(viewer: ViewerDep, as_of: dt.datetime | None = None):
    """The triage result (policy nosetwitch-triage-2) for the stored diary at `as_of` (default now)."""
    return usecases.triage_of(viewer, usecases.aware(as_of, "as_of")).to_dict()


@router.get("/check/questions", tags=["triage"])
def check_questions():
    """The check's questions, emergency questions first (the CLI asks the same)."""
    return usecases.questions_json()


@router.post("/check", tags=["triage"], responses=INVALID)
def run_check(viewer: ViewerDep, answers: dict[str, bool | str | list[str]], save: bool = True):
    """Answer the check: `{"question_id": answer}` (yes/no as true/false, a choice as
    text, several as a list). While questions remain, `next_question` names the
    next one. A yes to an emergency question stops there with `emergency: true`
    and the instruction; at the end the answers are saved (unless `save=false`)
    and the triage result is returned."""
    return usecases.run_check(viewer, answers, save=save)


@router.get("/insights", tags=["insights"])
def get_insights(viewer: ViewerDep, as_of: dt.datetime | None = None):
    """Personal statistics per the insights format (associations, remedies, findings)."""
    return usecases.insights_of(viewer, usecases.aware(as_of, "as_of"))


# --- import and export -----------------------------------------------------------------------


@router.post("/import", response_model=s.ImportResult, tags=["interchange"], responses=INVALID | {413: {}})
async def import_diary(request: Request, viewer: ViewerDep, file: UploadFile | None = None):
    """Import a diary document (format nosetwitch-diary v1): the JSON as the request
    body, or a multipart upload in the field `file`. Nothing is written when any
    record is invalid; the answer lists every problem, record by record."""
    data = await file.read() if file is not None else await request.body()
    if not data:
        raise Problem(422, "file: the upload is empty", errors=[{"field": "file", "message": "empty"}])
    return {"counts": usecases.import_bytes(viewer, data)}


@router.get("/export", tags=["interchange"], responses={200: {"content": {"application/json": {}, "application/zip": {}, "text/csv": {}, "application/fhir+json": {}}}} | INVALID)
def export_diary(viewer: ViewerDep, format: Literal["json", "csv", "fhir"] = "json", table: str | None = None):
    """The whole diary: JSON per the interchange format; `csv` gives a zip with one
    table per record kind, or with `table=episodes` (days, symptoms...) that one table;
    `fhir` a FHIR R5 Bundle."""
    body, media_type, filename = usecases.export_body(viewer, format, table)
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/report", tags=["interchange"], responses={200: {"content": {"application/pdf": {}}}})
def doctor_report(viewer: ViewerDep, days: Annotated[int, Query(ge=1, le=366, description="how many days up to today")] = 14):
    """The doctor's report (PDF, 1-3 pages) of the last `days` days. Not a diagnosis."""
    body, filename = usecases.report_pdf(viewer, days)
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
