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
from nosetwitch.triage.schema import result_schema
from nosetwitch.triage.wording import emergency_safety_net

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
    assert " ".join(emergency_safety_net().split()) in " ".join(out.split())


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


SIGNS = ("balance", "vision", "face", "weakness", "speech", "numbness", "swallowing", "headache")


def _no_until(sign: str) -> str:
    """'n' to every sign asked before `sign`."""
    return "n\n" * SIGNS.index(sign)


def _stored(db: str) -> dict:
    return json.loads(cli("--db", db, "triage", "--json").stdout)


def _first_line_after(out: str, marker: str) -> str:
    return next(line for line in out[out.rindex(marker) :].splitlines()[1:] if line.strip())


def test_sudden_blurred_vision_prints_the_emergency_instruction_first_and_asks_no_more(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=_no_until("vision") + "y\nblurred\n1\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "EMERGENCY: call 112 / 911 / 999 now" in _first_line_after(out, "Your answer (a number or a word): ")
    assert "Face: look in a mirror" not in out  # no further question was asked
    assert out.index("Call your local emergency number now") < out.index("Why") < out.index("Later, once you have been seen")
    stored = _stored(db)
    assert stored["level"] == "emergency" and stored["reasons"][0]["code"] == "stroke_sign"


def test_waking_up_with_a_drooping_face_is_an_emergency(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=_no_until("face") + "yes\nI woke up with it\n")
    assert run.returncode == 0, run.stderr
    assert "EMERGENCY: call 112 / 911 / 999 now" in _first_line_after(run.stdout, "Your answer (a number or a word): ")
    assert _stored(db)["level"] == "emergency"


def _rest_no(after: str) -> str:
    """'n' to every sign after `after`, no pain, no eye shut, no medicines."""
    return "n\n" * (len(SIGNS) - SIGNS.index(after) - 1) + "n\nn\n\n"


def test_slowly_developing_arm_weakness_is_consult(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=_no_until("weakness") + "y\n3\n" + _rest_no("weakness"))
    assert run.returncode == 0, run.stderr
    assert "Book an appointment with a doctor" in run.stdout and "EMERGENCY" not in run.stdout.split("Get help sooner if")[0]
    assert _stored(db)["level"] == "consult"


def test_sudden_numbness_on_both_sides_is_consult(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=_no_until("numbness") + "y\nboth\nsuddenly\n" + _rest_no("numbness"))
    assert run.returncode == 0, run.stderr
    assert "Book an appointment with a doctor" in run.stdout
    assert _stored(db)["level"] == "consult"


@pytest.mark.parametrize("yes", ["yeah", "1", "Yep", " SURE ", "ja"])
def test_yeah_and_1_are_understood_as_yes(tmp_path: Path, yes: str) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin=f"{yes}\n1\n")  # balance: yes, suddenly
    assert run.returncode == 0, run.stderr
    assert "please answer yes or no" not in run.stdout
    assert "EMERGENCY: call 112 / 911 / 999 now" in run.stdout


def test_three_unusable_answers_to_an_emergency_question_print_the_safety_net_before_the_exit(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin="n\nmaybe\nperhaps\nwhat\n")  # the eyes question, three times
    assert run.returncode == 2
    assert run.stdout.count("please answer yes or no") == 3
    net = " ".join(run.stdout[run.stdout.rindex("please answer yes or no") :].split())
    assert "Call 112 / 911 / 999 now" in net and " ".join(emergency_safety_net().split()[:12]) in net
    assert "no usable answer" in run.stderr and "nothing was saved" in run.stderr
    assert _stored(db)["level"] == "self_care"


def test_input_ending_in_the_middle_of_the_signs_prints_the_safety_net_and_saves_nothing(tmp_path: Path) -> None:
    db = _db(tmp_path)
    run = cli("--db", db, "check", stdin="n\ny\n")  # eyes: yes, then the answers end
    assert run.returncode == 2 and "nothing was saved" in run.stderr
    assert "Call 112 / 911 / 999 now" in run.stdout.split("How has your sight changed?")[1]
    assert _stored(db)["level"] == "self_care"


def test_check_records_symptoms_and_medicines_but_no_twitch_and_can_be_undone(tmp_path: Path) -> None:
    db = _db(tmp_path)
    stdin = _no_until("face") + "y\nover hours or days\n" + "n\nn\n" + "y\nleft\n3\n" + "n\nn\n" + "maybe\ny\nn\nLasix 40mg\n"
    run = cli("--db", db, "check", stdin=stdin)
    assert run.returncode == 0, run.stderr
    assert "please answer yes or no" in run.stdout  # 'maybe' was asked again
    assert "Get medical advice today" in run.stdout and "saved in your diary (s1, s2, s3, Lasix 40mg)" in run.stdout
    stored = _stored(db)
    codes = [r["code"] for r in stored["reasons"]]
    assert stored["level"] == "urgent" and codes[0] == "facial_weakness" and "accompanying_symptom" in codes
    exported = json.loads(cli("--db", db, "export").stdout)
    assert exported["episodes"] == []  # a check logs no twitch
    assert {(s["code"], s["onset"], s.get("side")) for s in exported["symptoms"]} == {
        ("facial_droop", "gradual", None), ("numbness", "gradual", "left"), ("pain", "unknown", None)}
    check_id = run.stdout.split("nosetwitch check --undo ")[1].split("`")[0]
    undone = cli("--db", db, "check", "--undo", check_id)
    assert undone.returncode == 0 and "s1, s2, s3, Lasix 40mg" in undone.stdout
    assert _stored(db)["level"] == "self_care"
    again = cli("--db", db, "check", "--undo", check_id)
    assert again.returncode == 2 and "already undone" in again.stderr


def test_check_no_save_stores_nothing(tmp_path: Path) -> None:
    db_file = tmp_path / "diary.db"
    run = cli("--db", f"sqlite:///{db_file}", "check", "--no-save", stdin="n\n" * len(SIGNS) + "n\nn\n\n")
    assert run.returncode == 0, run.stderr
    assert "Self-care for now" in run.stdout and "saved" not in run.stdout
    assert not db_file.exists()
