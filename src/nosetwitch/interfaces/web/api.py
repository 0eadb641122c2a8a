"""The JSON API under /api/v1: the diary's records, profile, triage, insights, import and export.

Every route gets the diary of the person behind the request (`api_viewer`),
so an id that belongs to someone else is simply not found (404). Every
state-changing route needs the CSRF token (`require_csrf`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, UploadFile

from nosetwitch.domain.models import ID_PATTERN, DayCheckIn, Episode, Medication, Person, QueryDate, QueryInstant, Symptom
from nosetwitch.interfaces.interchange.csv_export import TABLES as CSV_TABLES
from nosetwitch.interfaces.web import check, usecases
from nosetwitch.interfaces.web import schemas as s
from nosetwitch.interfaces.web.deps import Viewer, api_viewer, api_viewer_on_loop, current_account, run_for
from nosetwitch.interfaces.web.problems import COMMON_PROBLEMS, Problem, problem_responses
from nosetwitch.interfaces.web.security import csrf_token, end_session, require_csrf, start_session
from nosetwitch.triage.wording import plain_summary

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_csrf)], responses=COMMON_PROBLEMS)
ViewerDep = Annotated[Viewer, Depends(api_viewer)]
# The two busiest routes (logging a twitch, the overview) are `async def` and
# skip the threadpool in local mode: see deps.run_for (bench/web_load.py).
LoopViewerDep = Annotated[Viewer, Depends(api_viewer_on_loop)]
Offset = s.Offset
Key = s.Key
RecordId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN, description="the record's id")]
Since = Annotated[QueryInstant | None, Query(description="RFC 3339 with a UTC offset, e.g. 2026-03-10T00:00:00+01:00")]
AsOf = Annotated[QueryInstant | None, Query(description="the moment to look from (default now): RFC 3339 with a UTC offset")]
Day = Annotated[QueryDate, Path(description="a calendar date, YYYY-MM-DD")]
SinceDay = Annotated[QueryDate | None, Query(description="YYYY-MM-DD")]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size, at most 1000")]
NOT_FOUND = problem_responses(404, description="no such record in your diary")
INVALID = problem_responses(422, description="invalid input: application/problem+json naming the field")


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


REPEATED: dict[int | str, dict[str, Any]] = {200: {"description": "the same twitch was stored before under this id: the stored episode"}, 409: {"description": "the id belongs to a different twitch"}}


@router.post("/episodes", response_model=Episode, status_code=201, tags=["episodes"], responses=INVALID | REPEATED)
async def create_episode(request: Request, viewer: LoopViewerDep, episode: s.EpisodeCreate, response: Response):
    """Log a twitch; an empty object `{}` logs one at the nose, now.

    Idempotent by `id`: sending a twitch again with an id already stored and
    the same fields answers 200 with the stored episode and stores nothing
    (so an offline queue can retry safely); the same id with different
    fields is refused (409 naming `id`)."""
    fields = episode.model_dump(exclude_unset=True)
    try:
        return await usecases.log_twitch(viewer, fields)
    except Problem as clash:
        stored = await run_for(request, usecases.repeated_episode, viewer, fields, clash)
        response.status_code = 200
        return stored


# --- session and accounts ----------------------------------------------------------------


def _session_info(request: Request) -> s.SessionInfo:
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


@router.post("/login", response_model=s.SessionInfo, tags=["session"])
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
def logout(request: Request, everywhere: Annotated[bool, Query(description="end every session of this account, on every device")] = False):
    """End this session (the server forgets it: a copy of the cookie is worth nothing);
    with `everywhere=true` every session of the account (multi-user mode)."""
    if everywhere and request.app.state.web.multi_user:
        usecases.log_out_everywhere(request)
    else:
        end_session(request)
    return Response(status_code=204)


@router.post("/password", response_model=s.SessionInfo, tags=["session"])
def change_password(request: Request, change: s.PasswordChange):
    """Change the password (multi-user mode): every other session ends; the answer is a new session."""
    usecases.change_password(request, change.current_password, change.new_password)
    return _session_info(request)


@router.post("/account/delete", status_code=204, tags=["session"])
def delete_account(request: Request, confirmation: s.AccountDeletion):
    """Delete the account and every record of its diary, for good (multi-user mode).
    Download the export first (`GET /api/v1/export`); `confirm` is the user name typed again."""
    usecases.delete_account(request, confirmation.password, confirmation.confirm)
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
def list_episodes(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: Since = None, until: Since = None):
    """Episodes that started in [since, until), newest first."""
    return _page(usecases.call(viewer.diary.list_episodes, since=usecases.bound(since, "since"), until=usecases.bound(until, "until"), offset=offset, limit=limit))


@router.get("/episodes/{episode_id}", response_model=Episode, tags=["episodes"], responses=NOT_FOUND)
def get_episode(viewer: ViewerDep, episode_id: RecordId):
    return usecases.call(viewer.diary.get_episode, episode_id)


@router.patch("/episodes/{episode_id}", response_model=Episode, tags=["episodes"], responses=NOT_FOUND | INVALID)
def update_episode(viewer: ViewerDep, episode_id: RecordId, changes: s.EpisodePatch):
    return usecases.call(viewer.diary.update_episode, episode_id, **changes.model_dump(exclude_unset=True))


@router.delete("/episodes/{episode_id}", status_code=204, tags=["episodes"], responses=NOT_FOUND)
def delete_episode(viewer: ViewerDep, episode_id: RecordId):
    usecases.call(viewer.diary.delete_episode, episode_id)
    return Response(status_code=204)


# --- symptoms -------------------------------------------------------------------------------


@router.get("/symptoms", response_model=s.ListPage[Symptom], tags=["symptoms"])
def list_symptoms(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: Since = None, until: Since = None):
    return _page(usecases.call(viewer.diary.list_symptoms, since=usecases.bound(since, "since"), until=usecases.bound(until, "until"), offset=offset, limit=limit))


@router.post("/symptoms", response_model=Symptom, status_code=201, tags=["symptoms"], responses=INVALID)
def create_symptom(viewer: ViewerDep, symptom: s.SymptomCreate):
    return usecases.call(viewer.diary.add_symptom, **symptom.model_dump(exclude_unset=True))


@router.get("/symptoms/{symptom_id}", response_model=Symptom, tags=["symptoms"], responses=NOT_FOUND)
def get_symptom(viewer: ViewerDep, symptom_id: RecordId):
    return usecases.call(viewer.diary.get_symptom, symptom_id)


@router.patch("/symptoms/{symptom_id}", response_model=Symptom, tags=["symptoms"], responses=NOT_FOUND | INVALID)
def update_symptom(viewer: ViewerDep, symptom_id: RecordId, changes: s.SymptomPatch):
    return usecases.call(viewer.diary.update_symptom, symptom_id, **changes.model_dump(exclude_unset=True))


@router.delete("/symptoms/{symptom_id}", status_code=204, tags=["symptoms"], responses=NOT_FOUND)
def delete_symptom(viewer: ViewerDep, symptom_id: RecordId):
    usecases.call(viewer.diary.delete_symptom, symptom_id)
    return Response(status_code=204)


# --- day check-ins ----------------------------------------------------------------------------


@router.get("/days", response_model=s.ListPage[DayCheckIn], tags=["days"])
def list_days(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, since: SinceDay = None, until: SinceDay = None):
    """Check-ins with since <= date < until, newest first."""
    return _page(usecases.call(viewer.diary.list_days, since=since, until=until, offset=offset, limit=limit))


@router.post("/days", response_model=DayCheckIn, status_code=201, tags=["days"], responses=INVALID)
def create_day(viewer: ViewerDep, day: DayCheckIn):
    """A new check-in; 409 when that date has one (use PUT or PATCH /days/{date})."""
    return usecases.create_day(viewer, day)


@router.get("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=NOT_FOUND)
def get_day(viewer: ViewerDep, date: Day):
    return usecases.call(viewer.diary.get_day, date)


@router.put("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=INVALID)
def put_day(viewer: ViewerDep, date: Day, day: s.DayUpsert, response: Response):
    """Create or replace the check-in of a date (factors left out become unrecorded)."""
    stored, created = usecases.put_day(viewer, date, day)
    response.status_code = 201 if created else 200
    return stored


@router.patch("/days/{date}", response_model=DayCheckIn, tags=["days"], responses=NOT_FOUND | INVALID)
def update_day(viewer: ViewerDep, date: Day, changes: s.DayPatch):
    return usecases.call(viewer.diary.update_day, date, **changes.model_dump(exclude_unset=True))


@router.delete("/days/{date}", status_code=204, tags=["days"], responses=NOT_FOUND)
def delete_day(viewer: ViewerDep, date: Day):
    usecases.call(viewer.diary.delete_day, date)
    return Response(status_code=204)


# --- remedies --------------------------------------------------------------------------------


@router.get("/remedies", response_model=s.ListPage[s.RemedyOut], tags=["remedies"])
def list_remedies(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, episode_id: str | None = None, since: Since = None, until: Since = None):
    page = usecases.call(viewer.diary.list_remedies, since=usecases.bound(since, "since"), until=usecases.bound(until, "until"), episode_id=episode_id, offset=offset, limit=limit)
    return _page(page, _keyed)


@router.post("/remedies", response_model=s.RemedyOut, status_code=201, tags=["remedies"], responses=INVALID)
def create_remedy(viewer: ViewerDep, remedy: s.RemedyCreate):
    return _keyed(usecases.add_remedy(viewer, remedy.model_dump(exclude_unset=True)))


@router.get("/remedies/{remedy_id}", response_model=s.RemedyOut, tags=["remedies"], responses=NOT_FOUND)
def get_remedy(viewer: ViewerDep, remedy_id: Key):
    return _keyed(usecases.call(viewer.diary.get_remedy, remedy_id))


@router.patch("/remedies/{remedy_id}", response_model=s.RemedyOut, tags=["remedies"], responses=NOT_FOUND | INVALID)
def update_remedy(viewer: ViewerDep, remedy_id: Key, changes: s.RemedyPatch):
    return _keyed(usecases.call(viewer.diary.update_remedy, remedy_id, **changes.model_dump(exclude_unset=True)))


@router.delete("/remedies/{remedy_id}", status_code=204, tags=["remedies"], responses=NOT_FOUND)
def delete_remedy(viewer: ViewerDep, remedy_id: Key):
    usecases.call(viewer.diary.delete_remedy, remedy_id)
    return Response(status_code=204)


# --- medications -------------------------------------------------------------------------------


@router.get("/medications", response_model=s.ListPage[s.MedicationOut], tags=["medications"])
def list_medications(viewer: ViewerDep, offset: Offset = 0, limit: Limit = 50, active_on: SinceDay = None):
    return _page(usecases.call(viewer.diary.list_medications, active_on=active_on, offset=offset, limit=limit), _keyed)


@router.post("/medications", response_model=s.MedicationOut, status_code=201, tags=["medications"], responses=INVALID)
def create_medication(viewer: ViewerDep, medication: Medication):
    return _keyed(usecases.call(viewer.diary.add_medication, medication))


@router.get("/medications/{medication_id}", response_model=s.MedicationOut, tags=["medications"], responses=NOT_FOUND)
def get_medication(viewer: ViewerDep, medication_id: Key):
    return _keyed(usecases.call(viewer.diary.get_medication, medication_id))


@router.patch("/medications/{medication_id}", response_model=s.MedicationOut, tags=["medications"], responses=NOT_FOUND | INVALID)
def update_medication(viewer: ViewerDep, medication_id: Key, changes: s.MedicationPatch):
    return _keyed(usecases.call(viewer.diary.update_medication, medication_id, **changes.model_dump(exclude_unset=True)))


@router.delete("/medications/{medication_id}", status_code=204, tags=["medications"], responses=NOT_FOUND)
def delete_medication(viewer: ViewerDep, medication_id: Key):
    usecases.call(viewer.diary.delete_medication, medication_id)
    return Response(status_code=204)


# --- overview, triage, insights -----------------------------------------------------------------


@router.get("/triage", tags=["triage"])
def get_triage(viewer: ViewerDep, as_of: AsOf = None):
    """The triage result (policy nosetwitch-triage-2) for the stored diary at `as_of` (default now), plus
    `summary`: the result in plain words, what to do first (at emergency: the instruction to call)."""
    result = usecases.triage_of(viewer, usecases.aware(as_of, "as_of"))
    return {**result.to_dict(), "summary": plain_summary(result)}


@router.get("/check/questions", tags=["triage"])
def check_questions():
    """The check's questions, emergency questions first (the CLI asks the same)."""
    return check.questions_json()


