"""Import then export gives back an equivalent document; exports follow the JSON Schema.

"Equivalent" means: the same records (in any order), the same values, and
timestamps equal as instants *and* written with the same UTC offset. Fields
left out of a file compare equal to their defaults (null, [], "manual").
"""

from __future__ import annotations

import datetime as dt
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.domain.models import (
    DAY_FACTORS,
    DayCheckIn,
    Diary,
    Episode,
    Interference,
    Medication,
    Onset,
    OwnFactor,
    OwnFactorKind,
    Person,
    Region,
    RemedyAttempt,
    RemedyCode,
    Sex,
    Side,
    Site,
    Source,
    Symptom,
    SymptomCode,
    SymptomSide,
    VisionDetail,
)
from nosetwitch.interfaces.interchange.diary_json import diary_to_dict, load_diary_file
from nosetwitch.services.diary import DiaryService

INSTANT_FIELDS = ("started_at", "ended_at", "at")
DEFAULTS = {"interferes_with": [], "source": "manual", "sites": ["nose"], "own_factors": [], "own": {}}


def _instant(text: str) -> tuple[dt.datetime, dt.timedelta]:
    value = dt.datetime.fromisoformat(text)
    return value, value.utcoffset()


def _record(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if value is None or DEFAULTS.get(key, object()) == value:
            continue  # absent, null and the default all mean the same
        out[key] = _instant(value) if key in INSTANT_FIELDS else value
    return out


def equivalent(document: dict) -> dict:
    """A comparable form of a diary document (see the module docstring)."""
    result = {"person": _record(document["person"])}
    for kind in ("medications", "episodes", "symptoms", "days", "remedies"):
        records = [_record(r) for r in document.get(kind, [])]
        result[kind] = sorted(records, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


def public_cases(shared: Path) -> list[Path]:
    return sorted(p for p in (shared / "cases" / "public").glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.fixture(scope="module")
def schema_validator(shared_dir):
    from jsonschema import Draft202012Validator

    schema = json.loads((shared_dir / "spec" / "diary.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_there_are_public_cases(shared_dir):
    assert len(public_cases(shared_dir)) >= 10


def test_every_public_case_round_trips_and_validates(db_url, shared_dir, schema_validator):
    for number, path in enumerate(public_cases(shared_dir)):
        original = json.loads(path.read_text())
        service = DiaryService(db_url, owner=f"case{number}")
        summary = service.import_diary(load_diary_file(path))
        assert summary.totals().updated == 0, path.name
        exported = diary_to_dict(service.export_diary())
        schema_validator.validate(exported)
        original.pop("as_of", None)
        assert equivalent(exported) == equivalent(original), path.name
        again = service.import_diary(load_diary_file(path))
        assert again.totals().changed == 0, f"{path.name}: re-import changed {again.describe()}"


# --- property-based round trip ---------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"]
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
instants = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2026, 10, 31)),  # the domain refuses the future
    offsets,
)
texts = st.none() | st.text(alphabet=string.ascii_letters + " äöüß€,;\"'\n", max_size=20).map(str.strip)  # notes are stored trimmed
floats = st.floats(min_value=0, max_value=20, allow_nan=False, allow_infinity=False)  # within every factor's bound
hours = st.floats(min_value=0, max_value=24, allow_nan=False)
scale = st.integers(min_value=0, max_value=10)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2026, 10, 31))


def _optional(strategy):
    return st.none() | strategy


