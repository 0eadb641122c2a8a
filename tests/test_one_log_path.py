"""Every interface's "log a twitch" reaches one method: `services.episodes.log_twitches`.

Each test spies on that function, logs a twitch the way a person would (the
CLI, the API in local and multi-user mode, the quick-log page, a paired phone,
a script on the service), and checks that the twitch went through the spy
once, with the store the service chose, and was stored.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from typing import Any

import pytest
from web_support import ApiClient

from nosetwitch.domain.models import Person
from nosetwitch.interfaces.web import create_app
from nosetwitch.interfaces.web.phone import LanMode
from nosetwitch.services import episodes
from nosetwitch.services.diary import DiaryService

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Calls = list[tuple[str, list[Any]]]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """(store class name, twitches) of every call of `log_twitches`."""
    calls: Calls = []
    original = episodes.log_twitches

    def spying(store: Any, twitches: Any, *, now: Any = None) -> Any:
        calls.append((type(store).__name__, list(twitches)))
        return original(store, twitches, now=now)

    monkeypatch.setattr(episodes, "log_twitches", spying)
    return calls


def _notes(calls: Calls) -> list[str | None]:
    return [dict(twitch).get("note") for _, twitches in calls for twitch in twitches]


def _stored_notes(url: str) -> list[str | None]:
    return [e.note for e in DiaryService(url).load_diary().episodes]


def test_the_cli_on_the_quick_path(cli, sqlite_url: str, spy: Calls):
    DiaryService(sqlite_url).set_person(Person(timezone="Europe/Berlin"))  # a diary in use: the quick path applies
    code, out, err = cli("--db", sqlite_url, "log", "twitch", "--note", "cli quick")
    assert code == 0, err
    assert [store for store, _ in spy] == ["QuickLog"] and _notes(spy) == ["cli quick"]
    assert _stored_notes(sqlite_url) == ["cli quick"] and "Logged twitch e1" in out


def test_the_cli_on_a_new_diary_takes_the_full_service(cli, sqlite_url: str, spy: Calls):
    code, _, err = cli("--db", sqlite_url, "log", "twitch", "--note", "cli first")
    assert code == 0, err
    assert [store for store, _ in spy] == ["DiaryService"] and _notes(spy) == ["cli first"]
    assert _stored_notes(sqlite_url) == ["cli first"]


def test_the_cli_refuses_with_the_services_words(cli, sqlite_url: str, spy: Calls):
    DiaryService(sqlite_url).set_person(Person(timezone="Europe/Berlin"))
    code, _, err = cli("--db", sqlite_url, "log", "twitch", "--intensity", "9")
    assert code == 2 and err.startswith("nosetwitch: error: episode: intensity") and err.count("\n") == 1
    assert [store for store, _ in spy] == ["QuickLog"] and _stored_notes(sqlite_url) == []


@pytest.mark.parametrize("multi_user", [False, True], ids=["local mode", "multi-user mode"])
def test_the_api(sqlite_url: str, spy: Calls, multi_user: bool):
    api = ApiClient(create_app(sqlite_url, multi_user=multi_user, secure_cookies=True))
    if multi_user:
        assert api.login("alice", "correct horse battery", register=True).status_code == 201
    answer = api.post("/api/v1/episodes", {"note": "api"})
    assert answer.status_code == 201, answer.text
    assert [store for store, _ in spy] == ["DiaryService"] and _notes(spy) == ["api"]
    assert api.get(f"/api/v1/episodes/{answer.json()['id']}").json()["note"] == "api"


def test_the_quick_log_page(sqlite_url: str, spy: Calls):
    page = TestClient(create_app(sqlite_url), base_url="https://testserver", follow_redirects=False)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/").text).group(1)
    answer = page.post("/log", data={"csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/episodes/e1?new=1"
    assert [store for store, _ in spy] == ["DiaryService"]
    assert len(DiaryService(sqlite_url).load_diary().episodes) == 1


def test_a_paired_phone_with_and_without_javascript(sqlite_url: str, spy: Calls):
    lan_address = "10.203.0.1"
    lan = LanMode(lan_address, 8765)
    app = create_app(sqlite_url, allowed_hosts=["localhost", "127.0.0.1", "::1", lan_address], lan=lan)
    phone = TestClient(app, base_url=f"http://{lan_address}:8765", client=("10.203.0.2", 50002), follow_redirects=False)
    pair_form = phone.get("/pair").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', pair_form).group(1)
    assert phone.post("/pair", data={"csrf_token": csrf, "code": lan.codes.new().code}).status_code == 303
    # phone.js: the tap with the id and time made on the phone, as JSON
    token = phone.get("/api/v1/session").json()["csrf_token"]
    tap = {"id": "tap-1", "started_at": "2026-03-28T21:15:30+00:00"}
    assert phone.post("/api/v1/episodes", json=tap, headers={"X-CSRF-Token": token}).status_code == 201
    # without JavaScript: the form on the quick-log page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', phone.get("/").text).group(1)
    assert phone.post("/log", data={"csrf_token": csrf}).status_code == 303
    assert [store for store, _ in spy] == ["DiaryService", "DiaryService"]
    assert [dict(twitches[0]).get("id") for _, twitches in spy] == ["tap-1", None]
    assert len(DiaryService(sqlite_url).load_diary().episodes) == 2


def test_a_script_on_the_service(sqlite_url: str, spy: Calls):
    DiaryService(sqlite_url).add_episode(started_at="2026-03-10T21:30:00+01:00", note="script")
    assert [store for store, _ in spy] == ["DiaryService"] and _notes(spy) == ["script"]


_LOADED = """
import sys
from nosetwitch.interfaces.cli.main import run
run(["--db", sys.argv[1], "log", "twitch"])
print("sqlalchemy loaded:", "sqlalchemy" in sys.modules)
"""


def test_the_quick_path_starts_without_sqlalchemy(sqlite_url: str):
    def loaded() -> str:
        done = subprocess.run([sys.executable, "-c", _LOADED, sqlite_url], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[-1]

    # A new diary needs the full service (and its schema): SQLAlchemy is loaded.
    assert loaded() == "sqlalchemy loaded: True"
    # From then on `log twitch` takes the quick path: importing SQLAlchemy alone takes
    # longer than the whole command may (bench/cli_startup.py).
    assert loaded() == "sqlalchemy loaded: False"
    assert len(DiaryService(sqlite_url).load_diary().episodes) == 2