@router.post("/check", tags=["triage"], responses=INVALID)
def run_check(viewer: ViewerDep, answers: dict[str, bool | str | list[str]], save: bool = True):
    """Answer the check: `{"question_id": answer}` (yes/no as true/false, a choice as
    its value). While questions remain, `next_question` names the next one. An
    answer that makes an emergency (a stroke-type sign that came on suddenly or
    on waking) ends it with `emergency: true` and the instruction; at the end the
    answers are saved (unless `save=false`; `saved.check_id` undoes them with
    DELETE /check/{check_id}) and the triage result, with its `summary`, is returned.
    A check logs no twitch episode."""
    return check.evaluate(viewer, answers, save=save)


@router.delete("/check/{check_id}", tags=["triage"])
def undo_check(viewer: ViewerDep, check_id: str):
    """"I answered by mistake": remove exactly the records the check answer `check_id`
    (`saved.check_id` of POST /check) made. 404 when nothing of it is left."""
    removed = check.undo(viewer, check_id)
    return {"check_id": check_id, "symptoms": [s.id for s in removed.symptoms], "medications": [m.record.name for m in removed.medications]}


@router.get("/insights", tags=["insights"])
def get_insights(viewer: ViewerDep, as_of: AsOf = None):
    """Personal statistics per the insights format (associations, remedies, findings)."""
    return usecases.insights_of(viewer, usecases.aware(as_of, "as_of"))


