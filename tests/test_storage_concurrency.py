"""Two writers at once (the CLI while the web app runs, two web workers).

Each write reads before it writes (the next free id), so without a write
lock two writers could pick the same id and one would fail; and a diary read
spread over several SELECTs could see half of another writer's change.
"""

from __future__ import annotations

import datetime as dt
import threading

from nosetwitch.services.diary import DiaryService
from nosetwitch.storage.database import dispose_engines

WRITERS = 4
EPISODES_EACH = 15


def _log_many(url: str, errors: list[BaseException], start: threading.Barrier) -> None:
    service = DiaryService(url)
    start.wait()
    for n in range(EPISODES_EACH):
        try:
            service.add_episode(started_at=dt.datetime(2026, 3, 1, 8, n, tzinfo=dt.timezone.utc), sites=["nose", "cheek"])
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)


def test_concurrent_writers_each_get_their_own_id_and_nothing_is_lost(db_url):
    DiaryService(db_url).update_person(timezone="Europe/Berlin")
    dispose_engines()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=_log_many, args=(db_url, errors, start)) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    diary = DiaryService(db_url).load_diary()
    ids = [episode.id for episode in diary.episodes]
    assert len(ids) == WRITERS * EPISODES_EACH
    assert len(set(ids)) == len(ids)


def test_a_diary_read_during_writes_never_shows_an_episode_without_its_sites(db_url):
    service = DiaryService(db_url)
    service.update_person(timezone="UTC")
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        writer = DiaryService(db_url)
        n = 0
        while not stop.is_set() and n < 200:
            try:
                writer.add_episode(started_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc), sites=["nose", "eyelid"])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return
            n += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        for _ in range(30):
            diary = service.load_diary()  # validates: an episode with no sites would raise here
            assert all(episode.sites == ["nose", "eyelid"] for episode in diary.episodes)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []


def test_the_web_servers_commits_leave_the_log_copy_to_a_background_thread(sqlite_url):
    """A commit of the server (`create_app`) does not copy SQLite's log back into the database
    file itself up to a long log (16 MB), and a background thread does it meanwhile: the
    database file alone, without its log, soon holds what was logged."""
    import shutil
    import sqlite3
    import time
    from pathlib import Path

    from nosetwitch.interfaces.web import create_app
    from nosetwitch.storage.database import SAFETY_CHECKPOINT_PAGES, open_engine

    create_app(sqlite_url)
    engine = open_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SAFETY_CHECKPOINT_PAGES
    service = DiaryService(sqlite_url)
    for hour in range(12):
        service.add_episode(id=f"e{hour + 1}", started_at=f"2026-03-10T{hour:02d}:00:00+00:00", sites=["nose"])
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    copy = path.with_name("file-alone.sqlite3")
    deadline = time.monotonic() + 20
    while True:
        shutil.copyfile(path, copy)  # the file only: what has been checkpointed
        with sqlite3.connect(copy) as alone:
            stored = alone.execute("SELECT count(*) FROM episodes").fetchone()[0]
        if stored == 12 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert stored == 12
