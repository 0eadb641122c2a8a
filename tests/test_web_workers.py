"""Two server processes on one database are never stale and never hand out the same id.

A clinic runs several worker processes (and machines) on one PostgreSQL; a
person may also keep the CLI and the web app open on one SQLite file. What
they must never see: an edit made through one process missing from the
other's very next answer (a symptom's onset or end changes the triage level),
or a "log a twitch" refused because another process took the same id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.services.diary import DiaryService


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(database: str, home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "NOSETWITCH_HOME": str(home)}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "nosetwitch", "--db", database, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v1/session", timeout=1).read()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"nosetwitch serve did not start:\n{process.stdout.read() if process.stdout else ''}")
            time.sleep(0.2)


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    DiaryService(db_url).set_person(DiaryService(db_url).get_person().model_copy(update={"timezone": "Europe/Berlin"}))
    started = [_start(db_url, tmp_path) for _ in range(2)]
    try:
        yield db_url, started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    client.headers["X-CSRF-Token"] = client.get("/api/v1/session").json()["csrf_token"]
    return client


@pytest.mark.slow
def test_an_edit_through_one_worker_is_seen_by_the_other_at_once(two_workers):
    db_url, first_url, second_url = two_workers
    now = dt.datetime.now(dt.timezone.utc)
    first, second = _client(first_url), _client(second_url)
    assert first.post("/api/v1/episodes", json={"id": "e1", "started_at": (now - dt.timedelta(hours=1)).isoformat()}).status_code == 201
    quiet = {"onset": "gradual", "started_at": (now - dt.timedelta(days=40)).isoformat(), "ended_at": (now - dt.timedelta(days=39)).isoformat()}
    sudden = {"onset": "sudden", "started_at": (now - dt.timedelta(minutes=30)).isoformat(), "ended_at": None}
    assert first.post("/api/v1/symptoms", json={"id": "s1", "code": "weakness", "side": "left", **quiet}).status_code == 201
    assert second.get("/api/v1/triage").json()["level"] == "self_care"  # the second worker has its copy now

    stale = []
    for trial in range(200):
        stroke_sign, spread = trial % 2 == 0, trial % 3 == 0
        assert first.patch("/api/v1/symptoms/s1", json=sudden if stroke_sign else quiet).status_code == 200
        sites = ["nose", "cheek"] if spread else ["nose"]
        assert first.patch("/api/v1/episodes/e1", json={"sites": sites}).status_code == 200
        expected = "emergency" if stroke_sign else "consult" if spread else "self_care"
        triage = second.get("/api/v1/triage").json()
        overview = second.get("/api/v1/overview").json()
        codes = {reason["code"] for reason in triage["reasons"]}
        if (triage["level"], overview["triage_level"], "spread" in codes) != (expected, expected, spread):
            stale.append((trial, expected, triage["level"], overview["triage_level"]))
    assert stale == []


@pytest.mark.slow
def test_a_thousand_twitches_logged_at_once_through_two_workers_get_a_thousand_ids(two_workers):
    db_url, first_url, second_url = two_workers

    async def log_all() -> list[httpx.Response]:
        clients = []
        for url in (first_url, second_url):
            client = httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=25, keepalive_expiry=2))  # closes before the server does (5 s)
            client.headers["X-CSRF-Token"] = (await client.get("/api/v1/session")).json()["csrf_token"]
            clients.append(client)
        try:
            at = dt.datetime.now(dt.timezone.utc).isoformat()
            return await asyncio.gather(*(clients[i % 2].post("/api/v1/episodes", json={"started_at": at}) for i in range(1000)))
        finally:
            for client in clients:
                await client.aclose()

    with ThreadPoolExecutor(1) as thread:  # an event loop of its own (the browser tests' driver may hold one)
        responses = thread.submit(asyncio.run, log_all()).result()
    assert [r.status_code for r in responses if r.status_code != 201] == []
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1000
    assert {e.id for e in DiaryService(db_url).load_diary().episodes} == ids


@pytest.mark.slow
def test_serve_with_workers_answers_from_several_processes_with_a_health_check_and_json_access_log(sqlite_url: str, tmp_path: Path):
    import json

    port = _free_port()
    env = {**os.environ, "NOSETWITCH_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "nosetwitch", "--db", sqlite_url, "serve", "--port", str(port), "--workers", "2", "--access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                health = json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=2).read())
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        assert health["status"] == "ok" and health["mode"] == "local"
        workers = set()
        # A new connection each time: the kernel hands them to either process. The
        # second worker may still be starting (seconds on a busy machine), so ask until
        # it answers or a minute has passed.
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            workers.add(json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=5).read())["worker"])
            time.sleep(0.05)
        assert len(workers) == 2
        urllib.request.urlopen(f"{url}/api/v1/overview?token=secret-in-a-query", timeout=5).read()
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    overview = [line for line in lines if line["path"] == "/api/v1/overview"]
    assert overview and overview[0]["status"] == 200 and overview[0]["request"] == "GET /api/v1/overview"
    assert {"time", "method", "status", "ms", "client", "worker"} <= set(overview[0])
    assert "secret-in-a-query" not in (tmp_path / "serve.log").read_text()


def test_the_health_check_says_503_when_the_database_is_gone(tmp_path: Path):
    from fastapi.testclient import TestClient

    from nosetwitch.interfaces.web import create_app

    database = tmp_path / "gone.sqlite3"
    app = create_app(f"sqlite:///{database}")
    with TestClient(app) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        from nosetwitch.storage.database import open_engine

        with open_engine(f"sqlite:///{database}").begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'elsewhere'")
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.headers["content-type"].startswith("application/problem+json")
        assert "elsewhere" in answer.json()["detail"]


# --- a worker's copy follows the others' writes: new twitches fetched, anything else read again ----


def _same_as_stored(copy_owner, db_url: str, owner: str = "local") -> None:
    """The owner's copy (and the timeline the overview and triage read) equals the diary read afresh."""
    from nosetwitch.services.diary import DiaryService

    stored = DiaryService(db_url, owner=owner).load_diary()
    copy = copy_owner.load_diary()
    assert (copy.person, copy.episodes, copy.symptoms, copy.days, copy.remedies, copy.medications) == (
        stored.person, stored.episodes, stored.symptoms, stored.days, stored.remedies, stored.medications,
    )  # fmt: skip
    assert copy_owner.read(lambda diary, timeline: timeline.episodes.episodes()) == stored.episodes


