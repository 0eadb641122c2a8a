"""Every bad input refused cleanly, through every entry point (API, forms, CLI, import),
with nothing stored: the regression tests of issue 12's examples."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile

import pytest
from web_support import ApiClient, assert_problem

from nosetwitch.domain.clock import NonexistentLocalTime, wall_time
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.interfaces.web import create_app
from nosetwitch.services.diary import DiaryService

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
JSON = {"content-type": "application/json"}
# Every page and download that once answered 500 after a bad value was stored.
READERS = (
    "/api/v1/overview", "/api/v1/triage", "/api/v1/insights", "/api/v1/export?format=json", "/api/v1/export?format=csv",
    "/api/v1/export?format=fhir", "/api/v1/report", "/api/v1/days", "/api/v1/episodes",
    "/", "/overview", "/history", "/history?kind=days", "/insights", "/day", "/data", "/profile",
)  # fmt: skip


@pytest.fixture
def api(db_url: str) -> ApiClient:
    return ApiClient(create_app(db_url))


def _raw(client: ApiClient, method: str, url: str, body: str):
    return client.http.request(method, url, content=body.encode("utf-8", "surrogatepass"), headers={**JSON, "X-CSRF-Token": client.csrf})


def _everything_still_answers(client: ApiClient) -> None:
    for url in READERS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])


# --- numbers: finite and plausible ------------------------------------------------------------


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400", "1e308", "5001"])
def test_the_api_refuses_infinite_and_absurd_amounts_and_stores_nothing(api, value):
    body = f'{{"date": "2026-03-10", "caffeine_mg": {value}}}'
    assert_problem(_raw(api, "POST", "/api/v1/days", body), 422, "caffeine_mg")
    assert_problem(_raw(api, "PUT", "/api/v1/days/2026-03-10", f'{{"caffeine_mg": {value}}}'), 422, "caffeine_mg")
    if value != "5001":  # an episode of 5,001 seconds is possible; one of a week and more is not
        assert_problem(_raw(api, "POST", "/api/v1/episodes", f'{{"duration_s": {value}}}'), 422, "duration_s")
    assert api.get("/api/v1/days").json()["total"] == 0 and api.get("/api/v1/episodes").json()["total"] == 0
    _everything_still_answers(api)


# ids that do not change with the clock: pytest-xdist's workers must collect the same tests
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z", "1899-12-31T23:00:00Z", (NOW + dt.timedelta(days=2)).isoformat()],
                         ids=["year-9999", "year-1", "before-1900", "two-days-ahead"])
def test_the_api_refuses_instants_outside_1900_to_a_day_from_now(api, when):
    for url, body, field in (
        ("/api/v1/episodes", {"started_at": when}, "started_at"),
        ("/api/v1/symptoms", {"code": "pain", "onset": "gradual", "started_at": when}, "started_at"),
        ("/api/v1/remedies", {"code": "massage", "at": when}, "at"),
    ):
        body = assert_problem(api.post(url, body), 422, field)
        assert "1900" in body["detail"] or "future" in body["detail"]
    _everything_still_answers(api)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", (NOW + dt.timedelta(days=3)).date().isoformat()],
                         ids=["year-9999", "year-1", "before-1900", "three-days-ahead"])
def test_the_api_refuses_dates_outside_the_plausible_range(api, day):
    assert_problem(api.post("/api/v1/days", {"date": day, "sleep_h": 7}), 422, "date")
    assert_problem(api.put(f"/api/v1/days/{day}", {"sleep_h": 7}), 422, "date")
    assert_problem(api.post("/api/v1/medications", {"name": "atorvastatin", "started": day}), 422, "started")
    assert api.get("/api/v1/days").json()["total"] == 0
    _everything_still_answers(api)


def test_the_edges_of_the_range_are_accepted_and_every_page_still_answers_even_at_plus_14_hours(api):
    assert api.put("/api/v1/profile", {"timezone": "Pacific/Kiritimati"}).status_code == 200
    assert api.post("/api/v1/episodes", {"id": "oldest", "started_at": "1900-01-01T00:00:00Z"}).status_code == 201
    latest = (NOW + dt.timedelta(hours=23)).astimezone(dt.timezone(dt.timedelta(hours=14))).isoformat()
    assert api.post("/api/v1/episodes", {"id": "latest", "started_at": latest}).status_code == 201
    tomorrow_there = (NOW + dt.timedelta(hours=14)).date() + dt.timedelta(days=1)
    assert api.put(f"/api/v1/days/{tomorrow_there.isoformat()}", {"sleep_h": 7}).status_code == 201
    _everything_still_answers(api)
    assert api.put("/api/v1/profile", {"timezone": "Etc/GMT+12"}).status_code == 200  # the other end of the world
    _everything_still_answers(api)


@pytest.mark.parametrize("as_of", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "2026-03-10T10:00:00", "0.5", "1"])
def test_engines_refuse_a_moment_outside_the_range_or_without_an_offset(api, as_of):
    for url in ("/api/v1/triage", "/api/v1/insights"):
        assert_problem(api.get(url, params={"as_of": as_of}), 422, "as_of")


# --- integers in queries and paths, and the other 500s ---------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/episodes?offset=100000000000000000000", "/api/v1/days?offset=-1", "/api/v1/remedies/1180591620717411303424", "/api/v1/medications/1180591620717411303424", "/api/v1/medications/0"])
def test_huge_integers_in_queries_and_paths_are_422_not_an_overflow(api, url):
    assert_problem(api.get(url), 422)


@pytest.mark.parametrize("url", ["/history?offset=100000000000000000000", "/day?date=9999-12-31"])
def test_huge_integers_and_dates_in_page_addresses_are_a_friendly_error(api, url):
    response = api.get(url)
    assert response.status_code == 422 and "<html" in response.text


def test_big_keys_in_page_forms_are_refused_not_an_overflow(api):
    for url in ("/remedies/1180591620717411303424/delete", "/medications/1180591620717411303424/delete"):
        assert api.form(url).status_code == 422


def test_since_without_an_offset_is_a_422_naming_it(api):
    assert_problem(api.get("/api/v1/episodes", params={"since": "2026-03-10T00:00:00"}), 422, "since")
    assert_problem(api.get("/api/v1/symptoms", params={"until": "2026-03-10"}), 422, "until")
    assert_problem(api.get("/api/v1/days", params={"since": "0"}), 422, "since")
    assert api.get("/api/v1/episodes", params={"since": "2026-03-10T00:00:00+01:00"}).status_code == 200


def test_a_multipart_import_without_the_file_field_is_a_422_naming_it(api):
    response = api.http.post("/api/v1/import", files={"other": ("x.json", b"{}")}, headers={"X-CSRF-Token": api.csrf})
    assert_problem(response, 422, "file")
    response = api.http.post("/api/v1/import", data={"note": "no file"}, headers={"X-CSRF-Token": api.csrf})
    assert_problem(response, 422, "file")


# --- text: ids, zones, names, control characters, surrogates ---------------------------------------


@pytest.mark.parametrize("note", ["\\ud800", "a\\u0000b", "bell\\u0007", "c1\\u0085"])
def test_lone_surrogates_and_control_characters_are_refused(api, note):
    assert_problem(_raw(api, "POST", "/api/v1/episodes", f'{{"note": "{note}"}}'), 422, "note")
    assert_problem(_raw(api, "POST", "/api/v1/medications", f'{{"name": "x{note}"}}'), 422, "name")
    assert api.get("/api/v1/episodes").json()["total"] == 0


def test_notes_keep_line_breaks_and_are_trimmed(api):
    stored = api.post("/api/v1/episodes", {"note": "  first line\n\tsecond line  "}).json()
    assert stored["note"] == "first line\n\tsecond line"


@pytest.mark.parametrize("bad_id", ["a/b", " x", "x" * 65, "", "-x", "../x", "é", "a b"])
def test_ids_have_a_documented_url_safe_shape(api, bad_id):
    assert_problem(api.post("/api/v1/episodes", {"id": bad_id}), 422, "id")
    assert_problem(api.post("/api/v1/symptoms", {"id": bad_id, "code": "pain", "onset": "gradual", "started_at": "2026-03-10T10:00:00Z"}), 422, "id")


def test_ids_of_the_documented_shape_open_in_the_web_app(api):
    for good in ("e1", "2026-03-10.a", "x~1_y"):
        assert api.post("/api/v1/episodes", {"id": good, "started_at": "2026-03-10T10:00:00Z"}).status_code == 201
        assert api.get(f"/episodes/{good}").status_code == 200


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin", "../etc/passwd", "Mars/Olympus", "/usr/share/zoneinfo/UTC"])
def test_only_iana_zone_names(api, zone):
    assert_problem(api.put("/api/v1/profile", {"timezone": zone}), 422, "timezone")


@pytest.mark.parametrize("name", ["   ", "", "two\nlines", "x" * 201])
def test_medicine_names_are_trimmed_one_line_and_not_empty(api, name):
    assert_problem(api.post("/api/v1/medications", {"name": name}), 422, "name")
    assert api.post("/api/v1/medications", {"name": "  atorvastatin "}).json()["name"] == "atorvastatin"


# --- forms ------------------------------------------------------------------------------------------


@pytest.fixture
def web(sqlite_url: str) -> ApiClient:
    return ApiClient(create_app(sqlite_url))


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "Infinity"])
def test_the_day_form_refuses_infinity_at_the_field(web, value):
    response = web.form("/day", {"date": "2026-03-10", "caffeine_mg": value, "water_l": value})
    assert response.status_code == 422
    assert "caffeine_mg" in response.text or "Caffeine" in response.text
    assert web.get("/api/v1/days").json()["total"] == 0
    _everything_still_answers(web)


def test_forms_refuse_year_9999_and_year_1(web):
    assert web.form("/day", {"date": "9999-12-31", "sleep_h": "7", "record_sleep_h": "1"}).status_code == 422
    web.post("/api/v1/episodes", {"id": "e1", "started_at": "2026-03-10T10:00:00Z"})
    for when in ("9999-12-31T10:00", "0001-01-01T10:00"):
        response = web.form("/episodes/e1", {"started_at": when, "sites": "nose"})
        assert response.status_code == 422 and "started_at" in response.text
    assert web.form("/symptoms", {"code": "pain", "onset": "gradual", "started_at": "9999-01-01T08:00"}).status_code == 422
    assert web.form("/medications", {"name": "   "}).status_code == 422
    assert web.form("/profile", {"timezone": "localtime"}).status_code == 422
    assert web.get("/api/v1/episodes/e1").json()["started_at"] == "2026-03-10T10:00:00Z"
    assert web.get("/api/v1/symptoms").json()["total"] == 0
    _everything_still_answers(web)


def test_a_local_time_in_the_spring_gap_is_refused_and_one_in_the_autumn_fold_is_the_first(web):
    web.put("/api/v1/profile", {"timezone": "Europe/Berlin"})
    web.post("/api/v1/episodes", {"id": "e1", "started_at": "2026-03-10T10:00:00Z"})
    gap = web.form("/episodes/e1", {"started_at": "2026-03-29T02:30", "sites": "nose"})
    assert gap.status_code == 422 and "did not exist" in gap.text
    assert web.form("/episodes/e1", {"started_at": "2026-10-25T02:30", "sites": "nose"}).status_code == 303
    assert web.get("/api/v1/episodes/e1").json()["started_at"] == "2026-10-25T02:30:00+02:00"  # summer time: the first 02:30


def test_the_wall_time_rule():
    with pytest.raises(NonexistentLocalTime):
        wall_time(dt.datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert wall_time(dt.datetime(2026, 11, 1, 1, 30), "America/New_York").utcoffset() == dt.timedelta(hours=-4)
    assert wall_time(dt.datetime(2026, 7, 1, 12, 0), "Europe/Berlin").utcoffset() == dt.timedelta(hours=2)


# --- command line -----------------------------------------------------------------------------------


def _refused(db: str, *args: str, mentions: str = "") -> str:
    before = DiaryService(db).export_diary()
    code, out, err = cli("--db", db, *args)
    assert code == 2, (out, err)
    assert err.startswith("nosetwitch: error: ") and err.count("\n") == 1, err
    assert mentions in err, err
    assert DiaryService(db).export_diary() == before
    return err


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("log", "day", "--coffee", "inf"), "caffeine_mg"),
        (("log", "day", "--caffeine", "1e400"), "caffeine_mg"),
        (("log", "day", "--sleep", "nan"), "sleep_h"),
        (("log", "day", "--water", "100"), "water_l"),
        (("log", "day", "--date", "9999-12-31", "--sleep", "7"), "9999"),
        (("log", "day", "--date", "0001-01-01", "--sleep", "7"), "1900"),
        (("log", "twitch", "--at", "9999-12-31T10:00:00+00:00"), "future"),
        (("log", "twitch", "--at", "2026-03-29 02:30"), "did not exist"),
        (("log", "twitch", "--note", "a\x07b"), "control character"),
        (("profile", "--timezone", "localtime"), "localtime"),
        (("triage", "--as-of", "9999-12-31T00:00:00+14:00"), "1900 to 2199"),
        (("insights", "--as-of", "0001-01-01T00:00:00Z"), "1900 to 2199"),
        (("report", "--from", "0001-01-01", "--to", "9999-12-31"), "9999-12-31"),
        (("report", "--from", "2000-01-01"), "at most a year"),
        (("list", "--days", "100000000"), "--days"),
    ],
)
def test_the_cli_refuses_with_one_line_and_exit_2(db_url, args, mentions):
    cli("--db", db_url, "profile", "--timezone", "Europe/Berlin")
    _refused(db_url, *args, mentions=mentions)


def _document(**changes) -> dict:
    document = {"format": "nosetwitch-diary", "version": 1, "person": {"timezone": "UTC"}, "episodes": [{"id": "e1", "started_at": "2026-03-10T10:00:00Z"}]}
    document.update(changes)
    return document


BAD_DOCUMENTS = {
    "infinity": json.dumps(_document(days=[{"date": "2026-03-10", "caffeine_mg": float("inf")}])),
    "1e400": json.dumps(_document()).replace('"episodes"', '"days": [{"date": "2026-03-10", "caffeine_mg": 1e400}], "episodes"'),
    "year 9999": json.dumps(_document(episodes=[{"id": "e1", "started_at": "9999-12-31T23:59:59+14:00"}])),
    "year 1": json.dumps(_document(days=[{"date": "0001-01-01", "sleep_h": 7}])),
    "lone surrogate": json.dumps(_document()).replace('"e1"', '"e1", "note": "\\ud800"'),
    "NUL": json.dumps(_document(episodes=[{"id": "e1", "started_at": "2026-03-10T10:00:00Z", "note": "a\x00b"}])),
    "bad id": json.dumps(_document(episodes=[{"id": "a/b", "started_at": "2026-03-10T10:00:00Z"}])),
    "localtime": json.dumps(_document(person={"timezone": "localtime"})),
}


@pytest.mark.parametrize("kind", BAD_DOCUMENTS)
def test_importing_a_bad_document_through_cli_and_api_changes_nothing(db_url, tmp_path, kind):
    path = tmp_path / "diary.json"
    path.write_text(BAD_DOCUMENTS[kind])
    _refused(db_url, "import", str(path))
    api = ApiClient(create_app(db_url))
    assert_problem(_raw(api, "POST", "/api/v1/import", BAD_DOCUMENTS[kind]), 422)
    assert api.get("/api/v1/episodes").json()["total"] == 0
    _everything_still_answers(api)


def test_cli_import_of_a_folder_a_device_a_fifo_and_undecodable_text_is_one_line_exit_2(db_url, tmp_path):
    assert "folder" in _refused(db_url, "import", str(tmp_path))
    assert "not a regular file" in _refused(db_url, "import", "/dev/zero")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file" in _refused(db_url, "import", str(fifo))  # refused unopened: no hang
    raw = tmp_path / "cesu.json"
    raw.write_bytes(json.dumps(_document()).encode().replace(b'"e1"', b'"e1", "note": "\xed\xa0\x80"'))
    assert "note" in _refused(db_url, "import", str(raw))  # a surrogate encoded as UTF-8 bytes
    _refused(db_url, "import", str(tmp_path / "missing.json"))


def test_the_size_limit_holds_whatever_the_file_says(tmp_path, monkeypatch):
    from nosetwitch.interfaces.interchange import diary_json

    monkeypatch.setattr(diary_json, "MAX_DIARY_BYTES", 100)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_document(episodes=[{"id": f"e{i}", "started_at": "2026-03-10T10:00:00Z"} for i in range(20)])))
    with pytest.raises(diary_json.DiaryFormatError, match="MB|larger"):
        diary_json.load_diary_file(big)


# --- CSV safe for spreadsheets -------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tTAB", "\rCR", "=1+1"]


def test_every_csv_text_cell_is_neutralised_and_numbers_stay_numbers(db_url):
    api = ApiClient(create_app(db_url))
    for i, note in enumerate(FORMULAS):
        assert api.post("/api/v1/episodes", {"id": f"e{i}", "started_at": "2026-03-10T10:00:00Z", "note": "x" + note}).status_code == 201
        api.post("/api/v1/remedies", {"code": "massage", "at": "2026-03-10T10:05:00Z", "note": note})
    api.put("/api/v1/days/2026-03-10", {"caffeine_mg": 240, "note": "=2+5"})
    api.post("/api/v1/medications", {"name": "@magnesium", "dose": "-1 tablet"})
    # notes are trimmed when stored, so a tab or CR at the start must come from a later text
    api.post("/api/v1/symptoms", {"id": "s1", "code": "pain", "onset": "gradual", "started_at": "2026-03-10T10:00:00Z", "note": "=cmd"})

    archive = zipfile.ZipFile(io.BytesIO(api.get("/api/v1/export?format=csv").content))
    cells = []
    for name in archive.namelist():
        if name.endswith(".csv"):
            cells += [cell for row in csv.reader(io.StringIO(archive.read(name).decode())) for cell in row]
            single = api.get(f"/api/v1/export?format=csv&table={name.rsplit('/', 1)[-1][:-4]}").content.decode()
            assert single.encode() == archive.read(name)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for formula in ("=2+5", "@magnesium", "-1 tablet", "=cmd", "@SUM(1+1)", "-2+3", "+cmd|' /C calc'!A0"):
        assert "'" + formula in cells, formula
    days = list(csv.DictReader(io.StringIO(archive.read("nosetwitch-diary/days.csv").decode())))
    assert days[0]["caffeine_mg"] == "240"  # a number stays a number
    exported = api.get("/api/v1/export?format=json").json()  # the JSON export keeps every text exactly
    assert {r["note"] for r in exported["remedies"]} >= {"=1+1", "@SUM(1+1)", "-2+3"}
    assert exported["medications"][0]["name"] == "@magnesium"


def test_the_cli_csv_export_is_neutralised_too(db_url, tmp_path):
    cli("--db", db_url, "log", "twitch", "--note", "=HYPERLINK(1)")
    target = tmp_path / "out.zip"
    code, _, err = cli("--db", db_url, "export", "--format", "csv", "--out", str(target))
    assert code == 0, err
    archive = zipfile.ZipFile(target)
    episodes = archive.read("nosetwitch-diary/episodes.csv").decode()
    assert "'=HYPERLINK(1)" in episodes and ",=HYPERLINK" not in episodes


# --- the API document -------------------------------------------------------------------------------


def test_405_answers_name_every_method_of_the_path(api):
    response = api.http.options("/api/v1/check/questions")  # not the methods of /check/{id}
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    response = api.http.put("/api/v1/episodes/e1", headers={"X-CSRF-Token": api.csrf})
    assert response.status_code == 405 and set(response.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
    response = api.http.delete("/api/v1/episodes", headers={"X-CSRF-Token": api.csrf})
    assert response.status_code == 405 and set(response.headers["allow"].split(", ")) == {"GET", "POST"}


def test_every_api_operation_declares_its_problem_answers(api):
    spec = api.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue  # /healthz: no session, no input
        for method, operation in operations.items():
            for status in ("401", "403", "422"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)


def test_the_documented_csv_tables_are_the_tables_of_the_export():
    from nosetwitch.domain.models import Diary, Person
    from nosetwitch.interfaces.interchange.csv_export import TABLES, diary_tables

    assert {f"{name}.csv" for name in TABLES} == set(diary_tables(Diary(person=Person(timezone="UTC"))))