@st.composite
def diaries(draw) -> Diary:
    ids = draw(st.lists(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,5}\Z"), unique=True, max_size=12))
    split = draw(st.integers(min_value=0, max_value=len(ids)))
    episodes = [
        Episode(
            id=episode_id,
            started_at=draw(instants),
            duration_s=draw(_optional(st.floats(min_value=0.001, max_value=1e5))),
            intensity=draw(_optional(st.integers(1, 5))),
            side=draw(_optional(st.sampled_from(Side))),
            sites=draw(st.lists(st.sampled_from(Site), min_size=1, max_size=4, unique=True)),
            interferes_with=draw(st.lists(st.sampled_from(Interference), max_size=4, unique=True)),
            visible=draw(_optional(st.booleans())),
            source=draw(st.sampled_from(Source)),
            note=draw(texts),
        )
        for episode_id in ids[:split]
    ]
    symptoms = []
    for symptom_id in ids[split:]:
        code = draw(st.sampled_from(SymptomCode))
        started = draw(instants)
        ended = draw(_optional(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30))))
        if ended is not None and started + ended > dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc):
            ended = None
        symptoms.append(
            Symptom(
                id=symptom_id,
                code=code,
                onset=draw(st.sampled_from(Onset)),
                started_at=started,
                ended_at=None if ended is None else (started + ended).astimezone(draw(offsets)),
                side=draw(_optional(st.sampled_from(SymptomSide))),
                region=draw(_optional(st.sampled_from(Region))),
                severity=draw(_optional(scale)),
                detail=draw(_optional(st.sampled_from(VisionDetail))) if code is SymptomCode.VISION_CHANGE else None,
                note=draw(texts),
            )
        )
    own_factors = [
        OwnFactor(key=key, label=draw(st.text(alphabet=string.ascii_letters + " äß=+", min_size=1, max_size=12).filter(str.strip)), kind=kind,
                  unit=draw(_optional(st.sampled_from(["hours", "km", "cups"]))) if kind is OwnFactorKind.NUMBER else None)
        for key, kind in draw(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda k: k not in DAY_FACTORS and k not in ("date", "note", "own")),
                                               st.sampled_from(OwnFactorKind), max_size=3)).items()
    ]  # fmt: skip
    own_value = {OwnFactorKind.YES_NO: st.booleans(), OwnFactorKind.SCALE: scale, OwnFactorKind.NUMBER: floats | st.integers(0, 10**6)}
    days = []
    for day in draw(st.lists(dates, unique=True, max_size=6)):
        values = {name: draw(_optional(scale if name in ("stress", "facial_strain") else hours if name.endswith("_h") else floats)) for name in DAY_FACTORS}
        own = {f.key: draw(own_value[f.kind]) for f in own_factors if draw(st.booleans())}
        days.append(DayCheckIn(date=day, note=draw(texts), own=own, **values))
    episode_ids = [e.id for e in episodes]
    remedies = [
        RemedyAttempt(
            code=draw(st.sampled_from(RemedyCode)),
            at=draw(instants),
            episode_id=draw(_optional(st.sampled_from(episode_ids))) if episode_ids else None,
            helped=draw(_optional(st.booleans())),
            note=draw(texts),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    if remedies and draw(st.booleans()):
        remedies.append(remedies[0])  # the same remedy twice is two records
    medications = []
    for _ in range(draw(st.integers(0, 3))):
        started = draw(_optional(dates))
        stopped = draw(_optional(dates))
        if started and stopped and stopped < started:
            started, stopped = stopped, started
        medications.append(Medication(name=draw(st.sampled_from(["Lasix", "atorvastatin", "magnesium citrate"])), dose=draw(texts), started=started, stopped=stopped))
    person = Person(timezone=draw(st.sampled_from(ZONES)), birth_year=draw(_optional(st.integers(1900, 2100))), sex=draw(_optional(st.sampled_from(Sex))), own_factors=own_factors)
    return Diary(person=person, medications=medications, episodes=episodes, symptoms=symptoms, days=days, remedies=remedies)


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('hypothesis') / 'diary.sqlite3'}"


_owners = iter(range(10**9))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(diary=diaries())
def test_generated_diaries_round_trip_through_the_database(shared_sqlite, diary):
    service = DiaryService(shared_sqlite, owner=f"owner{next(_owners)}")  # a fresh diary per example
    first = service.import_diary(diary)
    assert first.episodes.added == len(diary.episodes) and first.remedies.added == len(diary.remedies)
    exported = diary_to_dict(service.export_diary())
    assert equivalent(exported) == equivalent(diary_to_dict(diary))
    # offsets are kept exactly, not just the instants
    written = sorted(e.started_at.isoformat() for e in diary.episodes)
    assert sorted(e["started_at"] for e in exported["episodes"]) == written
    assert service.import_diary(diary).totals().changed == 0


def test_json_export_of_a_demo_diary_validates(sqlite_url, schema_validator):
    from nosetwitch.simulate import simulate_diary

    service = DiaryService(sqlite_url)
    service.import_diary(simulate_diary(days=30, seed=3))
    schema_validator.validate(diary_to_dict(service.export_diary()))