def test_twitches_logged_through_another_worker_reach_the_copy_without_reading_the_diary_again(db_url: str, monkeypatch):
    from nosetwitch.services import episodes
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner
    from nosetwitch.storage import bulk
    from nosetwitch.storage.quick import QuickLog

    # Up to 2 new episodes: their sites by key; more (a long catch-up): by owner above the key. Both ways run here.
    monkeypatch.setattr(bulk, "_MANY_KEYS", 2)
    DiaryService(db_url).set_person(DiaryService(db_url).get_person().model_copy(update={"timezone": "Europe/Berlin"}))
    other, this = DiaryOwner(DiaryService(db_url)), DiaryOwner(DiaryService(db_url))  # two workers
    at = dt.datetime(2026, 3, 10, 9, tzinfo=dt.timezone.utc)
    other.log_twitch({"started_at": at})
    _same_as_stored(this, db_url)
    assert this.full_loads == 1
    for i in range(30):
        when = at + dt.timedelta(minutes=(i * 37) % 300)  # out of order, some at one instant
        other.log_twitch({"started_at": when, "sites": ["nose", "cheek"] if i % 2 else ["eyelid"], "interferes_with": ["speaking"] if i % 3 == 0 else []})
        if i % 4 == 0:  # another program (the CLI) with an id of its own
            DiaryService(db_url).add_episode(id=f"cli{i}", started_at=when)
        if i % 5 == 0:  # the quick path of `log twitch` on SQLite, the full one elsewhere
            with episodes.local_store(db_url) as store:
                episodes.log_twitch(store, {"started_at": when, "sites": ["jaw", "nose"]})
                assert isinstance(store, QuickLog) == db_url.startswith("sqlite")
        if i % 6 == 0:  # this worker's own twitch, between the others'
            this.log_twitch({"started_at": when})
        if i % 2:
            _same_as_stored(this, db_url)
    _same_as_stored(this, db_url)
    assert this.full_loads == 1 and this.fetches > 10  # only the new episodes, never the whole diary

    other.update_episode("e2", intensity=4, sites=["nose", "chin"])  # an edit: read again whole
    _same_as_stored(this, db_url)
    assert this.full_loads == 2
    other.delete_episode("e3")  # what undoing a logged twitch does
    _same_as_stored(this, db_url)
    assert this.full_loads == 3
    other.log_twitch({"started_at": at})
    _same_as_stored(this, db_url)
    assert this.full_loads == 3

    # A program that knows nothing of the appends (an older worker still running during an
    # upgrade) moves the revision alone with its edit: that too is read again whole.
    from sqlalchemy import text

    with DiaryService(db_url).engine.begin() as connection:
        connection.execute(text("UPDATE users SET revision = revision + 1 WHERE username = 'local'"))
        connection.execute(text("UPDATE episodes SET intensity = 2 WHERE id = 'e5'"))
    _same_as_stored(this, db_url)
    assert this.full_loads == 4
    other.log_twitch({"started_at": at})
    _same_as_stored(this, db_url)
    assert this.full_loads == 4


