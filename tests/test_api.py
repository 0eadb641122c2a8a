"""The JSON API, endpoint by endpoint, on SQLite and on the real PostgreSQL (`db_url`)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from web_support import ApiClient, assert_problem, demo_document

from nosetwitch.interfaces.web import create_app


@pytest.fixture
def api(db_url: str) -> ApiClient:
    return ApiClient(create_app(db_url))


def test_episodes_create_read_update_delete_and_list(api: ApiClient):
    quick = api.post("/api/v1/episodes", {})
    assert quick.status_code == 201, quick.text
    assert quick.json()["sites"] == ["nose"] and quick.json()["started_at"]
    full = api.post(
        "/api/v1/episodes",
        {"id": "mine", "started_at": "2026-03-10T20:00:00+01:00", "duration_s": 30, "intensity": 3, "side": "left", "sites": ["nose", "cheek"], "note": "after coffee"},
    ).json()
    assert full["id"] == "mine" and full["started_at"] == "2026-03-10T20:00:00+01:00"
    assert api.get("/api/v1/episodes/mine").json()["sites"] == ["nose", "cheek"]
    patched = api.patch("/api/v1/episodes/mine", {"intensity": 5, "interferes_with": ["eating"]})
    assert patched.status_code == 200 and patched.json()["intensity"] == 5
    assert api.get("/api/v1/episodes/mine").json()["interferes_with"] == ["eating"]
    assert api.get("/api/v1/episodes/mine").json()["note"] == "after coffee"  # untouched by the patch
    listed = api.get("/api/v1/episodes", params={"limit": 1}).json()
    assert listed["total"] == 2 and len(listed["items"]) == 1 and listed["next_offset"] == 1
    second = api.get("/api/v1/episodes", params={"limit": 1, "offset": 1}).json()
    assert second["next_offset"] is None and second["items"][0]["id"] == "mine"  # newest first
    assert api.delete("/api/v1/episodes/mine").status_code == 204
    assert_problem(api.get("/api/v1/episodes/mine"), 404)
    assert api.get("/api/v1/episodes").json()["total"] == 1


def test_symptoms_crud(api: ApiClient):
    created = api.post("/api/v1/symptoms", {"code": "numbness", "onset": "gradual", "started_at": "2026-03-09T08:00:00+01:00", "side": "left"})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert api.get(f"/api/v1/symptoms/{sid}").json()["code"] == "numbness"
    assert api.patch(f"/api/v1/symptoms/{sid}", {"ended_at": "2026-03-09T12:00:00+01:00"}).json()["ended_at"] == "2026-03-09T12:00:00+01:00"
    assert [s["id"] for s in api.get("/api/v1/symptoms").json()["items"]] == [sid]
    assert api.delete(f"/api/v1/symptoms/{sid}").status_code == 204
    assert_problem(api.delete(f"/api/v1/symptoms/{sid}"), 404)


def test_days_crud(api: ApiClient):
    created = api.post("/api/v1/days", {"date": "2026-03-10", "sleep_h": 6.5, "caffeine_mg": 300})
    assert created.status_code == 201, created.text
    assert_problem(api.post("/api/v1/days", {"date": "2026-03-10"}), 409, "date")
    assert api.patch("/api/v1/days/2026-03-10", {"stress": 7}).json() | {} == api.get("/api/v1/days/2026-03-10").json()
    day = api.get("/api/v1/days/2026-03-10").json()
    assert (day["sleep_h"], day["caffeine_mg"], day["stress"]) == (6.5, 300, 7)
    replaced = api.put("/api/v1/days/2026-03-10", {"sleep_h": 8})
    assert replaced.status_code == 200 and replaced.json()["caffeine_mg"] is None  # PUT replaces
    assert api.put("/api/v1/days/2026-03-11", {"water_l": 2}).status_code == 201
    assert_problem(api.put("/api/v1/days/2026-03-11", {"date": "2026-03-12"}), 422, "date")
    assert [d["date"] for d in api.get("/api/v1/days").json()["items"]] == ["2026-03-11", "2026-03-10"]
    assert api.delete("/api/v1/days/2026-03-10").status_code == 204
    assert_problem(api.get("/api/v1/days/2026-03-10"), 404)


def test_remedies_crud_and_episode_link(api: ApiClient):
    api.post("/api/v1/episodes", {"id": "e1", "started_at": "2026-03-10T20:00:00+01:00"})
    created = api.post("/api/v1/remedies", {"code": "warm_compress", "at": "2026-03-10T20:05:00+01:00", "episode_id": "e1"})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert isinstance(rid, int)
    assert api.get(f"/api/v1/remedies/{rid}").json()["episode_id"] == "e1"
    assert api.patch(f"/api/v1/remedies/{rid}", {"helped": True}).json()["helped"] is True
    assert [r["id"] for r in api.get("/api/v1/remedies", params={"episode_id": "e1"}).json()["items"]] == [rid]
    assert_problem(api.post("/api/v1/remedies", {"code": "massage", "episode_id": "nope"}), 422, "episode_id")
    assert api.delete(f"/api/v1/remedies/{rid}").status_code == 204
    assert_problem(api.get(f"/api/v1/remedies/{rid}"), 404)


def test_medications_crud(api: ApiClient):
    created = api.post("/api/v1/medications", {"name": "Lasix", "dose": "40 mg", "started": "2026-01-01"})
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    assert api.patch(f"/api/v1/medications/{mid}", {"stopped": "2026-02-01"}).json()["stopped"] == "2026-02-01"
    assert_problem(api.patch(f"/api/v1/medications/{mid}", {"stopped": "2025-01-01"}), 422)
    assert api.get(f"/api/v1/medications/{mid}").json()["stopped"] == "2026-02-01"  # the bad patch changed nothing
    assert api.get("/api/v1/medications", params={"active_on": "2026-01-15"}).json()["total"] == 1
    assert api.get("/api/v1/medications", params={"active_on": "2026-03-01"}).json()["total"] == 0
    assert api.delete(f"/api/v1/medications/{mid}").status_code == 204
    assert_problem(api.get(f"/api/v1/medications/{mid}"), 404)


def test_profile_read_and_replace(api: ApiClient):
    assert api.put("/api/v1/profile", {"timezone": "Europe/Berlin", "birth_year": 1980}).status_code == 200
    assert api.get("/api/v1/profile").json() == {"timezone": "Europe/Berlin", "birth_year": 1980, "sex": None, "own_factors": []}
    assert_problem(api.put("/api/v1/profile", {"timezone": "Mars/Olympus"}), 422, "timezone")


def test_own_factors_through_the_api(api: ApiClient):
    pollen = {"key": "pollen", "label": "Pollen", "kind": "scale", "unit": None}
    assert api.put("/api/v1/profile", {"timezone": "Europe/Berlin", "own_factors": [pollen]}).status_code == 200
    assert api.put("/api/v1/profile", {"timezone": "Europe/Paris"}).json()["own_factors"] == [pollen]  # omitted: kept
    assert api.put("/api/v1/days/2026-03-01", {"own": {"pollen": 4}}).status_code in (200, 201)
    assert api.get("/api/v1/days/2026-03-01").json()["own"] == {"pollen": 4}
    assert_problem(api.put("/api/v1/days/2026-03-02", {"own": {"pollen": 40}}), 422, "own.pollen")
    assert_problem(api.put("/api/v1/days/2026-03-02", {"own": {"dust": 1}}), 422, "own.dust")
    refused = api.put("/api/v1/profile", {"timezone": "Europe/Paris", "own_factors": []})
    assert refused.status_code == 409 and "own.pollen" in refused.text
    assert api.get("/api/v1/profile").json()["own_factors"] == [pollen]


def test_overview_triage_and_insights_on_a_demo_diary(api: ApiClient):
    imported = api.post("/api/v1/import", content=demo_document(), headers={"content-type": "application/json"})
    assert imported.status_code == 200, imported.text
    assert imported.json()["counts"]["episodes"]["added"] > 50
    overview = api.get("/api/v1/overview").json()
    assert overview["week_count"] >= overview["today_count"] >= 0
    assert overview["triage_level"] in {"self_care", "consult", "urgent", "emergency"}
    triage = api.get("/api/v1/triage").json()
    assert triage["policy"] == "nosetwitch-triage-2" and triage["advice"]
    assert triage["level"] == overview["triage_level"]
    insights = api.get("/api/v1/insights").json()
    assert insights["summary"]["episodes"] == imported.json()["counts"]["episodes"]["added"]
    assert {"associations", "remedies", "findings", "status"} <= insights.keys()


def test_triage_of_a_stroke_sign_is_emergency(api: ApiClient):
    api.post("/api/v1/symptoms", {"code": "facial_droop", "onset": "sudden", "started_at": "2026-03-10T19:30:00+01:00"})
    result = api.get("/api/v1/triage", params={"as_of": "2026-03-10T20:00:00+01:00"}).json()
    assert result["level"] == "emergency" and result["reasons"][0]["code"] == "stroke_sign"
    assert_problem(api.get("/api/v1/triage", params={"as_of": "2026-03-10T20:00:00"}), 422, "as_of")


def test_check_stops_at_the_answer_that_makes_an_emergency_saves_it_and_can_undo_it(api: ApiClient):
    questions = api.get("/api/v1/check/questions").json()
    assert [q["id"] for q in questions[:3]] == ["balance", "balance_onset", "vision"] and questions[0]["emergency"] is True
    first_no = api.post("/api/v1/check", {"balance": False}).json()
    assert first_no["emergency"] is False and first_no["next_question"]["id"] == "vision"
    onset = api.post("/api/v1/check", {"balance": False, "vision": False, "face": True}).json()["next_question"]
    assert onset["id"] == "face_onset" and [c["value"] for c in onset["choices"]] == ["sudden", "unknown", "gradual"]
    result = api.post("/api/v1/check", {"balance": False, "vision": False, "face": True, "face_onset": "unknown"}).json()
    assert result["emergency"] is True and "112" in result["instruction"]
    assert result["triage"]["level"] == "emergency" and result["triage"]["summary"].startswith("Call your local emergency number now")
    assert [s["code"] for s in api.get("/api/v1/symptoms").json()["items"]] == ["facial_droop"]
    assert api.get("/api/v1/episodes").json()["total"] == 0  # a check logs no twitch
    undone = api.delete(f"/api/v1/check/{result['saved']['check_id']}")
    assert undone.status_code == 200 and undone.json()["symptoms"] == result["saved"]["symptoms"]
    assert api.get("/api/v1/symptoms").json()["total"] == 0
    assert api.delete(f"/api/v1/check/{result['saved']['check_id']}").status_code == 404
    assert_problem(api.post("/api/v1/check", {"face": "maybe"}), 422, "face")


def test_the_triage_answer_has_a_plain_summary_that_starts_with_the_instruction_at_emergency(api: ApiClient):
    quiet = api.get("/api/v1/triage").json()
    assert quiet["summary"].startswith("Self-care for now.")
    api.post("/api/v1/symptoms", {"code": "balance_loss", "onset": "sudden", "started_at": "2026-03-10T19:30:00+01:00"})
    result = api.get("/api/v1/triage", params={"as_of": "2026-03-10T20:00:00+01:00"}).json()
    assert result["summary"].startswith("Call your local emergency number now: 112")
    assert "loss of balance" in result["summary"]


def test_import_reports_every_bad_record_and_writes_nothing(api: ApiClient):
    api.post("/api/v1/episodes", {"id": "kept", "started_at": "2026-03-01T10:00:00+01:00"})
    document = {
        "format": "nosetwitch-diary",
        "version": 1,
        "person": {"timezone": "Europe/Berlin"},
        "episodes": [
            {"id": "a", "started_at": "2026-03-10T20:00:00+01:00", "sites": ["nose"]},
            {"id": "b", "started_at": "2026-03-10T21:00:00", "sites": ["nose"]},
            {"id": "c", "started_at": "2026-03-10T22:00:00+01:00", "sites": ["nose"], "intensity": 9},
        ],
    }
    body = assert_problem(api.post("/api/v1/import", document), 422)
    fields = [e["field"] for e in body["errors"]]
    assert any(f.startswith("episodes[1]") and f.endswith("started_at") for f in fields), fields
    assert any(f.startswith("episodes[2]") and f.endswith("intensity") for f in fields), fields
    assert [e["id"] for e in api.get("/api/v1/episodes").json()["items"]] == ["kept"]


def test_import_as_upload_then_export_gives_the_same_diary(api: ApiClient):
    document = demo_document(days=20)
    uploaded = api.post("/api/v1/import", files={"file": ("diary.json", document, "application/json")})
    assert uploaded.status_code == 200, uploaded.text
    again = api.post("/api/v1/import", files={"file": ("diary.json", document, "application/json")}).json()["counts"]
    assert all(c["added"] == 0 and c["updated"] == 0 for c in again.values())  # importing twice changes nothing
    exported = api.get("/api/v1/export", params={"format": "json"})
    assert exported.headers["content-type"].startswith("application/json")
    assert "attachment" in exported.headers["content-disposition"]
    original, back = json.loads(document), exported.json()
    assert len(back["episodes"]) == len(original["episodes"]) and back["days"] == original["days"]
    archive = zipfile.ZipFile(io.BytesIO(api.get("/api/v1/export", params={"format": "csv"}).content))
    assert "nosetwitch-diary/episodes.csv" in archive.namelist()
    table = api.get("/api/v1/export", params={"format": "csv", "table": "episodes"})
    assert table.headers["content-type"].startswith("text/csv")
    assert table.text.count("\n") == len(original["episodes"]) + 1
    assert_problem(api.get("/api/v1/export", params={"format": "csv", "table": "secrets"}), 422, "table")


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/episodes", {"intensity": 9}, "intensity"),
        ("/api/v1/episodes", {"started_at": "2026-03-10T20:00:00"}, "started_at"),
        ("/api/v1/episodes", {"sites": ["ear"]}, "sites"),
        ("/api/v1/episodes", {"colour": "red"}, "colour"),
        ("/api/v1/episodes", {"duration_s": "30"}, "duration_s"),
        ("/api/v1/symptoms", {"code": "facial_droop", "onset": "sudden"}, "started_at"),
        ("/api/v1/days", {"date": "2026-02-30"}, "date"),
        ("/api/v1/days", {"date": "2026-03-01", "stress": 11}, "stress"),
        ("/api/v1/remedies", {"code": "prayer"}, "code"),
        ("/api/v1/medications", {"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(api: ApiClient, url: str, body: dict, field: str):
    before = api.get(url).json()["total"]
    assert_problem(api.post(url, body), 422, field)
    assert api.get(url).json()["total"] == before


def test_bad_query_and_path_values_are_problems_too(api: ApiClient):
    assert_problem(api.get("/api/v1/episodes", params={"limit": 0}), 422, "limit")
    assert_problem(api.get("/api/v1/days/yesterday"), 422, "date")
    assert_problem(api.get("/api/v1/remedies/abc"), 422, "remedy_id")
    assert_problem(api.post("/api/v1/episodes", content=b"{not json", headers={"content-type": "application/json"}), 422)


def test_a_state_changing_request_without_the_csrf_token_is_refused(api: ApiClient):
    without = api.http.post("/api/v1/episodes", json={})
    assert_problem(without, 403, "csrf_token")
    wrong = api.http.post("/api/v1/episodes", json={}, headers={"X-CSRF-Token": "guess"})
    assert_problem(wrong, 403)
    assert_problem(api.http.delete("/api/v1/episodes/e1"), 403)
    form = api.http.post("/log", data={}, follow_redirects=False)
    assert form.status_code == 403
    other = ApiClient(api.http.app)  # another browser's token does not fit this session
    assert_problem(api.http.post("/api/v1/episodes", json={}, headers={"X-CSRF-Token": other.csrf}), 403)
    assert api.get("/api/v1/episodes").json()["total"] == 0


def test_uploads_over_the_limit_are_refused(db_url: str):
    api = ApiClient(create_app(db_url, max_upload_bytes=2000))
    body = assert_problem(api.post("/api/v1/import", content=demo_document(days=30), headers={"content-type": "application/json"}), 413)
    assert "limit" in body["detail"]
    assert api.get("/api/v1/episodes").json()["total"] == 0


def test_openapi_documents_the_api():
    from fastapi.testclient import TestClient

    spec = TestClient(create_app("sqlite://")).get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for kind in ("episodes", "symptoms", "remedies", "medications"):
        assert {"get", "post"} <= paths[f"/api/v1/{kind}"].keys()
    assert {"get", "patch", "delete"} <= paths["/api/v1/episodes/{episode_id}"].keys()
    assert {"get", "put", "patch", "delete"} <= paths["/api/v1/days/{date}"].keys()
    for path in ("/api/v1/triage", "/api/v1/insights", "/api/v1/import", "/api/v1/export", "/api/v1/profile", "/api/v1/overview"):
        assert path in paths
    assert "EpisodeCreate" in spec["components"]["schemas"]


def test_doctor_report_and_fhir_export(api: ApiClient):
    api.post("/api/v1/import", content=demo_document(days=20), headers={"content-type": "application/json"})
    report = api.get("/api/v1/report", params={"days": 14})
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    assert report.content.startswith(b"%PDF")
    assert_problem(api.get("/api/v1/report", params={"days": 0}), 422, "days")
    bundle = api.get("/api/v1/export", params={"format": "fhir"})
    assert bundle.headers["content-type"].startswith("application/fhir+json")
    assert bundle.json()["resourceType"] == "Bundle"
