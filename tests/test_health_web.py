"""The Data page's "Import from a health app": upload, result per factor, bad files, progress."""

from __future__ import annotations

import datetime as dt

import pytest
from health_exports import apple_xml, apple_zip
from test_health_import import APPLE_EXPECTED, BILLION_LAUGHS, apple_records, checkins
from web_support import ApiClient

from nosetwitch.domain.models import DayCheckIn, Person
from nosetwitch.interfaces.web import create_app
from nosetwitch.services.diary import DiaryService


@pytest.fixture
def diary(sqlite_url) -> DiaryService:
    service = DiaryService(sqlite_url)
    service.set_person(Person(timezone="Europe/Berlin"))
    return service


@pytest.fixture
def web(sqlite_url, diary) -> ApiClient:
    return ApiClient(create_app(sqlite_url))


def upload(web: ApiClient, name: str, data: bytes, **fields):
    form = {"csrf_token": web.csrf, "source": "auto", **fields}
    return web.http.post("/data/health", data=form, files={"file": (name, data, "application/octet-stream")})


def test_upload_fills_check_ins_and_shows_each_factor(web, diary, tmp_path):
    diary.upsert_day(DayCheckIn(date=dt.date(2024, 3, 11), sleep_h=6.0))
    export = apple_zip(tmp_path / "export.zip", apple_xml(apple_records())).read_bytes()

    dry = upload(web, "export.zip", export, dry_run="1")
    assert dry.status_code == 200
    assert "Nothing written: this is what the import would do." in dry.text
    assert checkins(diary) == {dt.date(2024, 3, 11): {"sleep_h": 6.0}}

    page = upload(web, "export.zip", export, job="job-12345678")
    assert page.status_code == 200
    assert "<strong>Imported.</strong>" in page.text and "<code>export.zip</code>, days 2024-03-11 to 2024-10-27" in page.text
    assert '<th scope="row">Sleep</th><td>3</td><td>0</td><td>1</td>' in page.text
    assert "Sleep: 1 typed by you, kept" in page.text
    expected = {day: dict(v) for day, v in APPLE_EXPECTED.items()}
    expected[dt.date(2024, 3, 11)]["sleep_h"] = 6.0
    assert checkins(diary) == expected
    assert web.get("/data/health/progress?job=job-12345678").json() == {"phase": "done", "done": 1, "total": 1}
    assert web.get("/data/health/progress?job=unknown-job").json() == {"phase": "waiting"}

    again = upload(web, "export.zip", export)
    assert '<th scope="row">Caffeine</th><td>0</td><td>0</td><td>1</td>' in again.text
    assert checkins(diary) == expected


def test_a_hostile_upload_is_refused_with_the_reason_and_nothing_changes(web, diary):
    diary.upsert_day(DayCheckIn(date=dt.date(2024, 3, 11), sleep_h=6.0))
    before = diary.export_diary()
    page = upload(web, "export.xml", BILLION_LAUGHS)
    assert page.status_code == 422
    assert "Nothing was imported." in page.text
    assert "Refused, the XML declares an entity at line 3" in page.text
    assert diary.export_diary() == before
    empty = web.http.post("/data/health", data={"csrf_token": web.csrf})
    assert empty.status_code == 422 and "Choose an export file" in empty.text
    bad_date = upload(web, "a.csv", b"date,sleep\n2024-03-11,7\n", **{"from": "last week"})
    assert bad_date.status_code == 422 and "&#39;last week&#39; is not a date" in bad_date.text
    assert diary.export_diary() == before


def test_only_the_health_upload_may_exceed_the_diary_upload_limit(sqlite_url, diary):
    web = ApiClient(create_app(sqlite_url, max_upload_bytes=2000))
    sheet = b"date,sleep_h\n" + b"".join(f"2024-01-{d:02d},7.5\n".encode() for d in range(1, 29)) * 5
    assert len(sheet) > 2000
    diary_import = web.http.post("/data/import", data={"csrf_token": web.csrf}, files={"file": ("d.json", sheet, "application/json")})
    assert diary_import.status_code == 413
    page = upload(web, "sleep.csv", sheet)
    assert page.status_code == 200, page.text[-500:]
    assert checkins(diary)[dt.date(2024, 1, 5)] == {"sleep_h": 7.5}  # a row repeated exactly counts once
