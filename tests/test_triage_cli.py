"""`nosetwitch triage` and `nosetwitch check` end to end, as a person runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from nosetwitch.interfaces.interchange.diary_json import load_diary_file
from nosetwitch.triage import triage
from nosetwitch.triage.questionnaire import EMERGENCY_QUESTIONS, QUESTIONS
from nosetwitch.triage.schema import result_schema

OWN_CASES = Path(__file__).resolve().parent / "cases"
EMERGENCY_CASE = OWN_CASES / "numbness-left-sudden.json"
CONSULT_CASE = OWN_CASES / "several-rules-at-once.json"
SELF_CARE_CASE = OWN_CASES / "medicine-look-alike-names.json"


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nosetwitch", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_schema_is_printed_and_is_a_valid_schema() -> None:
    run = cli("triage", "--schema")
    assert run.returncode == 0, run.stderr
    schema = json.loads(run.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema == result_schema()
    assert set(schema["required"]) == {"policy", "as_of", "level", "reasons", "advice", "safety_net"}


@pytest.mark.parametrize("case", [EMERGENCY_CASE, CONSULT_CASE, SELF_CARE_CASE], ids=lambda p: p.stem)
def test_json_output_has_the_policy_fields_and_validates(case: Path) -> None:
    run = cli("triage", str(case), "--json")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    Draft202012Validator(result_schema(), format_checker=FormatChecker()).validate(document)
    assert list(document) == ["policy", "as_of", "level", "reasons", "advice", "safety_net"]
    expected = json.loads(case.with_name(case.stem + ".expected.json").read_text())
    assert document["level"] == expected["level"]
    assert document["as_of"] == load_diary_file(case).as_of.isoformat()


def test_every_own_case_result_validates_against_the_schema() -> None:
    validator = Draft202012Validator(result_schema(), format_checker=FormatChecker())
    for case in sorted(OWN_CASES.glob("*.json")):
        if not case.name.endswith(".expected.json"):
            diary = load_diary_file(case)
            validator.validate(triage(diary, diary.as_of).to_dict())


def test_json_changes_nothing_when_the_schema_is_broken() -> None:
    # a result with an unknown reason code must not validate: the schema is not a rubber stamp
    bad = triage(load_diary_file(CONSULT_CASE)).to_dict()
    bad["reasons"][0]["code"] = "looks_fine"
    assert list(Draft202012Validator(result_schema()).iter_errors(bad))


def test_as_of_option_overrides_the_file() -> None:
    run = cli("triage", str(OWN_CASES / "persistent-ends-yesterday.json"), "--json", "--as-of", "2026-03-13T12:00:00+09:00")
    document = json.loads(run.stdout)
    assert (document["level"], document["as_of"]) == ("self_care", "2026-03-13T12:00:00+09:00")


def test_emergency_headline_and_instruction_come_first() -> None:
    run = cli("triage", str(EMERGENCY_CASE))
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert "EMERGENCY" in lines[0] and "112 / 911 / 999" in lines[0]
    assert "Call your local emergency number now" in lines[1]
    out = run.stdout
    assert out.index("emergency number now") < out.index("Why") < out.index("Get help sooner if")
    assert "not a diagnosis" in out


def test_self_care_output_does_not_alarm_but_keeps_the_safety_net() -> None:
    out = cli("triage", str(SELF_CARE_CASE)).stdout
    assert "Self-care for now" in out and "EMERGENCY" not in out
    assert "Call 112 / 911 / 999 now if any of these starts suddenly" in " ".join(out.split())


@pytest.mark.parametrize(
    "content, message",
    [("{not json", "not valid JSON"), ('{"format": "nosetwitch-diary", "version": 1}', "person")],
)
def test_bad_case_file_gives_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    case = tmp_path / "bad.json"
    case.write_text(content)
    run = cli("triage", str(case), "--json")
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr


def test_as_of_without_offset_is_refused() -> None:
    run = cli("triage", str(SELF_CARE_CASE), "--as-of", "2026-03-10T20:00")
    assert run.returncode == 2 and "no UTC offset" in run.stderr


# --- the stored diary and `check` ---------------------------------------------------------


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diary.db'}"


def _answers_until(question_id: str) -> str:
    """'n' to every emergency question before `question_id`, then 'y'."""
    ids = [q.id for q in EMERGENCY_QUESTIONS]
    return "n\n" * ids.index(question_id) + "y\n"


def test_check_stops_at_the_first_emergency_yes_and_prints_the_instruction_first(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=_answers_until("eyes"))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    after_eyes = out[out.index("Eyes: did you suddenly lose sight") :].splitlines()[1:]
    first_after = next(line for line in after_eyes if line.strip())
    assert "EMERGENCY: call 112 / 911 / 999 now" in first_after, out
    assert "Face: look in a mirror" not in out  # no further question was asked
    assert out.index("Call your local emergency number now") < out.index("Why")
    stored = json.loads(cli("--db", db, "triage", "--json").stdout)
    assert stored["level"] == "emergency"
    assert [r["code"] for r in stored["reasons"]][0] == "stroke_sign"


def test_check_records_answers_as_symptoms_and_an_episode(tmp_path: Path) -> None:
    db = _db(tmp_path)
    answers = {q.id: "n" for q in EMERGENCY_QUESTIONS}
    answers.update(face_slow="y", numb_slow="y", numb_side="left", vision_slow="n", pain="maybe\ny", eyelid_closure="n",
                   sites="nose, eyelid, cheek", side="right", interferes="eating", medicines="Lasix 40mg")
    stdin = "".join(f"{answers[q.id]}\n" for q in QUESTIONS)
    run = cli("--db", db, "check", stdin=stdin)
    assert run.returncode == 0, run.stderr
    assert "please answer yes or no" in run.stdout  # 'maybe' was asked again
    assert "Get medical advice today" in run.stdout and "saved in your diary" in run.stdout
    exported = json.loads(cli("--db", db, "triage", "--json").stdout)
    codes = [r["code"] for r in exported["reasons"]]
    assert exported["level"] == "urgent"
    assert codes[0] == "facial_weakness"
    assert {"accompanying_symptom", "spread", "hemifacial_pattern", "interferes", "medication_review"} <= set(codes)
    assert "Lasix 40mg" in next(r for r in exported["reasons"] if r["code"] == "medication_review")["evidence"]


def test_check_no_save_stores_nothing(tmp_path: Path) -> None:
    db_file = tmp_path / "diary.db"
    stdin = "n\n" * len(EMERGENCY_QUESTIONS) + "n\nn\nn\nn\nn\n\n\n\n\n"
    run = cli("--db", f"sqlite:///{db_file}", "check", "--no-save", stdin=stdin)
    assert run.returncode == 0, run.stderr
    assert "Self-care for now" in run.stdout and "saved" not in run.stdout
    assert not db_file.exists()


def test_check_input_ending_early_saves_nothing(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin="n\nn\n")
    assert run.returncode == 2 and "nothing was saved" in run.stderr
    assert json.loads(cli("--db", db, "triage", "--json").stdout)["level"] == "self_care"
