"""Multi-user mode: accounts, sessions, login throttling, and strict isolation of diaries."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from web_support import ApiClient, assert_problem

from nosetwitch.interfaces.web import create_app
from nosetwitch.interfaces.web.security import LoginThrottle

PASSWORD_A = "correct horse battery"
PASSWORD_B = "another long secret"


@pytest.fixture
def server(db_url: str):
    return create_app(db_url, multi_user=True, secure_cookies=True)


@pytest.fixture
def alice(server) -> ApiClient:
    client = ApiClient(server)
    assert client.login("alice", PASSWORD_A, register=True).status_code == 201
    return client


@pytest.fixture
def bob(server) -> ApiClient:
    client = ApiClient(server)
    assert client.login("bob", PASSWORD_B, register=True).status_code == 201
    return client


def _fill(client: ApiClient) -> dict[str, str]:
    """One record of every kind; returns the URL of each."""
    client.post("/api/v1/episodes", {"id": "e1", "started_at": "2026-03-10T20:00:00+01:00", "note": "alice's"})
    client.post("/api/v1/symptoms", {"id": "s1", "code": "pain", "onset": "gradual", "started_at": "2026-03-10T20:00:00+01:00"})
    client.put("/api/v1/days/2026-03-10", {"sleep_h": 5})
    remedy = client.post("/api/v1/remedies", {"code": "massage", "at": "2026-03-10T20:01:00+01:00", "episode_id": "e1"}).json()["id"]
    medication = client.post("/api/v1/medications", {"name": "atorvastatin"}).json()["id"]
    return {
        "episodes": "/api/v1/episodes/e1",
        "symptoms": "/api/v1/symptoms/s1",
        "days": "/api/v1/days/2026-03-10",
        "remedies": f"/api/v1/remedies/{remedy}",
        "medications": f"/api/v1/medications/{medication}",
    }


PATCHES = {
    "episodes": {"note": "bob was here"},
    "symptoms": {"severity": 9},
    "days": {"sleep_h": 9},
    "remedies": {"helped": False},
    "medications": {"dose": "lots"},
}


def test_another_user_gets_404_for_every_record_of_someone_else(alice: ApiClient, bob: ApiClient):
    urls = _fill(alice)
    for kind, url in urls.items():
        assert_problem(bob.get(url), 404)
        assert_problem(bob.patch(url, PATCHES[kind]), 404)
        assert_problem(bob.delete(url), 404)
    # ... and alice's records are untouched by those attempts
    for kind, url in urls.items():
        record = alice.get(url)
        assert record.status_code == 200, (kind, record.text)
        changed = PATCHES[kind]
        assert all(record.json().get(k) != v for k, v in changed.items()), kind


def test_no_list_shows_another_users_rows(alice: ApiClient, bob: ApiClient):
    _fill(alice)
    bob.post("/api/v1/episodes", {"id": "e1", "started_at": "2026-03-11T09:00:00+01:00", "note": "bob's"})
    for kind in ("episodes", "symptoms", "days", "remedies", "medications"):
        listed = bob.get(f"/api/v1/{kind}").json()
        assert all(item.get("note") != "alice's" for item in listed["items"])
        assert listed["total"] == (1 if kind == "episodes" else 0), kind
    assert bob.get("/api/v1/episodes/e1").json()["note"] == "bob's"  # the same id, bob's own record
    assert alice.get("/api/v1/episodes/e1").json()["note"] == "alice's"
    exported = bob.get("/api/v1/export").json()
    assert [e["note"] for e in exported["episodes"]] == ["bob's"] and exported["medications"] == []
    assert bob.get("/api/v1/overview").json()["week_count"] <= 1
    assert bob.get("/api/v1/insights").json()["summary"]["episodes"] == 1
    assert bob.get("/api/v1/triage", params={"as_of": "2026-03-11T10:00:00+01:00"}).json()["level"] == "self_care"
    assert alice.get("/api/v1/triage", params={"as_of": "2026-03-11T10:00:00+01:00"}).json()["level"] == "consult"


def test_pages_of_another_user_are_not_found_either(alice: ApiClient, bob: ApiClient):
    _fill(alice)
    assert bob.get("/episodes/e1").status_code == 404
    assert bob.form("/episodes/e1/delete").status_code == 404
    assert "alice" not in bob.get("/history").text.lower()
    assert alice.get("/api/v1/episodes/e1").status_code == 200


def test_without_login_the_api_says_401_and_pages_redirect_to_login(server):
    anonymous = ApiClient(server)
    assert_problem(anonymous.get("/api/v1/episodes"), 401)
    assert_problem(anonymous.post("/api/v1/episodes", {}), 401)
    page = anonymous.get("/history", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anonymous.get("/login").status_code == 200


def test_session_cookie_is_httponly_samesite_and_secure(server):
    client = ApiClient(server)
    response = client.post("/api/v1/register", {"username": "carol", "password": "a very long password"})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_passwords_are_stored_as_argon2id_hashes(db_url: str, alice: ApiClient):
    engine = create_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users WHERE username = 'alice'")).scalar()
    engine.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD_A not in stored


def test_login_logout_and_wrong_password(server, alice: ApiClient):
    other = ApiClient(server)
    assert_problem(other.login("alice", "wrong password!"), 401)
    assert other.login("ALICE", PASSWORD_A).status_code == 200  # names are case-insensitive
    assert other.get("/api/v1/session").json()["user"] == "alice"
    assert other.post("/api/v1/logout").status_code == 204
    assert_problem(other.get("/api/v1/episodes"), 401)


def test_signup_rules_name_the_field(server, alice: ApiClient):
    client = ApiClient(server)
    assert_problem(client.login("alice", "yet another password", register=True), 422, "username")
    assert_problem(client.login("dave", "short", register=True), 422, "password")
    assert_problem(client.login("local", "a long enough password", register=True), 422, "username")


def test_signup_can_be_closed(db_url: str):
    client = ApiClient(create_app(db_url, multi_user=True, allow_signup=False))
    assert_problem(client.login("erin", "a long enough password", register=True), 403)


def test_repeated_failed_logins_are_throttled(db_url: str):
    server = create_app(db_url, multi_user=True, login_throttle=LoginThrottle(per_name=3, per_address=50))
    owner = ApiClient(server)
    owner.login("frank", "frank's long password", register=True)
    attacker = ApiClient(server)
    for _ in range(3):
        assert_problem(attacker.login("frank", "guess guess guess"), 401)
    throttled = attacker.login("frank", "frank's long password")  # even the right password waits
    assert_problem(throttled, 429)
    assert int(throttled.headers["retry-after"]) > 0


def test_login_throttle_window_slides():
    throttle = LoginThrottle(per_name=2, per_address=10, window_s=60)
    throttle.failed("x", "1.2.3.4", now=0)
    throttle.failed("x", "1.2.3.4", now=10)
    assert throttle.retry_after("x", "1.2.3.4", now=20) == 41
    assert throttle.retry_after("y", "1.2.3.4", now=20) == 0  # another name from the same address
    assert throttle.retry_after("x", "1.2.3.4", now=61) == 0  # the first failure left the window
