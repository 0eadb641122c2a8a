"""FHIR export: every public case validates, episodes survive a round trip, codes carry sources."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from fhir.resources import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.domain.models import Diary, Episode, Interference, Person, Side, Site, Source
from nosetwitch.interfaces.interchange.diary_json import load_diary_file
from nosetwitch.interfaces.interchange.fhir import (
    FhirExportError,
    diary_to_fhir_bundle,
    fhir_bundle_to_episodes,
    validate_bundle,
)
from nosetwitch.interfaces.interchange.fhir_codes import code_book

TRIAGE_SYSTEM = "https://nosetwitch.example/fhir/CodeSystem/triage"


def _public_cases() -> list[Path]:
    folder = Path(__file__).resolve().parents[2] / "shared" / "cases" / "public"
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".expected.json"))


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("case", _public_cases(), ids=lambda p: p.stem)
def test_every_public_case_exports_a_valid_bundle_with_its_triage_level(case: Path) -> None:
    diary = load_diary_file(case)
    bundle = diary_to_fhir_bundle(diary)
    model = get_fhir_model_class("Bundle").model_validate(json.loads(json.dumps(bundle)))
    assert model.type == "collection"
    assert len(_resources(bundle, "Patient")) == 1
    episodes = [o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "twitch-episode"]
    assert len(episodes) == len(diary.episodes)
    assert len(_resources(bundle, "MedicationStatement")) == len(diary.medications)
    assert _resources(bundle, "Condition") == []  # no confirmed diagnosis in the format
    (risk,) = _resources(bundle, "RiskAssessment")
    expected = json.loads(case.with_name(case.stem + ".expected.json").read_text())
    level = risk["prediction"][0]["outcome"]["coding"][0]
    assert (level["system"], level["code"]) == (TRIAGE_SYSTEM, f"level-{expected['level']}")
    reason_codes = {p["outcome"]["coding"][0]["code"] for p in risk["prediction"][1:]}
    assert {f"reason-{code}" for code in expected["reasons"]} <= reason_codes
    assert fhir_bundle_to_episodes(bundle) == diary.episodes


def test_round_trip_keeps_episode_count_instants_and_sites(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/hemifacial-pattern.json")
    back = fhir_bundle_to_episodes(diary_to_fhir_bundle(diary))
    assert len(back) == len(diary.episodes)
    for original, read in zip(diary.episodes, back):
        assert read.started_at == original.started_at
        assert read.started_at.utcoffset() == original.started_at.utcoffset()
        assert read.sites == original.sites


def test_triage_evidence_points_at_the_exported_records(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/spread-to-eyelid.json")
    bundle = diary_to_fhir_bundle(diary)
    (risk,) = _resources(bundle, "RiskAssessment")
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert risk["basis"] and all(ref["reference"] in urls for ref in risk["basis"])
    episode_urls = {e["fullUrl"] for e in bundle["entry"] if e["resource"].get("identifier", [{}])[0].get("value") == "e1"}
    assert {ref["reference"] for ref in risk["basis"]} == episode_urls


def test_episode_codes_sites_side_and_intensity(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/spread-to-eyelid.json")
    bundle = diary_to_fhir_bundle(diary)
    episode = next(o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "twitch-episode")
    assert episode["effectivePeriod"] == {"start": "2026-03-06T20:00:00+00:00", "end": "2026-03-06T20:00:20+00:00"}
    assert {"system": "http://snomed.info/sct", "code": "45206002", "display": "Nasal structure"} in episode["bodySite"]["coding"]
    site_codes = [
        c["valueCodeableConcept"]["coding"] for c in episode["component"] if c["code"]["coding"][0]["code"] == "site"
    ]
    snomed = [coding["code"] for codings in site_codes for coding in codings if coding["system"] == "http://snomed.info/sct"]
    assert snomed == ["45206002", "80243003"]  # nose, eyelid
    intensity = next(c for c in episode["component"] if c["code"]["coding"][0]["code"] == "intensity")
    assert intensity["valueInteger"] == 2
    side = next(c for c in episode["component"] if c["code"]["coding"][0]["code"] == "side")
    assert {"system": "http://snomed.info/sct", "code": "7771000", "display": "Left"} in side["valueCodeableConcept"]["coding"]


def test_patient_is_minimal(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/spread-to-eyelid.json")
    (patient,) = _resources(diary_to_fhir_bundle(diary), "Patient")
    assert "name" not in patient
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1988"
    (named,) = _resources(diary_to_fhir_bundle(diary, name="Ada Example"), "Patient")
    assert named["name"] == [{"text": "Ada Example"}]


def test_sleep_is_loinc_coded_and_other_factors_use_the_project_system() -> None:
    diary = Diary(
        person=Person(timezone="Europe/Berlin"),
        days=[{"date": "2026-03-01", "sleep_h": 6.5, "caffeine_mg": 300.0}],
    )
    bundle = diary_to_fhir_bundle(diary, as_of=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
    by_text = {o["code"]["text"]: o for o in _resources(bundle, "Observation")}
    sleep = by_text["Sleep the night before"]
    assert {"system": "http://loinc.org", "code": "93832-4", "display": "Sleep duration"} in sleep["code"]["coding"]
    assert sleep["valueQuantity"]["value"] == 6.5 and sleep["valueQuantity"]["code"] == "h"
    caffeine = by_text["Caffeine, all sources"]
    assert [c["system"] for c in caffeine["code"]["coding"]] == ["https://nosetwitch.example/fhir/CodeSystem/day-factor"]
    assert sleep["effectiveDateTime"] == "2026-03-01"


def test_linked_medicine_carries_its_atc_class(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/statin-user.json")
    (statement,) = _resources(diary_to_fhir_bundle(diary), "MedicationStatement")
    assert statement["medication"]["concept"]["text"] == diary.medications[0].name
    assert {"system": "http://www.whocc.no/atc", "code": "C10AA", "display": "HMG CoA reductase inhibitors"} in statement[
        "category"
    ][0]["coding"]


def test_condition_only_for_a_confirmed_diagnosis(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/single-twitch-self-care.json")
    bundle = diary_to_fhir_bundle(diary, confirmed_diagnoses=["facial_myokymia"])
    (condition,) = _resources(bundle, "Condition")
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert {"system": "http://hl7.org/fhir/sid/icd-10", "code": "G51.4", "display": "Facial myokymia"} in condition["code"][
        "coding"
    ]
    with pytest.raises(ValueError, match="unknown confirmed diagnosis 'migraine'"):
        diary_to_fhir_bundle(diary, confirmed_diagnoses=["migraine"])


def test_an_invalid_bundle_is_refused(shared_dir: Path) -> None:
    diary = load_diary_file(shared_dir / "cases/public/spread-to-eyelid.json")
    bundle = diary_to_fhir_bundle(diary)
    bundle["entry"][1]["resource"]["effectivePeriod"]["start"] = "yesterday"
    with pytest.raises(FhirExportError, match="effectivePeriod"):
        validate_bundle(bundle)


def test_every_clinical_code_names_a_published_source() -> None:
    raw = tomllib.loads(resources.files("nosetwitch.knowledge").joinpath("codes.toml").read_text())
    sources = raw["sources"]
    entries = [(name, body) for name, body in raw.items() if name not in ("systems", "sources")]
    flat = []
    for name, body in entries:
        if "system" in body or "coded" in body:
            flat.append((name, body))
        else:
            flat.extend((f"{name}.{key}", value) for key, value in body.items())
    for name, entry in flat:
        if entry.get("coded", True) is False:
            assert entry["reason"], name
            continue
        assert entry["source"] in sources, name
        assert entry["code"] and entry["display"] and entry["checked"], name
    assert code_book().lookup("site", "eyebrow") is None  # not guessed


def test_atc_classes_agree_with_the_knowledge_base() -> None:
    from nosetwitch.knowledge import knowledge

    for medicine_class in ("diuretic", "statin", "antipsychotic"):
        ours = code_book().lookup("medicine_class", medicine_class)
        theirs = next(m for m in knowledge().medicine_classes if m.id == medicine_class)
        assert ours.code == theirs.atc


_instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2026, 10, 31), timezones=st.sampled_from(
        [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]
    )
).map(lambda d: d.replace(microsecond=0))
_episodes = st.builds(
    Episode,
    id=st.from_regex(r"\A[a-h0-9][a-h0-9-]{0,7}\Z"),
    started_at=_instants,
    duration_s=st.none() | st.floats(min_value=0.5, max_value=3600, allow_nan=False),
    intensity=st.none() | st.integers(1, 5),
    side=st.none() | st.sampled_from(Side),
    sites=st.lists(st.sampled_from(Site), min_size=1, max_size=4, unique=True),
    interferes_with=st.lists(st.sampled_from(Interference), max_size=2, unique=True),
    visible=st.none() | st.booleans(),
    source=st.sampled_from(Source),
    # an empty note is no note (FHIR has no empty strings); notes are stored trimmed, without control characters
    note=st.none() | st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).map(str.strip).filter(bool),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_episodes, max_size=6, unique_by=lambda e: e.id))
def test_any_episodes_survive_the_round_trip(episodes: list[Episode]) -> None:
    from types import SimpleNamespace

    diary = Diary(person=Person(timezone="Asia/Kolkata"), episodes=episodes)
    quiet = SimpleNamespace(level="self_care", reasons=[])
    bundle = diary_to_fhir_bundle(diary, as_of=dt.datetime(2036, 1, 1, tzinfo=dt.timezone.utc), triage_result=quiet)
    assert fhir_bundle_to_episodes(bundle) == episodes


def test_cli_export_writes_a_valid_bundle_of_the_stored_diary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nosetwitch.interfaces.cli.common import forget_services
    from nosetwitch.interfaces.cli.main import run
    from nosetwitch.services.diary import DiaryService

    url = f"sqlite:///{tmp_path / 'diary.db'}"
    service = DiaryService(url)
    service.set_person(Person(timezone="Europe/Berlin", birth_year=1990, sex="other"))
    started = dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    service.add_episode(started_at=started, duration_s=15.0, sites=["nose", "eyelid"], side="right")
    out = tmp_path / "diary.fhir.json"
    forget_services()
    try:
        run(["--db", url, "export", "--format", "fhir", "--out", str(out)])
    except SystemExit as stopped:  # run() exits only on errors or explicit exit codes
        assert stopped.code in (0, None), capsys.readouterr().err
    bundle = json.loads(out.read_text())
    get_fhir_model_class("Bundle").model_validate(bundle)
    (episode,) = fhir_bundle_to_episodes(bundle)
    assert episode.started_at == started and episode.sites == [Site.NOSE, Site.EYELID]
    (patient,) = _resources(bundle, "Patient")
    assert patient == {"resourceType": "Patient", "id": patient["id"], "gender": "other", "birthDate": "1990"}
