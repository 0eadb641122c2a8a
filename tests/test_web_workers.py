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
        for _ in range(60):  # a new connection each time: the kernel hands them to either process
            workers.add(json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=5).read())["worker"])
            if len(workers) == 2:
                break
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
