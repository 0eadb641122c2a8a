"""The database layer and DiaryService, on SQLite and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from nosetwitch.domain.models import DayCheckIn, Diary, Episode, Medication, Person, RemedyAttempt, Symptom
from nosetwitch.interfaces.interchange import parse_diary
from nosetwitch.services.diary import Conflict, DiaryService, InvalidRecord, NotFound

BERLIN_WINTER = dt.timezone(dt.timedelta(hours=1))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_new_database_is_empty_and_has_a_default_person(db_url):
    service = DiaryService(db_url)
    assert service.is_empty()
    assert service.load_diary().episodes == []
    assert service.get_person().timezone  # this machine's zone, or UTC


def test_episode_crud_keeps_the_offset_it_was_written_with(db_url):
    service = DiaryService(db_url)
    created = service.add_episode(started_at="2026-03-10T21:30:00+05:30", intensity=3, sites=["nose", "eyelid"])
    assert created.id == "e1"
    again = service.get_episode("e1")
    assert again.started_at.isoformat() == "2026-03-10T21:30:00+05:30"
    assert [s.value for s in again.sites] == ["nose", "eyelid"]

    updated = service.update_episode("e1", intensity=5, interferes_with=["eating"], note="at dinner")
    assert service.get_episode("e1") == updated
    assert updated.intensity == 5 and [i.value for i in updated.interferes_with] == ["eating"]

    assert service.add_episode(started_at="2026-03-11T08:00:00Z").id == "e2"
    page = service.list_episodes(limit=1)
    assert page.total == 2 and [e.id for e in page.items] == ["e2"]
    assert [e.id for e in service.list_episodes(offset=1, limit=5).items] == ["e1"]

    service.delete_episode("e1")
    with pytest.raises(NotFound):
        service.get_episode("e1")
    assert not service.is_empty()


def test_bad_values_are_refused_with_the_field_named_and_nothing_stored(db_url):
    service = DiaryService(db_url)
    with pytest.raises(InvalidRecord, match="intensity"):
        service.add_episode(started_at="2026-03-10T21:30:00+01:00", intensity=9)
    with pytest.raises(InvalidRecord, match="started_at"):
        service.add_episode(started_at="2026-03-10T21:30:00")
    service.add_episode(id="x1", started_at="2026-03-10T21:30:00+01:00")
    with pytest.raises(InvalidRecord, match="intensity"):
        service.update_episode("x1", intensity=0)
    with pytest.raises(InvalidRecord, match="id: cannot be changed"):
        service.update_episode("x1", id="x2")
    assert service.get_episode("x1").intensity is None
    assert service.list_episodes().total == 1


def test_episode_and_symptom_ids_share_one_namespace(db_url):
    service = DiaryService(db_url)
    service.add_episode(id="a", started_at="2026-03-10T21:30:00+01:00")
    with pytest.raises(Conflict):
        service.add_symptom(id="a", code="pain", onset="gradual", started_at="2026-03-10T21:30:00+01:00")
    with pytest.raises(Conflict):
        service.add_episode(id="a", started_at="2026-03-10T22:30:00+01:00")
    symptom = service.add_symptom(code="numbness", onset="sudden", started_at="2026-03-10T21:40:00+01:00")
    assert symptom.id == "s1"


def test_records_of_another_owner_look_missing(db_url):
    alice = DiaryService(db_url, owner="alice")
    bob = DiaryService(db_url, owner="bob")
    alice.add_episode(id="e1", started_at="2026-03-10T21:30:00+01:00")
    remedy = alice.add_remedy(code="massage", at="2026-03-10T21:35:00+01:00", episode_id="e1")
    medication = alice.add_medication(name="atorvastatin", started=dt.date(2026, 1, 1))
    alice.upsert_day(DayCheckIn(date=dt.date(2026, 3, 10), sleep_h=6.0))
    for call in (
        lambda: bob.get_episode("e1"),
        lambda: bob.delete_episode("e1"),
        lambda: bob.update_episode("e1", intensity=2),
        lambda: bob.get_remedy(remedy.key),
        lambda: bob.delete_remedy(remedy.key),
        lambda: bob.get_medication(medication.key),
        lambda: bob.update_medication(medication.key, dose="1"),
        lambda: bob.get_day(dt.date(2026, 3, 10)),
    ):
        with pytest.raises(NotFound):
            call()
    assert bob.is_empty() and bob.load_diary().episodes == []
    # and bob cannot link his remedy to alice's episode
    with pytest.raises(InvalidRecord, match="episode_id"):
        bob.add_remedy(code="massage", at="2026-03-10T21:35:00+01:00", episode_id="e1")
    with pytest.raises(NotFound):
        DiaryService(db_url, owner=999_999)


def test_day_upsert_merges_fields_given(db_url):
    service = DiaryService(db_url)
    day = dt.date(2026, 3, 10)
    _, created = service.upsert_day(DayCheckIn(date=day, caffeine_mg=200.0))
    assert created
    stored, created = service.upsert_day(DayCheckIn(date=day, sleep_h=6.5))
    assert not created
    assert (stored.caffeine_mg, stored.sleep_h) == (200.0, 6.5)
    assert service.get_day(day) == stored
    replaced, _ = service.upsert_day(DayCheckIn(date=day, stress=4), merge=False)
    assert replaced.caffeine_mg is None and service.get_day(day).stress == 4
    assert service.list_days(since=day, until=day + dt.timedelta(days=1)).total == 1
    service.delete_day(day)
    assert service.list_days().total == 0


def test_deleting_an_episode_unlinks_its_remedies(db_url):
    service = DiaryService(db_url)
    service.add_episode(id="e1", started_at="2026-03-10T21:30:00+01:00")
    remedy = service.add_remedy(RemedyAttempt(code="warm_compress", at=at("2026-03-10T21:35:00+01:00"), episode_id="e1", helped=True))
    assert [r.key for r in service.list_remedies(episode_id="e1").items] == [remedy.key]
    service.delete_episode("e1")
    kept = service.get_remedy(remedy.key)
    assert kept.record.episode_id is None and kept.record.helped is True
    service.load_diary()  # still a valid diary


def test_medications_and_person(db_url):
    service = DiaryService(db_url)
    statin = service.add_medication(Medication(name="atorvastatin", dose="20 mg", started=dt.date(2026, 1, 15)))
    service.add_medication(name="Lasix", started=dt.date(2025, 1, 1), stopped=dt.date(2025, 6, 1))
    assert [m.record.name for m in service.list_medications(active_on=dt.date(2026, 3, 1)).items] == ["atorvastatin"]
    service.update_medication(statin.key, stopped=dt.date(2026, 3, 2))
    assert service.list_medications(active_on=dt.date(2026, 3, 3)).total == 0
    assert [m.key for m in service.find_medications("ATORVASTATIN")] == [statin.key]
    with pytest.raises(InvalidRecord, match="stopped: is before started"):
        service.update_medication(statin.key, stopped=dt.date(2020, 1, 1))

    assert not service.has_person()
    service.update_person(timezone="Asia/Kolkata", birth_year=1980)
    assert service.get_person() == Person(timezone="Asia/Kolkata", birth_year=1980)
    with pytest.raises(InvalidRecord, match="timezone"):
        service.update_person(timezone="Mars/Olympus")


def test_import_is_one_transaction_and_idempotent(db_url):
    service = DiaryService(db_url)
    diary = Diary(
        person=Person(timezone="America/New_York"),
        medications=[Medication(name="magnesium", started=None), Medication(name="magnesium", started=None)],
        episodes=[
            Episode(id="e1", started_at=at("2026-03-08T01:30:00-05:00"), sites=["nose", "cheek"], interferes_with=["speaking"]),
            Episode(id="e2", started_at=at("2026-03-08T03:30:00-04:00"), duration_s=12.5),
        ],
        symptoms=[Symptom(id="s1", code="numbness", onset="gradual", started_at=at("2026-03-08T04:00:00-04:00"))],
        days=[DayCheckIn(date=dt.date(2026, 3, 8), sleep_h=5.0, stress=7)],
        remedies=[
            RemedyAttempt(code="massage", at=at("2026-03-08T01:35:00-05:00"), episode_id="e1", helped=False),
            RemedyAttempt(code="massage", at=at("2026-03-08T01:35:00-05:00")),
        ],
    )
    first = service.import_diary(diary)
    assert (first.episodes.added, first.medications.added, first.remedies.added, first.days.added) == (2, 2, 2, 1)
    second = service.import_diary(diary)
    assert second.totals().changed == 0 and second.totals().unchanged == 9
    assert service.export_diary() == diary

    # same instant written with another offset is an update (export gives back what was written)
    moved = diary.model_copy(update={"episodes": [diary.episodes[0].model_copy(update={"started_at": at("2026-03-08T06:30:00+00:00")}), diary.episodes[1]]})
    third = service.import_diary(moved)
    assert (third.episodes.updated, third.episodes.unchanged) == (1, 1)
    assert service.get_episode("e1").started_at.isoformat() == "2026-03-08T06:30:00+00:00"


def test_import_refuses_an_id_already_used_by_the_other_kind(db_url):
    service = DiaryService(db_url)
    service.add_symptom(id="x", code="pain", onset="gradual", started_at="2026-03-08T04:00:00-04:00")
    before = service.export_diary()
    clash = Diary(person=Person(timezone="UTC"), episodes=[Episode(id="new", started_at=at("2026-03-08T04:00:00Z")), Episode(id="x", started_at=at("2026-03-08T04:00:00Z"))])
    with pytest.raises(Conflict, match=r'episodes\[1\] \(id "x"\)'):
        service.import_diary(clash)
    assert service.export_diary() == before


def test_reopening_an_upgraded_database_needs_no_migration(db_url, monkeypatch):
    from nosetwitch.storage import database

    DiaryService(db_url).add_episode(started_at="2026-03-08T04:00:00Z")
    database.dispose_engines()

    def must_not_run(*args, **kwargs):
        raise AssertionError("Alembic ran on an up-to-date database")

    monkeypatch.setattr(database, "upgrade_schema", must_not_run)
    assert DiaryService(db_url).list_episodes().total == 1


def test_a_value_the_database_would_refuse_is_refused_by_the_domain_and_writes_nothing(db_url):
    service = DiaryService(db_url)
    with pytest.raises(ValidationError, match="control character"):  # PostgreSQL cannot store NUL
        Diary(
            person=Person(timezone="UTC"),
            episodes=[Episode(id="ok", started_at=at("2026-03-08T04:00:00Z")), Episode(id="nul", started_at=at("2026-03-08T05:00:00Z"), note="a\x00b")],
        )
    with pytest.raises(InvalidRecord, match="note"):
        service.add_episode(id="nul", started_at=at("2026-03-08T05:00:00Z"), note="a\x00b")
    assert service.is_empty()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url):
    from sqlalchemy import text

    service = DiaryService(sqlite_url)
    with service.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    service.add_episode(id="e1", started_at="2026-03-08T04:00:00Z", sites=["nose", "cheek"])
    service.delete_episode("e1")
    with service.engine.connect() as connection:  # the cascade removed the episode's sites
        assert connection.execute(text("SELECT count(*) FROM episode_sites")).scalar() == 0


def test_new_ids_follow_the_highest_short_id_and_ignore_imported_ones(db_url):
    service = DiaryService(db_url)
    service.import_diary(
        parse_diary(
            {
                "format": "nosetwitch-diary",
                "version": 1,
                "person": {"timezone": "UTC"},
                "episodes": [
                    {"id": id_, "started_at": "2026-03-01T08:00:00+00:00", "sites": ["nose"]}
                    for id_ in ("e2", "episode-9", "e07")
                ],
            }
        )
    )
    assert service.add_episode(started_at=at("2026-03-02T08:00:00+00:00")).id == "e8"
