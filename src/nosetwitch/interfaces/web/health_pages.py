"""The Data page's "Import from a health app": upload an export, see what it filled.

A plain multipart POST (works without JavaScript: the answer comes when the
import is done). With JavaScript, `static/health-upload.js` sends the same
form with XMLHttpRequest, shows the upload's progress, then polls
`/data/health/progress?job=...` for the reading's progress (bytes of the
export read so far), which the import reports while it runs in a thread.

The export is read without holding the diary (it can take a while); only
the merge, one transaction, holds the owner's lock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nosetwitch.interfaces.interchange.health import SOURCE_NAMES, HealthFileError, prepare_import
from nosetwitch.interfaces.web.charts import factor_label
from nosetwitch.interfaces.web.deps import Viewer, page_viewer
from nosetwitch.interfaces.web.pages import render
from nosetwitch.interfaces.web.security import require_csrf
from nosetwitch.services.errors import DiaryError

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
PageViewer = Annotated[Viewer, Depends(page_viewer)]

MAX_HEALTH_UPLOAD_BYTES = 4 * 2**30
"""Apple Health exports of several years reach gigabytes; this route alone accepts that much."""

_JOB = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_progress: dict[tuple[int, str], dict] = {}
_progress_lock = threading.Lock()


def _report(owner: int, job: str | None, **state) -> None:
    if not job:
        return
    with _progress_lock:
        _progress[(owner, job)] = {**state, "at": time.monotonic()}
        for key in [k for k, v in _progress.items() if time.monotonic() - v["at"] > 600]:
            del _progress[key]


@router.get("/data/health/progress")
def health_progress(job: str, viewer: PageViewer):
    with _progress_lock:
        state = _progress.get((viewer.diary.owner_id, job))
    if state is None:
        return JSONResponse({"phase": "waiting"})
    return JSONResponse({k: v for k, v in state.items() if k != "at"})


@router.post("/data/health", response_class=HTMLResponse)
async def health_import(request: Request, viewer: PageViewer):
    form = await request.form()
    upload = form.get("file")
    source = str(form.get("source") or "auto")
    asked_job = str(form.get("job") or "")
    job = asked_job if _JOB.match(asked_job) else None
    dry_run = form.get("dry_run") == "1"
    chosen: dict[str, Any] = {"source": source, "since": str(form.get("from") or ""), "until": str(form.get("to") or ""), "dry_run": dry_run}

    def page(status: int = 200, **extra):
        person = viewer.diary.get_person()

        def label(factor: str) -> str:
            own = person.own_factor(factor.removeprefix("own.")) if factor.startswith("own.") else None
            return own.label if own else factor_label(factor)

        return render(
            request, "data.html", status=status, title="Import and export", counts=viewer.diary.counts(),
            result=None, active="/data", health=chosen, source_names=SOURCE_NAMES, factor_label=label, **extra,
        )

    filename = Path(getattr(upload, "filename", "") or "").name
    if not isinstance(upload, UploadFile) or not filename:
        return page(422, health_errors=[{"field": "health_file", "message": "choose an export file (.zip, .xml, .json or .csv) to import"}])
    errors: list[dict[str, str]] = []
    since = _date(chosen["since"], "from", errors)
    until = _date(chosen["until"], "to", errors)
    if errors:
        return page(422, health_errors=errors)
    owner = viewer.diary.owner_id
    folder = Path(tempfile.mkdtemp(prefix="nosetwitch-upload-"))
    try:
        path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", filename)[-100:] or "export")
        await run_in_threadpool(_save, upload.file, path)
        result = await run_in_threadpool(_import, viewer, path, filename, source, since, until, dry_run, owner, job)
    except _Refused as exc:
        return page(422, health_errors=[{"field": "health_file", "message": str(exc)}], health_failed=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        await upload.close()
    _report(owner, job, phase="done", done=1, total=1)
    return page(health_result=result)


class _Refused(Exception):
    pass


def _save(source, path: Path) -> None:
    source.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


def _import(viewer: Viewer, path: Path, label: str, source: str, since, until, dry_run: bool, owner: int, job: str | None):
    size = os.path.getsize(path)
    _report(owner, job, phase="reading", done=0, total=size)
    try:
        person = viewer.diary.get_person()
        prepared = prepare_import(
            path, timezone=person.timezone, source=source, label=label, own_factors=person.own_factors,
            progress=lambda done, total: _report(owner, job, phase="reading", done=done, total=total),
        )
        _report(owner, job, phase="saving", done=1, total=1)
        return viewer.diary.import_health_values(
            prepared.values, source=prepared.source, file=prepared.label, since=since, until=until, dry_run=dry_run, notes=prepared.notes
        )
    except (HealthFileError, DiaryError) as exc:
        _report(owner, job, phase="failed", done=0, total=0)
        raise _Refused(str(exc).removeprefix(f"{label}: ")) from None


def _date(text: str, field: str, errors: list) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors.append({"field": f"health_{field}", "message": f"{text!r} is not a date (YYYY-MM-DD)"})
        return None
