"""Factors of one's own (diary format version 2): declared on the person, recorded per day.

What a person notices: they can add "antihistamine" (yes/no), "cold weather"
(0-10) or "hours of driving" (a number), log them with the day check-in from
the CLI, see them come back in every export, and a wrong value is refused
with a message naming the day and the factor while nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from nosetwitch.domain.models import DayCheckIn, Diary, OwnFactor, Person
from nosetwitch.interfaces.interchange.csv_export import diary_to_csv_zip
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, diary_to_dict, diary_to_json, parse_diary
from nosetwitch.interfaces.interchange.fhir import diary_to_fhir_bundle, validate_bundle
from nosetwitch.services.diary import Conflict, DiaryService, InvalidRecord, NotFound

FACTORS = [
    {"key": "antihistamine", "label": "Antihistamine", "kind": "yes_no", "unit": None},
    {"key": "cold_weather", "label": "Cold weather", "kind": "scale", "unit": None},
    {"key": "driving", "label": "Hours of driving", "kind": "number", "unit": "hours"},
]


def _document(**changes) -> dict:
    document = {
        "format": "nosetwitch-diary",
        "version": 2,
        "person": {"timezone": "Europe/Berlin", "own_factors": FACTORS},
        "days": [
            {"date": "2026-03-01", "sleep_h": 7, "own": {"antihistamine": True, "cold_weather": 6, "driving": 1.5}},
            {"date": "2026-03-02", "own": {"antihistamine": False}},
            {"date": "2026-03-03", "caffeine_mg": 90},
        ],
    }
    document.update(changes)
    return document


# --- the format ------------------------------------------------------------------------------------


def test_a_version_2_document_with_own_factors_reads_and_writes_back_the_same(shared_dir):
    from jsonschema import Draft202012Validator

    schema = Draft202012Validator(json.loads((shared_dir / "spec" / "diary.schema.json").read_text()))
    diary = parse_diary(json.dumps(_document()))
    assert [f.label for f in diary.person.own_factors] == ["Antihistamine", "Cold weather", "Hours of driving"]
    written = diary_to_dict(diary)
    schema.validate(written)
    assert written["version"] == 2
    assert written["person"]["own_factors"] == FACTORS
    assert [d.get("own") for d in written["days"]] == [
        {"antihistamine": True, "cold_weather": 6, "driving": 1.5},
        {"antihistamine": False},
        None,  # absent: nothing of one's own recorded that day
    ]


def test_a_version_1_file_still_imports_and_is_written_as_version_2(shared_dir):
    case = next(p for p in sorted((shared_dir / "cases" / "public").glob("*.json")) if not p.name.endswith(".expected.json"))
    document = json.loads(case.read_text())
    assert document["version"] == 1
    written = diary_to_dict(parse_diary(json.dumps(document)))
    assert written["version"] == 2 and written["person"]["own_factors"] == []


@pytest.mark.parametrize(
    ("day_own", "expected"),
    [
        ({"sneezing": True}, 'days[0] (date "2026-03-01").own.sneezing: \'sneezing\' is not one of your own factors'),
        ({"antihistamine": 1}, 'days[0] (date "2026-03-01").own.antihistamine: expected true or false'),
        ({"cold_weather": 11}, 'days[0] (date "2026-03-01").own.cold_weather: expected a whole number from 0 to 10'),
        ({"cold_weather": 2.5}, 'days[0] (date "2026-03-01").own.cold_weather: expected a whole number from 0 to 10'),
        ({"cold_weather": True}, 'days[0] (date "2026-03-01").own.cold_weather: expected a number'),
        ({"driving": -1}, "own.driving: must be 0 or more"),
    ],
)
def test_a_value_that_does_not_fit_its_factor_is_refused_naming_the_day_and_the_key(day_own, expected):
    document = _document(days=[{"date": "2026-03-01", "own": day_own}])
    with pytest.raises(DiaryFormatError) as caught:
        parse_diary(json.dumps(document))
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("factor", "expected"),
    [
        ({"key": "Antihistamine", "label": "x", "kind": "yes_no"}, "key"),
        ({"key": "sleep_h", "label": "x", "kind": "yes_no"}, "built-in day factor"),
        ({"key": "pollen", "label": "   ", "kind": "yes_no"}, "label: must not be blank"),
        ({"key": "pollen", "label": "x" * 61, "kind": "yes_no"}, "label"),
        ({"key": "pollen", "label": "Pollen", "kind": "yes_no", "unit": "grains"}, "unit: is only used with kind number"),
        ({"key": "pollen", "label": "Pollen", "kind": "often"}, "kind"),
    ],
)
def test_a_badly_declared_factor_is_refused(factor, expected):
    document = _document(days=[])
    document["person"]["own_factors"] = [factor]
    with pytest.raises(DiaryFormatError) as caught:
        parse_diary(json.dumps(document))
    assert expected in str(caught.value)


def test_the_same_key_twice_and_own_factors_in_a_version_1_file_are_refused():
    twice = _document(days=[])
    twice["person"]["own_factors"] = [FACTORS[0], FACTORS[0]]
    with pytest.raises(DiaryFormatError, match="declared twice"):
        parse_diary(json.dumps(twice))
    with pytest.raises(DiaryFormatError, match="need version 2"):
        parse_diary(json.dumps(_document(version=1)))


def test_infinity_is_not_a_value():
    with pytest.raises(DiaryFormatError):
        parse_diary(json.dumps(_document(days=[{"date": "2026-03-01", "own": {"driving": float("inf")}}])))


# --- the stored diary --------------------------------------------------------------------------------


def test_declare_log_rename_and_remove_own_factors(db_url):
    service = DiaryService(db_url)
    service.set_person(Person(timezone="Europe/Berlin"))
    service.add_own_factor(key="antihistamine", label="Antihistamine", kind="yes_no")
    service.add_own_factor(OwnFactor(key="driving", label="Driving", kind="number", unit="hours"))
    with pytest.raises(Conflict):
        service.add_own_factor(key="driving", label="Again", kind="yes_no")

    day = dt.date(2026, 3, 1)
    service.upsert_day(DayCheckIn(date=day, sleep_h=7.0, own={"antihistamine": True}))
    service.upsert_day(DayCheckIn(date=day, own={"driving": 2.5}))  # adds to the day, keeps the rest
    assert service.get_day(day).own == {"antihistamine": True, "driving": 2.5}
    assert service.get_day(day).sleep_h == 7.0

    service.update_own_factor("driving", label="Hours behind the wheel")
    assert service.get_person().own_factor("driving").label == "Hours behind the wheel"
    assert service.get_day(day).own["driving"] == 2.5
    with pytest.raises(Conflict, match="2026-03-01"):
        service.update_own_factor("driving", kind="yes_no", unit=None)  # 2.5 would no longer fit
    with pytest.raises(NotFound):
        service.update_own_factor("nothing", label="x")

    assert service.remove_own_factor("antihistamine") == 1
    assert service.get_day(day).own == {"driving": 2.5}
    assert [f.key for f in service.get_person().own_factors] == ["driving"]
    assert service.load_diary().days[0].own == {"driving": 2.5}


def test_a_value_for_an_undeclared_factor_or_of_the_wrong_kind_stores_nothing(db_url):
    service = DiaryService(db_url)
    service.set_person(Person(timezone="Europe/Berlin"))
    service.add_own_factor(key="antihistamine", label="Antihistamine", kind="yes_no")
    day = dt.date(2026, 3, 1)
    with pytest.raises(InvalidRecord, match="own.sneezing"):
        service.upsert_day(DayCheckIn(date=day, sleep_h=6.0, own={"sneezing": True}))
    with pytest.raises(InvalidRecord, match="own.antihistamine: expected true or false"):
        service.upsert_day(DayCheckIn(date=day, own={"antihistamine": 3}))
    with pytest.raises(NotFound):
        service.get_day(day)


def test_import_keeps_stored_factors_the_file_does_not_declare(db_url):
    service = DiaryService(db_url)
    service.set_person(Person(timezone="Europe/Berlin"))
    service.add_own_factor(key="pollen", label="Pollen", kind="scale")
    service.upsert_day(DayCheckIn(date=dt.date(2026, 2, 1), own={"pollen": 4}))
    service.import_diary(parse_diary(json.dumps(_document())))
    assert [f.key for f in service.get_person().own_factors] == ["antihistamine", "cold_weather", "driving", "pollen"]
    diary = service.export_diary()
    assert {d.date.isoformat(): d.own for d in diary.days}["2026-02-01"] == {"pollen": 4}
    assert service.import_diary(parse_diary(diary_to_json(diary))).totals().changed == 0


def test_an_import_that_would_break_stored_values_is_refused_and_writes_nothing(db_url):
    service = DiaryService(db_url)
    service.import_diary(parse_diary(json.dumps(_document())))
    before = diary_to_dict(service.export_diary())
    clash = _document(days=[{"date": "2026-04-01", "caffeine_mg": 50}])
    clash["person"]["own_factors"] = [{"key": "driving", "label": "Driving", "kind": "yes_no"}]
    with pytest.raises(Conflict, match="own.driving"):
        service.import_diary(parse_diary(json.dumps(clash)))
    assert diary_to_dict(service.export_diary()) == before


# --- command line ---------------------------------------------------------------------------------------


def test_the_command_line_declares_and_logs_own_factors(cli, sqlite_url):
    assert cli("--db", sqlite_url, "profile", "--timezone", "Europe/Berlin")[0] == 0
    code, out, err = cli("--db", sqlite_url, "factor", "add", "antihistamine", "--label", "Antihistamine")
    assert code == 0, err
    assert "Tracking antihistamine: Antihistamine (yes or no)" in out
    assert cli("--db", sqlite_url, "factor", "add", "driving", "--kind", "number", "--unit", "hours")[0] == 0
    code, out, _ = cli("--db", sqlite_url, "factor", "list")
    assert "driving: driving (a number in hours)" in out

    code, out, err = cli("--db", sqlite_url, "log", "day", "--date", "2026-03-01", "--own", "antihistamine=Yes", "--own", "driving=1.5")
    assert code == 0, err
    assert "Antihistamine yes" in out and "driving 1.5" in out
    assert DiaryService(sqlite_url).get_day(dt.date(2026, 3, 1)).own == {"antihistamine": True, "driving": 1.5}

    for bad, message in [
        ("antihistamine=maybe", "--own antihistamine: expected yes or no"),
        ("driving=-2", "--own driving: expected a number of 0 or more"),
        ("driving=inf", "--own driving: expected a number of 0 or more"),
        ("pollen=3", "--own pollen: not one of your own factors (yours: antihistamine, driving)"),
        ("driving", "--own: expected KEY=VALUE"),
    ]:
        code, out, err = cli("--db", sqlite_url, "log", "day", "--date", "2026-03-02", "--own", bad)
        assert code == 2 and message in err, (bad, err)
        assert len(err.strip().splitlines()) == 1
    with pytest.raises(NotFound):
        DiaryService(sqlite_url).get_day(dt.date(2026, 3, 2))

    code, _, err = cli("--db", sqlite_url, "factor", "add", "sleep_h")
    assert code == 2 and "built-in day factor" in err
    code, out, err = cli("--db", sqlite_url, "factor", "remove", "driving", "--yes")
    assert code == 0 and "it had a value on 1 day" in out


# --- exports ---------------------------------------------------------------------------------------------


def test_csv_and_fhir_exports_carry_own_factors():
    diary = parse_diary(json.dumps(_document()))
    with zipfile.ZipFile(io.BytesIO(diary_to_csv_zip(diary))) as archive:
        factors = archive.read("nosetwitch-diary/own_factors.csv").decode().splitlines()
        values = archive.read("nosetwitch-diary/own_values.csv").decode().splitlines()
    assert factors == ["key,label,kind,unit", "antihistamine,Antihistamine,yes_no,", "cold_weather,Cold weather,scale,", "driving,Hours of driving,number,hours"]
    assert values == [
        "date,key,label,value",
        "2026-03-01,antihistamine,Antihistamine,true",
        "2026-03-01,cold_weather,Cold weather,6",
        "2026-03-01,driving,Hours of driving,1.5",
        "2026-03-02,antihistamine,Antihistamine,false",
    ]

    bundle = diary_to_fhir_bundle(diary, as_of=dt.datetime(2026, 3, 4, tzinfo=dt.timezone.utc))
    validate_bundle(bundle)
    own = {
        e["resource"]["code"]["text"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and e["resource"]["code"]["coding"][0]["code"].startswith("own/")
    }
    assert own["Antihistamine"]["valueBoolean"] is True or own["Antihistamine"]["valueBoolean"] is False
    assert own["Cold weather"]["valueInteger"] == 6
    assert own["Hours of driving"]["valueQuantity"] == {"value": 1.5, "unit": "hours"}


def test_a_diary_object_checks_values_against_its_person():
    person = Person(timezone="UTC", own_factors=[OwnFactor(key="pollen", label="Pollen", kind="scale")])
    Diary(person=person, days=[DayCheckIn(date=dt.date(2026, 1, 1), own={"pollen": 3})])
    with pytest.raises(ValueError, match="own.pollen"):
        Diary(person=person, days=[DayCheckIn(date=dt.date(2026, 1, 1), own={"pollen": 30})])