def test_a_write_between_the_probe_and_the_fetch_makes_the_copy_read_again(db_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    other, this = DiaryOwner(DiaryService(db_url)), DiaryOwner(DiaryService(db_url))
    at = dt.datetime(2026, 3, 10, 9, tzinfo=dt.timezone.utc)
    this.load_diary()
    other.log_twitch({"started_at": at})
    probed = DiaryService(db_url).revision_reader()()  # says: only a twitch since the copy
    other.update_episode("e1", intensity=5)  # an edit lands before the fetch
    probe = this._stored_revision
    this._stored_revision = lambda: probed
    try:
        episodes = this.load_diary().episodes
    finally:
        this._stored_revision = probe
    assert [e.intensity for e in episodes] == [5]  # the fetch's own snapshot saw the edit: read whole
    assert (this.full_loads, this.fetches) == (2, 0)
    _same_as_stored(this, db_url)


_STEPS = ("log", "log", "log", "cli", "quick", "own", "several", "edit", "delete", "symptom", "day", "remedy", "medication", "person", "import", "read")
_APPENDS = {"log", "cli", "quick", "own", "several"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(_STEPS), st.integers(0, 60)), max_size=30))
def test_after_any_writes_by_another_worker_the_copy_equals_the_diary_read_again(db_url: str, steps):
    import uuid

    from nosetwitch.domain.models import DayCheckIn, Diary, Episode
    from nosetwitch.services import episodes
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner
    from nosetwitch.storage.quick import QuickLog

    name = f"p{uuid.uuid4().hex[:10]}"  # a diary of its own per example
    DiaryService(db_url, owner=name).set_person(DiaryService(db_url, owner=name).get_person().model_copy(update={"timezone": "Europe/Berlin"}))
    other, this = DiaryOwner(DiaryService(db_url, owner=name)), DiaryOwner(DiaryService(db_url, owner=name))
    this.load_diary()
    at = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)
    ids: list[str] = []
    whole_writes = 0
    for step, n in steps:
        when = at + dt.timedelta(minutes=(n * 7) % 120)  # instants shared by several episodes
        twitch = {"started_at": when, "sites": ["nose", "cheek"][: 1 + n % 2], "interferes_with": ["eating"] if n % 5 == 0 else []}
        if step == "log":
            ids.append(other.log_twitch(twitch).id)
        elif step == "cli":
            ids.append(DiaryService(db_url, owner=name).add_episode(id=f"c{len(ids)}", **twitch).id)
        elif step == "quick":
            quick = QuickLog.open(db_url, username=name)
            store = quick if quick is not None else DiaryService(db_url, owner=name)
            ids.append(episodes.log_twitch(store, twitch).id)
            if quick is not None:
                quick.close()
        elif step == "own":
            ids.append(this.log_twitch(twitch).id)
        elif step == "several":
            stored = episodes.log_twitches(DiaryService(db_url, owner=name), [twitch, {**twitch, "sites": ["jaw"]}])
            ids += [e.id for e in stored if isinstance(e, Episode)]
        elif step == "read":
            _same_as_stored(this, db_url, name)
        elif step in ("edit", "delete", "remedy") and not ids:
            continue
        else:
            whole_writes += 1
            if step == "edit":
                other.update_episode(ids[n % len(ids)], intensity=1 + n % 5, sites=["eyelid"])
            elif step == "delete":
                other.delete_episode(ids.pop(n % len(ids)))
            elif step == "symptom":
                other.add_symptom(code="pain", onset="gradual", started_at=when)
            elif step == "day":
                other.upsert_day(DayCheckIn(date=dt.date(2026, 3, 1) + dt.timedelta(days=n % 5), caffeine_mg=float(n)))
            elif step == "remedy":
                other.add_remedy(code="massage", at=when, episode_id=ids[n % len(ids)])
            elif step == "medication":
                other.add_medication(name=f"medicine {n}")
            elif step == "person":
                other.update_person(timezone="UTC" if n % 2 else "Asia/Tokyo")
            elif step == "import":
                person = DiaryService(db_url, owner=name).get_person()
                other.import_diary(Diary(person=person, episodes=[Episode(id=f"i{n}", started_at=when, note="imported")]))
                ids += [f"i{n}"] if f"i{n}" not in ids else []
    _same_as_stored(this, db_url, name)
    assert this.full_loads <= 1 + whole_writes  # appends alone never make it read the whole diary
    if not whole_writes:
        assert this.full_loads == 1
