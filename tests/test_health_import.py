"""`nosetwitch import-health`: exports of Apple Health, Fitbit, Oura and CSVs with known answers.

The person lives in Europe/Berlin. Each test writes a small export, imports
it with the real command and asserts the stored check-ins exactly.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from health_exports import apple_xml, apple_zip, record, takeout_zip, zip_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.domain.models import DayCheckIn, Person
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.health_import import HealthImportService

D = dt.date
BERLIN = "Europe/Berlin"


@pytest.fixture
def diary(db_url) -> DiaryService:
    service = DiaryService(db_url)
    service.set_person(Person(timezone=BERLIN))
    return service


def checkins(service: DiaryService) -> dict[dt.date, dict[str, float]]:
    days = service.list_days(limit=1000, newest_first=False).items
    return {day.date: day.factors() for day in days}


def imported(db_url: str, *args: str) -> str:
    code, out, err = cli("--db", db_url, "import-health", *map(str, args))
    assert code == 0, err
    assert err == ""
    return out


# --- Apple Health ---------------------------------------------------------------------------

WATCH, PHONE, APP = "Apple Watch", "iPhone", "WaterMinder"


def apple_records() -> list[str]:
    r = record
    return [
        # Night of 10->11 March, crossing midnight. The watch sleeps in stages and wakes 04:00-04:20;
        # the phone's own 'asleep' overlaps the watch (23:30-03:30) and must not count twice.
        r("SleepAnalysis", "2024-03-10 22:30:00 +0100", "2024-03-11 07:00:00 +0100", "InBed", source=PHONE),
        r("SleepAnalysis", "2024-03-10 23:00:00 +0100", "2024-03-11 03:00:00 +0100", "AsleepCore"),
        r("SleepAnalysis", "2024-03-11 03:00:00 +0100", "2024-03-11 04:00:00 +0100", "AsleepDeep"),
        r("SleepAnalysis", "2024-03-11 04:00:00 +0100", "2024-03-11 04:20:00 +0100", "Awake"),
        r("SleepAnalysis", "2024-03-11 04:20:00 +0100", "2024-03-11 06:30:00 +0100", "AsleepREM"),
        r("SleepAnalysis", "2024-03-10 23:30:00 +0100", "2024-03-11 03:30:00 +0100", "AsleepUnspecified", source=PHONE),
        # Night of 12->13 March: asleep before midnight, awake across it, asleep again: one night, on the 13th.
        r("SleepAnalysis", "2024-03-12 22:30:00 +0100", "2024-03-12 23:50:00 +0100", "Asleep"),
        r("SleepAnalysis", "2024-03-12 23:50:00 +0100", "2024-03-13 00:10:00 +0100", "Awake"),
        r("SleepAnalysis", "2024-03-13 00:10:00 +0100", "2024-03-13 06:40:00 +0100", "Asleep"),
        # The night the clocks go forward (31 March, 02:00 -> 03:00): 23:00 to 07:00 is 7 hours asleep,
        # plus a nap in the afternoon of the same day.
        r("SleepAnalysis", "2024-03-30 23:00:00 +0100", "2024-03-31 07:00:00 +0200", "AsleepCore"),
        r("SleepAnalysis", "2024-03-31 14:00:00 +0200", "2024-03-31 14:30:00 +0200", "AsleepCore", source=PHONE),
        # The night the clocks go back (27 October, 03:00 -> 02:00): 23:00 to 07:00 is 9 hours.
        r("SleepAnalysis", "2024-10-26 23:00:00 +0200", "2024-10-27 07:00:00 +0100", "AsleepCore"),
        # Caffeine in mg and in g; the same cup written by a second app counts once.
        r("DietaryCaffeine", "2024-03-11 08:00:00 +0100", "2024-03-11 08:00:00 +0100", 95, "mg", source=APP),
        r("DietaryCaffeine", "2024-03-11 08:00:00 +0100", "2024-03-11 08:00:00 +0100", 95, "mg", source=PHONE),
        r("DietaryCaffeine", "2024-03-11 14:00:00 +0100", "2024-03-11 14:00:00 +0100", 0.08, "g", source=APP),
        # Water in mL, L and US fluid ounces: 0.5 + 0.25 + 0.2366 L; one record in an unknown unit is left out.
        r("DietaryWater", "2024-03-11 09:00:00 +0100", "2024-03-11 09:00:00 +0100", 500, "mL", source=APP),
        r("DietaryWater", "2024-03-11 12:00:00 +0100", "2024-03-11 12:00:00 +0100", 0.25, "L", source=APP),
        r("DietaryWater", "2024-03-11 18:00:00 +0100", "2024-03-11 18:00:00 +0100", 8, "fl_oz_us", source=APP),
        r("DietaryWater", "2024-03-11 19:00:00 +0100", "2024-03-11 19:00:00 +0100", 3, "kcal", source=APP),
        r("DietaryMagnesium", "2024-03-11 12:00:00 +0100", "2024-03-11 12:00:00 +0100", 200, "mg", source=APP),
        r("DietaryMagnesium", "2024-03-11 19:00:00 +0100", "2024-03-11 19:00:00 +0100", 0.1, "g", source=APP),
        r("DietaryPotassium", "2024-03-11 12:00:00 +0100", "2024-03-11 12:00:00 +0100", 1500000, "mcg", source=APP),
        # Calcium at 23:30 UTC is 00:30 on the 12th in Berlin: it belongs to the 12th.
        r("DietaryCalcium", "2024-03-11 22:00:00 +0100", "2024-03-11 22:00:00 +0100", 300, "mg", source=APP),
        r("DietaryCalcium", "2024-03-11 23:30:00 +0000", "2024-03-11 23:30:00 +0000", 400, "mg", source=APP),
        # Exercise: 30 one-minute records, a second watch repeating 10 of them, and 20 minutes across midnight.
        *[r("AppleExerciseTime", f"2024-03-11 18:{m:02d}:00 +0100", f"2024-03-11 18:{m + 1:02d}:00 +0100", 1, "min") for m in range(30)],
        *[r("AppleExerciseTime", f"2024-03-11 18:{m:02d}:00 +0100", f"2024-03-11 18:{m + 1:02d}:00 +0100", 1, "min", source="Second Watch") for m in range(10, 20)],
        r("AppleExerciseTime", "2024-03-11 23:50:00 +0100", "2024-03-12 00:10:00 +0100", 20, "min"),
        # Mindful minutes are read but have no check-in field.
        r("MindfulSession", "2024-03-11 10:00:00 +0100", "2024-03-11 10:10:00 +0100", "HKCategoryValueNotApplicable", source=PHONE),
        # A day with nothing but heart rate and steps: no check-in for it.
        r("HeartRate", "2024-03-14 10:00:00 +0100", "2024-03-14 10:00:00 +0100", 72, "count/min", metadata={"HKMetadataKeyHeartRateMotionContext": 0}),
        r("StepCount", "2024-03-14 10:00:00 +0100", "2024-03-14 10:10:00 +0100", 800, "count"),
    ]


APPLE_EXPECTED = {
    D(2024, 3, 11): {
        "sleep_h": 7.17,  # 23:00-04:00 and 04:20-06:30: 7 h 10 min
        "caffeine_mg": 175.0,
        "water_l": 0.987,
        "magnesium_mg": 300.0,
        "potassium_mg": 1500.0,
        "calcium_mg": 300.0,
        "exercise_min": 40.0,  # 18:00-18:30 once, and 23:50-24:00
    },
    D(2024, 3, 12): {"calcium_mg": 400.0, "exercise_min": 10.0},
    D(2024, 3, 13): {"sleep_h": 7.83},  # 1 h 20 + 6 h 30
    D(2024, 3, 31): {"sleep_h": 7.5},  # 7 h across the spring change + a 30 min nap
    D(2024, 10, 27): {"sleep_h": 9.0},  # the autumn night has an hour more
}


@pytest.mark.parametrize("packing", ["xml", "zip"])
def test_apple_health_export_becomes_exact_check_ins(db_url, diary, tmp_path, packing):
    xml = apple_xml(apple_records())
    if packing == "xml":
        path = tmp_path / "export.xml"
        path.write_bytes(xml)
    else:
        path = apple_zip(tmp_path / "export.zip", xml)
    out = imported(db_url, path)
    assert checkins(diary) == APPLE_EXPECTED
    assert "Apple Health, 2024-03-11 to 2024-10-27" in out
    assert "sleep (hours)        4 filled, 0 changed, 0 left" in out
    assert "1 record of DietaryWater in 'kcal' left out (unit not known)" in out
    assert "mindful minutes found on 1 day were not stored" in out
    # every imported value remembers its source and file
    assert HealthImportService(diary).sources_of(D(2024, 3, 12)) == {
        "calcium_mg": ("apple", str(path)),
        "exercise_min": ("apple", str(path)),
    }


def test_typed_values_are_never_overwritten_and_a_second_import_changes_nothing(db_url, diary, tmp_path):
    diary.upsert_day(DayCheckIn(date=D(2024, 3, 11), sleep_h=6.0, stress=4))
    path = tmp_path / "export.xml"
    path.write_bytes(apple_xml(apple_records()))

    dry = imported(db_url, path, "--dry-run")
    assert "Dry run, nothing written" in dry
    assert "sleep (hours)        3 would be filled, 0 would be changed, 1 would be left (1 typed by you)" in dry
    assert checkins(diary) == {D(2024, 3, 11): {"sleep_h": 6.0, "stress": 4}}

    imported(db_url, path)
    expected = {day: dict(values) for day, values in APPLE_EXPECTED.items()}
    expected[D(2024, 3, 11)].update(sleep_h=6.0, stress=4)
    assert checkins(diary) == expected
    before = diary.export_diary()

    again = imported(db_url, path)
    assert "sleep (hours)        0 filled, 0 changed, 4 left (3 already the same, 1 typed by you)" in again
    assert "caffeine (mg)        0 filled, 0 changed, 1 left (1 already the same)" in again
    assert diary.export_diary() == before

    # The person corrects an imported value by hand: a later import leaves it alone.
    diary.update_day(D(2024, 3, 13), sleep_h=8.0)
    imported(db_url, path)
    assert checkins(diary)[D(2024, 3, 13)] == {"sleep_h": 8.0}


def test_a_newer_export_of_the_same_app_changes_its_own_values_only(db_url, diary, tmp_path):
    first = tmp_path / "export.xml"
    first.write_bytes(apple_xml(apple_records()))
    imported(db_url, first)
    # The CSV fills a day the export left empty and may not touch what Apple Health wrote.
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("date,caffeine_mg\n2024-03-11,999\n2024-03-20,120\n")
    out = imported(db_url, sheet)
    assert "caffeine (mg)        1 filled, 0 changed, 1 left (1 from another app)" in out

    later = apple_records() + [
        record("DietaryCaffeine", "2024-03-11 16:00:00 +0100", "2024-03-11 16:00:00 +0100", 25, "mg", source=APP)
    ]
    second = tmp_path / "export-later.xml"
    second.write_bytes(apple_xml(later))
    out = imported(db_url, second)
    assert "caffeine (mg)        0 filled, 1 changed, 0 left" in out
    stored = checkins(diary)
    assert stored[D(2024, 3, 11)]["caffeine_mg"] == 200.0
    assert stored[D(2024, 3, 20)] == {"caffeine_mg": 120.0}
    assert HealthImportService(diary).sources_of(D(2024, 3, 11))["caffeine_mg"] == ("apple", str(second))


def test_from_and_to_keep_only_those_days(db_url, diary, tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(apple_xml(apple_records()))
    imported(db_url, path, "--from", "2024-03-12", "--to", "2024-03-31")
    assert checkins(diary) == {day: v for day, v in APPLE_EXPECTED.items() if D(2024, 3, 12) <= day <= D(2024, 3, 31)}


# --- Fitbit (Google Takeout) ------------------------------------------------------------------


def test_fitbit_takeout_zip(db_url, diary, tmp_path):
    night = {
        "logId": 40001, "dateOfSleep": "2024-03-11", "startTime": "2024-03-10T23:05:00.000",
        "endTime": "2024-03-11T06:50:00.000", "duration": 27900000, "minutesToFallAsleep": 5,
        "minutesAsleep": 420, "minutesAwake": 40, "timeInBed": 465, "efficiency": 91, "type": "stages",
        "mainSleep": True, "levels": {"summary": {}, "data": []},
    }
    nap = dict(night, logId=40002, startTime="2024-03-11T14:00:00.000", endTime="2024-03-11T14:35:00.000", minutesAsleep=30, mainSleep=False)
    dst_night = dict(night, logId=40003, dateOfSleep="2024-03-31", minutesAsleep=405)
    path = takeout_zip(
        tmp_path / "takeout-20240401.zip",
        {
            "sleep-2024-03-01.json": [night, nap, dst_night],
            "sleep-2024-03-31.json": [dst_night],  # the same log in two files counts once
            "very_active_minutes-2024-03-01.json": [
                {"dateTime": "03/11/24 00:00:00", "value": "15"},
                {"dateTime": "03/12/24 00:00:00", "value": "0"},
            ],
            "moderately_active_minutes-2024-03-01.json": [
                {"dateTime": "03/11/24 00:00:00", "value": "20"},
                {"dateTime": "03/12/24 00:00:00", "value": "10"},
            ],
            "water_logs-2024-03-01.json": [{"dateTime": "03/11/24 00:00:00", "value": "1500"}, {"dateTime": "03/12/24 00:00:00", "value": 750}],
            "steps-2024-03-11.json": [{"dateTime": "03/11/24 08:00:00", "value": "120"}],
            "heart_rate-2024-03-11.json": [{"dateTime": "03/11/24 08:00:05", "value": {"bpm": 61, "confidence": 2}}],
        },
    )
    out = imported(db_url, path)
    assert "(Fitbit, 2024-03-11 to 2024-03-31)" in out
    assert checkins(diary) == {
        D(2024, 3, 11): {"sleep_h": 7.5, "exercise_min": 35.0, "water_l": 1.5},
        D(2024, 3, 12): {"exercise_min": 10.0, "water_l": 0.75},
        D(2024, 3, 31): {"sleep_h": 6.75},
    }
    assert imported(db_url, path).count("0 filled, 0 changed") == 3


# --- Oura ------------------------------------------------------------------------------------------


def test_oura_json_and_csv(db_url, diary, tmp_path):
    export = tmp_path / "oura_2024.json"
    export.write_text(
        """{"sleep": [
            {"summary_date": "2024-03-10", "bedtime_start": "2024-03-10T23:10:00+01:00",
             "bedtime_end": "2024-03-11T07:00:00+01:00", "duration": 28200, "total": 25200, "awake": 3000},
            {"summary_date": "2024-03-10", "bedtime_start": "2024-03-10T23:10:00+01:00",
             "bedtime_end": "2024-03-11T07:00:00+01:00", "duration": 28200, "total": 25200, "awake": 3000},
            {"summary_date": "2024-03-30", "bedtime_start": "2024-03-30T23:00:00+01:00",
             "bedtime_end": "2024-03-31T07:00:00+02:00", "duration": 25200, "total": 24300}],
         "activity": [{"summary_date": "2024-03-11", "high": 10, "medium": 35, "low": 200},
                      {"summary_date": "2024-03-12", "high": 0, "medium": 0, "low": 180}],
         "readiness": [{"summary_date": "2024-03-11", "score": 80}]}"""
    )
    out = imported(db_url, export)
    assert "(Oura, 2024-03-11 to 2024-03-31)" in out
    assert checkins(diary) == {
        D(2024, 3, 11): {"sleep_h": 7.0, "exercise_min": 45.0},
        D(2024, 3, 12): {"exercise_min": 0.0},
        D(2024, 3, 31): {"sleep_h": 6.75},
    }
    # The newer CSV export: a night written in UTC ends at 00:30 in Berlin, on the 14th.
    sheet = tmp_path / "oura_sleep.csv"
    sheet.write_text(
        "id;day;bedtime_start;bedtime_end;total_sleep_duration;type\n"
        "a1;2024-03-13;2024-03-13T17:00:00+00:00;2024-03-13T23:30:00+00:00;21600;long_sleep\n"
    )
    imported(db_url, sheet)
    assert checkins(diary)[D(2024, 3, 14)] == {"sleep_h": 6.0}


# --- generic CSV -----------------------------------------------------------------------------------


def test_csv_by_column_names_with_decimal_commas_duplicates_and_empty_days(db_url, diary, tmp_path):
    sheet = tmp_path / "bearable.csv"
    sheet.write_text(
        "Date;Sleep;Caffeine;Water (l);Mood\n"
        "2024-03-11;7,5;95;1,2;good\n"
        "2024-03-11;7,5;95;1,2;good\n"  # an exact repeat counts once
        "2024-03-12;;80;;meh\n"
        "2024-03-12;;40;;meh later\n"  # two rows for one day add up
        "2024-03-13;;;;nothing measured\n",
        encoding="utf-8",
    )
    imported(db_url, sheet)
    assert checkins(diary) == {
        D(2024, 3, 11): {"sleep_h": 7.5, "caffeine_mg": 95.0, "water_l": 1.2},
        D(2024, 3, 12): {"caffeine_mg": 120.0},
    }


def test_csv_with_map(db_url, diary, tmp_path):
    sheet = tmp_path / "tagebuch.csv"
    sheet.write_text("Datum,Schlaf,Koffein,Sport\n11.03.2024,6.25,200,30\n")
    imported(db_url, sheet, "--map", "date=Datum,sleep_h=Schlaf,caffeine_mg=Koffein,exercise_min=Sport")
    assert checkins(diary) == {D(2024, 3, 11): {"sleep_h": 6.25, "caffeine_mg": 200.0, "exercise_min": 30.0}}


# --- bad and hostile files: one line, exit 2, the diary unchanged ------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<HealthData locale="en_US"><Record type="HKQuantityTypeIdentifierDietaryCaffeine" sourceName="&lol9;" unit="mg" value="1"
 startDate="2024-03-11 08:00:00 +0100" endDate="2024-03-11 08:00:00 +0100"/></HealthData>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<HealthData locale="en_US"><Record type="HKQuantityTypeIdentifierDietaryCaffeine" sourceName="&secret;" unit="mg" value="1"
 startDate="2024-03-11 08:00:00 +0100" endDate="2024-03-11 08:00:00 +0100"/></HealthData>
"""


