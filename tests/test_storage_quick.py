"""The quick `log twitch` strategy (plain sqlite3) writes exactly what DiaryService writes,
both reached through the one way a twitch is logged (`services.episodes.log_twitch`)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from nosetwitch.domain.models import Person
from nosetwitch.services import episodes
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.errors import InvalidRecord
from nosetwitch.storage.quick import QuickLog, sqlite_file

FIELDS = {
    "started_at": dt.datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
    "duration_s": 42.5,
    "intensity": 3,
    "side": "left",
    "sites": ["nose", "eyelid", "cheek"],
    "interferes_with": ["eating", "seeing"],
    "visible": True,
    "note": "während des Essens",
}


def _rows(path, table: str, order: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        cursor = connection.execute(f"SELECT * FROM {table} ORDER BY {order}")
        names = [d[0] for d in cursor.description]
        return [{k: v for k, v in zip(names, row) if k not in ("pk", "episode_pk")} for row in cursor]


def _prepared(tmp_path, name: str) -> tuple[str, DiaryService]:
    url = f"sqlite:///{tmp_path / name}"
    service = DiaryService(url)
    service.set_person(Person(timezone="Asia/Kathmandu"))
    service.add_symptom(id="s1", code="pain", onset="gradual", started_at="2026-03-01T10:00:00+05:45")
    service.add_episode(id="e7", started_at="2026-03-01T10:00:00+05:45")
    return url, service


def test_quick_path_and_service_write_identical_rows(tmp_path):
    quick_url, quick_service = _prepared(tmp_path, "quick.sqlite3")
    slow_url, slow_service = _prepared(tmp_path, "slow.sqlite3")

    with episodes.local_store(quick_url) as quick:
        assert isinstance(quick, QuickLog) and quick.timezone() == "Asia/Kathmandu"
        logged = episodes.log_twitch(quick, FIELDS)
    stored = episodes.log_twitch(slow_service, FIELDS)
    assert logged.id == stored.id == "e8"
    assert quick_service.export_diary() == slow_service.export_diary()
    for table, order in (("episodes", "pk"), ("episode_sites", "episode_pk, position"), ("episode_interferences", "episode_pk, position")):
        assert _rows(sqlite_file(quick_url), table, order) == _rows(sqlite_file(slow_url), table, order)
    assert quick_service.get_episode("e8").started_at.isoformat() == "2026-03-29T02:30:15.123456+05:45"


def test_a_refused_episode_writes_nothing(tmp_path):
    url, service = _prepared(tmp_path, "diary.sqlite3")
    before = service.export_diary()
    with episodes.local_store(url) as quick, pytest.raises(InvalidRecord, match="intensity"):
        episodes.log_twitch(quick, {**FIELDS, "intensity": 9})
    assert service.export_diary() == before


def test_twitches_logged_together_on_the_quick_path_equal_those_of_the_service(tmp_path):
    quick_url, quick_service = _prepared(tmp_path, "quick.sqlite3")
    _, slow_service = _prepared(tmp_path, "slow.sqlite3")
    slow_service.add_symptom(id="e9", code="pain", onset="gradual", started_at="2026-03-01T10:00:00+05:45")  # in the way of e9
    with sqlite3.connect(sqlite_file(quick_url)) as connection:
        connection.execute("UPDATE symptoms SET id = 'e9' WHERE id = 's1'")
    slow_service.delete_symptom("s1")
    twitches = [FIELDS, {**FIELDS, "intensity": 9}, {**FIELDS, "sites": ["jaw"]}]
    with episodes.local_store(quick_url) as quick:
        assert isinstance(quick, QuickLog)
        logged = episodes.log_twitches(quick, twitches)
    stored = episodes.log_twitches(slow_service, twitches)
    assert [getattr(r, "id", None) for r in logged] == [getattr(r, "id", None) for r in stored] == ["e10", None, "e11"]
    assert str(logged[1]) == str(stored[1])
    assert quick_service.export_diary() == slow_service.export_diary()


def test_quick_path_declines_what_it_cannot_do(tmp_path):
    assert QuickLog.open(f"sqlite:///{tmp_path / 'missing.sqlite3'}") is None
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///x.db?mode=ro") is None
    assert sqlite_file("postgresql+psycopg://postgres@127.0.0.1/x") is None
    url = f"sqlite:///{tmp_path / 'no-person.sqlite3'}"
    DiaryService(url)  # user exists, no person record yet
    assert QuickLog.open(url) is None
    DiaryService(url).set_person(Person(timezone="UTC"))
    assert QuickLog.open(url, username="someone-else") is None
    with sqlite3.connect(tmp_path / "no-person.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000_old'")
    assert QuickLog.open(url) is None  # an older schema goes through the full path (and gets upgraded)

