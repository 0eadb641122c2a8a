"""`nosetwitch import` refuses every kind of bad file the spec lists, and writes nothing.

Each case starts from a stored diary, imports a broken file through the CLI
and checks: exit code 2, one stderr line naming the record and the field,
and the stored diary exactly as before.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.interfaces.interchange.diary_json import diary_to_json, parse_diary
from nosetwitch.services.diary import DiaryService

VALID = {
    "format": "nosetwitch-diary",
    "version": 1,
    "person": {"timezone": "Europe/Berlin", "birth_year": 1980, "sex": "female"},
    "medications": [{"name": "Lasix", "dose": "40 mg", "started": "2026-01-10", "stopped": None}],
    "episodes": [
        {"id": "e1", "started_at": "2026-03-10T20:00:00+01:00", "duration_s": 20, "intensity": 2, "side": "left", "sites": ["nose"]},
        {"id": "e2", "started_at": "2026-03-11T08:00:00+01:00", "sites": ["nose", "eyelid"]},
    ],
    "symptoms": [{"id": "s1", "code": "pain", "onset": "gradual", "started_at": "2026-03-10T20:05:00+01:00", "ended_at": None}],
    "days": [{"date": "2026-03-10", "sleep_h": 6.5, "caffeine_mg": 300, "stress": 6}],
    "remedies": [{"code": "massage", "at": "2026-03-10T20:02:00+01:00", "episode_id": "e1", "helped": True}],
}


def broken(change) -> dict:
    document = copy.deepcopy(VALID)
    change(document)
    return document


def _set(path, value):
    def change(document):
        node = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


BAD_DOCUMENTS = {
    "wrong type": (_set(["episodes", 0, "intensity"], "2"), 'episodes[0] (id "e1").intensity'),
    "out of range": (_set(["days", 0, "stress"], 11), 'days[0] (date "2026-03-10").stress'),
    "unknown code": (_set(["episodes", 1, "sites"], ["nose", "nostril"]), 'episodes[1] (id "e2").sites'),
    "unknown symptom code": (_set(["symptoms", 0, "code"], "sneezing"), 'symptoms[0] (id "s1").code'),
    "duplicate id": (_set(["episodes", 1, "id"], "e1"), "duplicate id 'e1'"),
    "id shared by episode and symptom": (_set(["symptoms", 0, "id"], "e2"), "duplicate id 'e2'"),
    "duplicate date": (lambda d: d["days"].append({"date": "2026-03-10", "sleep_h": 7.0}), 'days[1] (date "2026-03-10").date: duplicate date 2026-03-10'),
    "ended before started": (_set(["symptoms", 0, "ended_at"], "2026-03-10T19:00:00+01:00"), "ended_at: is before started_at"),
    "timestamp without offset": (_set(["episodes", 0, "started_at"], "2026-03-10T20:00:00"), "has no UTC offset"),
    "unknown timezone": (_set(["person", "timezone"], "Europe/Atlantis"), "person.timezone"),
    "dangling episode_id": (_set(["remedies", 0, "episode_id"], "e9"), "remedies[0].episode_id"),
    "unknown field": (_set(["episodes", 0, "colour"], "red"), 'episodes[0] (id "e1").colour: unknown field'),
    "unknown top-level field": (_set(["comment"], "hi"), "comment: unknown field"),
    "stopped before started": (_set(["medications", 0, "stopped"], "2025-01-01"), "stopped: is before started"),
    "not a real date": (_set(["days", 0, "date"], "2026-02-30"), "not a real calendar date"),
}


@pytest.fixture
def stored(db_url) -> tuple[str, str]:
    """A database holding a small diary, and that diary's JSON export."""
    service = DiaryService(db_url)
    service.import_diary(parse_diary(json.dumps(VALID)))
    service.add_episode(id="mine", started_at="2026-03-12T09:00:00+01:00", note="logged before the import")
    return db_url, diary_to_json(service.export_diary())


def assert_refused(db_url: str, before: str, file: Path, *expected: str) -> None:
    code, out, err = cli("--db", db_url, "import", str(file))
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("nosetwitch: error: "), err
    for text in expected:
        assert text in err, err
    assert diary_to_json(DiaryService(db_url).export_diary()) == before


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_bad_document_is_refused_and_nothing_changes(stored, tmp_path, case):
    db_url, before = stored
    change, expected = BAD_DOCUMENTS[case]
    document = broken(change)
    # a valid new episode in the same file proves that nothing at all is written
    document["episodes"].insert(0, {"id": "new-1", "started_at": "2026-03-13T09:00:00+01:00", "sites": ["nose"]})
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(document))
    # the inserted record shifts episode indexes by one
    expected = expected.replace("episodes[1]", "episodes[2]").replace("episodes[0]", "episodes[1]")
    assert_refused(db_url, before, file, str(file), expected)


def test_broken_json_is_refused(stored, tmp_path):
    db_url, before = stored
    file = tmp_path / "broken.json"
    file.write_text(json.dumps(VALID)[:-20])
    assert_refused(db_url, before, file, "not valid JSON", "line 1")


def test_not_utf8_is_refused(stored, tmp_path):
    db_url, before = stored
    file = tmp_path / "latin1.json"
    file.write_bytes(json.dumps(VALID).replace("Lasix", "Läsix").encode("latin-1"))
    assert_refused(db_url, before, file, "not UTF-8")


def test_huge_file_is_refused_unread(stored, tmp_path):
    db_url, before = stored
    file = tmp_path / "huge.json"
    with file.open("wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: large on paper, nothing to read
    assert_refused(db_url, before, file, "MB", "largest diary accepted")


def test_missing_file_is_refused(stored, tmp_path):
    db_url, before = stored
    assert_refused(db_url, before, tmp_path / "nope.json", "cannot read")


def test_import_reports_counts_and_is_idempotent(stored, tmp_path):
    db_url, _ = stored
    document = copy.deepcopy(VALID)
    document["episodes"][0]["intensity"] = 4  # one change
    document["episodes"].append({"id": "e3", "started_at": "2026-03-12T08:00:00+01:00", "sites": ["nose"]})  # one new
    file = tmp_path / "diary.json"
    file.write_text(json.dumps(document))
    code, out, err = cli("--db", db_url, "import", str(file))
    assert code == 0, err
    assert "added 1, updated 1, unchanged 6" in out and "episodes: 1 added, 1 updated, 1 unchanged" in out
    code, out, _ = cli("--db", db_url, "import", str(file))
    assert code == 0 and "added 0, updated 0, unchanged 8" in out
    ids = sorted(e.id for e in DiaryService(db_url).export_diary().episodes)
    assert ids == ["e1", "e2", "e3", "mine"]  # stored records missing from the file stay