# --- import and export -----------------------------------------------------------------------


@router.post("/import", response_model=s.ImportResult, tags=["interchange"], responses=INVALID)
async def import_diary(request: Request, viewer: ViewerDep, file: UploadFile | None = None):
    """Import a diary document (format nosetwitch-diary v1): the JSON as the request
    body, or a multipart upload in the field `file`. Nothing is written when any
    record is invalid; the answer lists every problem, record by record."""
    if file is not None:
        data = await file.read()
    elif request.headers.get("content-type", "").startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        # a form without the `file` field (its body has been read as the form already)
        raise Problem(422, "file: send the diary in the form field `file`, or as the JSON body", errors=[{"field": "file", "message": "required field is missing"}])
    else:
        data = await request.body()
    if not data:
        raise Problem(422, "file: the upload is empty", errors=[{"field": "file", "message": "empty"}])
    return {"counts": usecases.import_bytes(viewer, data)}


EXPORTED: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "application/zip": {}, "text/csv": {}, "application/fhir+json": {}}}}


# `table`: a Literal made at run time from the tuple of CSV table names (the type checker cannot read it).
@router.get("/export", tags=["interchange"], responses=EXPORTED | INVALID)
def export_diary(viewer: ViewerDep, format: Literal["json", "csv", "fhir"] = "json", table: Literal[CSV_TABLES] | None = None):  # type: ignore[valid-type]
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
