"""`nosetwitch insights`, `experiment` and `today` as a person types them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nosetwitch.insights import INSIGHTS_SCHEMA
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.interfaces.interchange.diary_json import diary_to_json
from nosetwitch.services.diary import DiaryService
from nosetwitch.simulate import simulate_diary

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(diary_to_json(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4))))
    return path


def test_insights_case_json_validates_against_the_exported_schema(case_file):
    code, out, err = cli("insights", "--schema")
    assert code == 0, err
    schema = json.loads(out)
    assert schema == INSIGHTS_SCHEMA
    code, out, err = cli("insights", str(case_file), "--json")
    assert code == 0, err
    report = json.loads(out)
    jsonschema.validate(report, schema)
    assert report["status"] == "ok" and report["days_observed"] == 120
    assert any(row["significant"] for row in report["associations"])


def test_insights_human_view_has_sparkline_table_findings_and_disclaimer(case_file):
    code, out, err = cli("insights", str(case_file))
    assert code == 0, err
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█")
    assert "stands out" in out and "95 % interval" in out
    assert "went with" in out
    assert "not a diagnosis" in out


def test_insights_as_of_moves_the_analysis_back(case_file):
    code, out, _ = cli("insights", str(case_file), "--json", "--as-of", "2026-01-20T12:00:00+01:00")
    report = json.loads(out)
    assert code == 0 and report["status"] == "insufficient_data"
    assert report["as_of"] == "2026-01-20T12:00:00+01:00"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["insights", "missing.json"], "missing.json"),
        (["insights", "--as-of", "2026-01-20T12:00"], "no UTC offset"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, mentions):
    code, out, err = cli(*args)
    assert code == 2
    assert err.startswith("nosetwitch: error: ") and err.count("\n") == 1 and mentions in err


def test_bad_diary_file_names_the_problem(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "nosetwitch-diary", "version": 1, "person": {"timezone": "Mars/Base"}}')
    code, _, err = cli("insights", str(path))
    assert code == 2 and "timezone" in err


def test_insights_on_the_stored_diary(sqlite_url):
    DiaryService(sqlite_url).import_diary(simulate_diary(days=60, seed=2))
    code, out, err = cli("--db", sqlite_url, "insights", "--json")
    assert code == 0, err
    report = json.loads(out)
    jsonschema.validate(report, INSIGHTS_SCHEMA)
    assert report["summary"]["episodes"] > 100


def test_experiment_start_today_report_stop(db_url):
    service = DiaryService(db_url)
    service.update_person(timezone="Europe/Berlin")
    code, out, err = cli("--db", db_url, "experiment", "start", "caffeine", "--days", "14", "--seed", "7")
    assert code == 0, err
    assert "A days: no coffee" in out and out.count(": A") == 7 and out.count(": B") == 7
    assert "14 days are too few for a clear result" in out
    code, out, _ = cli("--db", db_url, "today")
    assert code == 0 and "day 1 of 14 of the caffeine experiment" in out
    # A second one while the first runs: refused, nothing stored.
    code, _, err = cli("--db", db_url, "experiment", "start", "sleep")
    assert code == 2 and "stop it first" in err
    code, out, _ = cli("--db", db_url, "experiment", "report")
    assert code == 0 and "0 of 14 days are over" in out and "comes when all 14 days are over" in out
    code, out, _ = cli("--db", db_url, "experiment", "report", "--json")
    assert json.loads(out)["days_done"] == 0
    code, out, _ = cli("--db", db_url, "experiment", "stop")
    assert code == 0
    code, out, _ = cli("--db", db_url, "today")
    assert "no experiment is running" in out


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["experiment", "start", "coffee"], "unknown experiment"),
        (["experiment", "start", "caffeine", "--days", "9"], "--days must be an even number"),
        (["experiment", "start", "caffeine", "--start", "someday"], "--start"),
        (["experiment", "stop"], "no experiment is running"),
        (["experiment", "report"], "no experiment yet"),
    ],
)
def test_experiment_bad_input(sqlite_url, args, mentions):
    code, out, err = cli("--db", sqlite_url, *args)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and mentions in err
