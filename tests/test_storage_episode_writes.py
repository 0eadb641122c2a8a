"""`DiaryService.add_episode`, the busiest write (logging a twitch), on SQLite and PostgreSQL.

It writes with Core statements rather than the ORM; these tests pin down that
it stores the same rows as the other write path (the bulk import), keeps one
id namespace with symptoms, and issues only the statements it needs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.services.diary import Conflict, DiaryService, InvalidRecord
from nosetwitch.storage.models import EpisodeInterferenceRow, EpisodeRow, EpisodeSiteRow

FULL = {
    "id": "e5",
    "started_at": dt.datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
    "duration_s": 42.5,
    "intensity": 3,
    "side": "left",
    "sites": ["eyelid", "nose", "cheek"],
    "interferes_with": ["seeing", "eating"],
    "visible": False,
    "source": "video",
    "note": "während des Essens",
}
PLAIN = {"id": "e6", "started_at": dt.datetime(2026, 3, 30, 8, tzinfo=dt.timezone.utc)}


def _rows(service: DiaryService, table, order) -> list[dict]:
    """The owner's rows of a table, without the keys that differ between owners."""
    with service.engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.owner_id == service.owner_id).order_by(*order))
        return [{k: v for k, v in row._mapping.items() if k not in ("pk", "episode_pk", "owner_id")} for row in rows]


def _stored(service: DiaryService) -> list[list[dict]]:
    episodes, sites, activities = EpisodeRow.__table__, EpisodeSiteRow.__table__, EpisodeInterferenceRow.__table__
    return [
        _rows(service, episodes, [episodes.c.pk]),
        _rows(service, sites, [sites.c.episode_pk, sites.c.position]),
        _rows(service, activities, [activities.c.episode_pk, activities.c.position]),
    ]


def test_add_episode_stores_the_rows_an_import_stores(db_url):
    logged = DiaryService(db_url, owner="logged")
    imported = DiaryService(db_url, owner="imported")
    assert logged.add_episode(**FULL) == Episode.model_validate(FULL)
    assert logged.add_episode(Episode.model_validate(PLAIN)) == Episode.model_validate(PLAIN)  # as check.py passes it
    imported.import_diary(Diary(person=Person(timezone="UTC"), episodes=[Episode.model_validate(FULL), Episode.model_validate(PLAIN)]))

    assert _stored(logged) == _stored(imported)
    assert [len(rows) for rows in _stored(logged)] == [2, 4, 2]
    assert logged.get_episode("e5") == Episode.model_validate(FULL)
    assert logged.get_episode("e5").started_at.isoformat() == "2026-03-29T02:30:15.123456+05:45"
    assert logged.add_episode(started_at="2026-03-31T08:00:00Z").id == "e7"


def test_an_id_taken_by_either_kind_is_a_conflict_naming_it_and_writes_nothing(db_url):
    service = DiaryService(db_url)
    service.add_episode(id="taken", started_at="2026-03-10T21:30:00+01:00")
    service.add_symptom(id="s9", code="pain", onset="gradual", started_at="2026-03-10T21:30:00+01:00")
    before = _stored(service)

    with pytest.raises(Conflict, match="'taken' is already used by an episode"):
        service.add_episode(id="taken", started_at="2026-03-11T08:00:00Z", sites=["nose", "cheek"])
    with pytest.raises(Conflict, match="'s9' is already used by a symptom"):
        service.add_episode(id="s9", started_at="2026-03-11T08:00:00Z", interferes_with=["eating"])
    with pytest.raises(InvalidRecord, match="sites"):
        service.add_episode(started_at="2026-03-11T08:00:00Z", sites=["nose", "nose"])
    assert _stored(service) == before

    other = DiaryService(db_url, owner="someone else")  # ids are per owner
    assert other.add_episode(id="taken", started_at="2026-03-11T08:00:00Z").id == "taken"


def test_logging_an_episode_issues_only_the_statements_it_needs(db_url):
    service = DiaryService(db_url)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(service.engine, "before_cursor_execute", seen)
    try:
        service.add_episode(started_at="2026-03-11T08:00:00Z")  # one site, no activities, a fresh id
    finally:
        event.remove(service.engine, "before_cursor_execute", seen)

    inserts = [s.split(" (")[0] for s in statements if s.startswith("INSERT")]
    assert inserts == ["INSERT INTO EPISODES", "INSERT INTO EPISODE_SITES"]
    owner = [s for s in statements if "USERS" in s]
    # One statement on the owner's row moves the revision, takes the id number and (outside
    # SQLite, whose BEGIN IMMEDIATE holds the write lock already) locks the row until commit.
    assert len(owner) == 1 and owner[0].startswith("UPDATE USERS SET REVISION") and "LAST_EPISODE_NUMBER" in owner[0]
    if service.engine.dialect.name == "sqlite":
        assert statements[0] == "BEGIN IMMEDIATE"
    assert len(statements) <= 5


# --- several at once (the web server's twitches logged at the same moment) --------------------


def test_add_episodes_stores_the_rows_one_by_one_adds_would(db_url):
    together = DiaryService(db_url, owner="together")
    alone = DiaryService(db_url, owner="alone")
    third = {"id": "e7", "started_at": dt.datetime(2026, 3, 30, 9, tzinfo=dt.timezone.utc), "sites": ["nose", "jaw"]}
    episodes = [Episode.model_validate(fields) for fields in (FULL, PLAIN, third)]
    together.add_episodes(episodes)
    for episode in episodes:
        alone.add_episode(episode)
    assert _stored(together) == _stored(alone)
    assert [len(rows) for rows in _stored(together)] == [3, 6, 2]
    assert [e.id for e in together.load_diary().episodes] == ["e5", "e6", "e7"]


def test_add_episodes_is_all_or_nothing_and_names_the_id_in_the_way(db_url):
    service = DiaryService(db_url)
    service.add_symptom(id="s9", code="pain", onset="gradual", started_at="2026-03-10T21:30:00+01:00")
    fresh = Episode.model_validate(PLAIN)
    before = _stored(service)
    with pytest.raises(Conflict, match="'s9' is already used by a symptom"):
        service.add_episodes([fresh, Episode.model_validate({**PLAIN, "id": "s9"})])
    with pytest.raises(Conflict, match="'e6' is given twice"):
        service.add_episodes([fresh, fresh])
    assert _stored(service) == before  # not even the good one