def _hostile(tmp_path, kind: str):
    xml = apple_xml(apple_records())
    if kind == "billion laughs":
        (path := tmp_path / "export.xml").write_bytes(BILLION_LAUGHS)
    elif kind == "external entity":
        (path := tmp_path / "export.xml").write_bytes(EXTERNAL_ENTITY)
    elif kind == "zip bomb":
        path = tmp_path / "export.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("apple_health_export/export.xml", xml[:-20] + b" " * (64 * 2**20) + xml[-20:])
    elif kind == "../ in a zip":
        path = zip_of(tmp_path / "export.zip", {"apple_health_export/export.xml": xml, "../../.bashrc": b"echo hi"})
    elif kind == "truncated xml":
        (path := tmp_path / "export.xml").write_bytes(xml[: len(xml) // 2])
    elif kind == "truncated zip":
        whole = apple_zip(tmp_path / "whole.zip", xml).read_bytes()
        (path := tmp_path / "export.zip").write_bytes(whole[: len(whole) * 2 // 3])
    elif kind == "0-byte file":
        (path := tmp_path / "export.xml").write_bytes(b"")
    elif kind == "non-UTF-8 csv":
        (path := tmp_path / "diary.csv").write_bytes("date,sleep_h,note\n2024-03-11,7,café\n".encode("latin-1"))
    elif kind == "broken json":
        path = takeout_zip(tmp_path / "takeout.zip", {"sleep-2024-03-01.json": []})
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("Takeout/Fitbit/Global Export Data/sleep-2024-04-01.json", '[{"dateOfSleep": "2024-04-02", "minutesAsleep": 4')
    return path


HOSTILE = {
    "billion laughs": "refused, the XML declares an entity at line 3",
    "external entity": "refused, the XML declares an entity at line 2",
    "zip bomb": "(more than 200x: a zip bomb?)",
    "../ in a zip": "refused, the archive holds a file named '../../.bashrc' that points outside the archive",
    "truncated xml": "broken XML at line",
    "truncated zip": "a damaged zip archive",
    "0-byte file": "the file is empty (0 bytes)",
    "non-UTF-8 csv": "not UTF-8 text: byte 0xe9 at byte 34 (line 2)",
    "broken json": "sleep-2024-04-01.json: broken JSON at line 1, column 50",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_and_broken_files_are_one_clear_line_exit_2_and_the_diary_is_unchanged(db_url, diary, tmp_path, kind):
    diary.upsert_day(DayCheckIn(date=D(2024, 3, 11), sleep_h=6.0))
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert cli("--db", db_url, "export", "--out", str(before))[0] == 0
    path = _hostile(tmp_path, kind)
    code, out, err = cli("--db", db_url, "import-health", str(path))
    assert code == 2, (out, err)
    assert err.startswith(f"nosetwitch: error: {path}")
    assert HOSTILE[kind] in err
    assert "nothing was imported" in err
    assert err.count("\n") == 1 and out == ""
    assert cli("--db", db_url, "export", "--out", str(after))[0] == 0
    assert after.read_bytes() == before.read_bytes()


def test_a_file_broken_after_good_records_writes_nothing(db_url, diary, tmp_path):
    xml = apple_xml(apple_records())
    cut = xml.index(b"<Record", xml.index(b"AppleExerciseTime"))
    path = tmp_path / "export.xml"
    path.write_bytes(xml[:cut] + b"<Record type=\"oops\" <<\n" + xml[cut:])
    code, _, err = cli("--db", db_url, "import-health", str(path))
    assert code == 2
    line = xml[:cut].count(b"\n") + 1
    assert f"broken XML at line {line}, column 22" in err
    assert checkins(diary) == {}


def test_bad_options(db_url, diary, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("date,sleep\n2024-03-11,7\n")
    for args, message in (
        (["--source", "garmin"], "--source: unknown source 'garmin'"),
        (["--map", "mood=Sleep"], "--map: unknown factor 'mood'"),
        (["--map", "sleep_h=Schlaf"], "--map: the file"),
        (["--from", "2024-04-01", "--to", "2024-03-01"], "--from 2024-04-01 is after --to 2024-03-01"),
        (["--from", "soon"], "--from: 'soon' is not a date"),
    ):
        code, out, err = cli("--db", db_url, "import-health", str(sheet), *args)
        assert code == 2 and message in err, (args, err)
    code, _, err = cli("--db", db_url, "import-health", str(tmp_path / "missing.zip"))
    assert code == 2 and "no such file" in err
    code, _, err = cli("--db", db_url, "import-health", "/dev/zero")
    assert code == 2 and "/dev/zero: not a regular file" in err
    assert checkins(diary) == {}


def test_mindful_minutes_fill_the_persons_own_meditation_factor(db_url, tmp_path):
    from nosetwitch.domain.models import OwnFactor

    service = DiaryService(db_url)
    service.set_person(Person(timezone=BERLIN, own_factors=[OwnFactor(key="meditation", label="Meditation", kind="number", unit="min")]))
    service.upsert_day(DayCheckIn(date=D(2024, 3, 12), own={"meditation": 25.0}))
    path = tmp_path / "export.xml"
    path.write_bytes(apple_xml(apple_records() + [
        record("MindfulSession", "2024-03-12 07:00:00 +0100", "2024-03-12 07:05:00 +0100", "HKCategoryValueNotApplicable"),
    ]))
    out = imported(db_url, path)
    assert "Meditation (min)     1 filled, 0 changed, 1 left (1 typed by you)" in out
    assert "not stored" not in out
    days = {d.date: d for d in service.list_days(limit=100).items}
    assert days[D(2024, 3, 11)].own == {"meditation": 10.0}
    assert days[D(2024, 3, 12)].own == {"meditation": 25.0}  # typed: kept
    assert days[D(2024, 3, 12)].factors() == APPLE_EXPECTED[D(2024, 3, 12)]
    assert HealthImportService(service).sources_of(D(2024, 3, 11))["own.meditation"] == ("apple", str(path))
    assert "Meditation (min)     0 filled, 0 changed, 2 left (1 already the same, 1 typed by you)" in imported(db_url, path)


# --- the merge rules for any values (hypothesis) ----------------------------------------------------

_days = st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 1, 20))
_values = st.dictionaries(
    st.sampled_from(["sleep_h", "caffeine_mg", "water_l"]),
    st.dictionaries(_days, st.floats(min_value=0, max_value=19.9, allow_nan=False).map(lambda v: round(v, 1)), max_size=8),  # within every factor's range (water_l <= 20)
    max_size=3,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.dictionaries(_days, st.floats(min_value=0, max_value=23).map(lambda v: round(v, 1)), max_size=6), first=_values, second=_values)
def test_merge_rules_hold_for_any_values(tmp_path_factory, typed, first, second):
    service = DiaryService(f"sqlite:///{tmp_path_factory.mktemp('merge') / 'd.sqlite3'}")
    for day, hours in typed.items():
        service.upsert_day(DayCheckIn(date=day, sleep_h=hours))
    imports = HealthImportService(service)
    imports.import_values(first, source="apple", file="a.xml")
    after_first = checkins(service)
    # typed values are kept whatever the import said
    assert all(after_first[day]["sleep_h"] == hours for day, hours in typed.items())
    # every value the import offered for an empty place is now there
    for factor, per_day in first.items():
        for day, value in per_day.items():
            if not (factor == "sleep_h" and day in typed):
                assert after_first[day][factor] == value
    # the same values again change nothing
    again = imports.import_values(first, source="apple", file="a.xml")
    assert all(o.filled == 0 and o.changed == 0 for o in again.factors.values())
    assert checkins(service) == after_first
    # another app fills only what is still empty, and never touches what exists
    imports.import_values(second, source="fitbit", file="b.json")
    after_second = checkins(service)
    for day, factors in after_first.items():
        for factor, value in factors.items():
            assert after_second[day][factor] == value
