"""Sessions that really end, the login limit, passwords and account deletion (multi-user mode),
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine, inspect, text
from web_support import ApiClient, assert_problem

from nosetwitch.interfaces.web import create_app
from nosetwitch.interfaces.web.security import LoginThrottle

PASSWORD = "correct horse battery"
NEW_PASSWORD = "purple giraffe lantern"


@pytest.fixture
def server(db_url: str):
    return create_app(db_url, multi_user=True, secure_cookies=True)


def _registered(server, name: str = "alice") -> ApiClient:
    client = ApiClient(server)
    assert client.login(name, PASSWORD, register=True).status_code == 201
    return client


def _replay(server, cookies) -> ApiClient:
    """Another client that presents a copy of a session cookie taken earlier."""
    thief = ApiClient(server)
    thief.http.cookies.clear()
    for name, value in cookies.items():
        thief.http.cookies.set(name, value, domain="testserver.local")
    thief.refresh()
    return thief


def test_a_cookie_copied_before_logout_is_worth_nothing_after_it(server):
    alice = _registered(server)
    assert alice.post("/api/v1/episodes", {"note": "mine"}).status_code == 201
    stolen = dict(alice.http.cookies)
    thief = _replay(server, stolen)
    assert thief.get("/api/v1/episodes").status_code == 200  # the copy works while the session lives

    assert alice.post("/api/v1/logout").status_code == 204
    thief = _replay(server, stolen)
    assert_problem(thief.get("/api/v1/episodes"), 401)
    assert_problem(thief.post("/api/v1/episodes", {"note": "not mine"}), 401)
    assert thief.get("/api/v1/session").json()["user"] is None


def test_log_out_everywhere_ends_every_session_of_the_account(server):
    laptop = _registered(server)
    phone = ApiClient(server)
    assert phone.login("alice", PASSWORD).status_code == 200
    bob = _registered(server, "bob")
    assert laptop.post("/api/v1/logout?everywhere=true").status_code == 204
    assert_problem(phone.get("/api/v1/episodes"), 401)
    assert_problem(laptop.get("/api/v1/episodes"), 401)
    assert bob.get("/api/v1/episodes").status_code == 200  # another person's session lives on


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(server):
    laptop = _registered(server)
    phone = ApiClient(server)
    phone.login("alice", PASSWORD)
    assert_problem(laptop.post("/api/v1/password", {"current_password": "wrong password!", "new_password": NEW_PASSWORD}), 403, "current_password")
    weak = assert_problem(laptop.post("/api/v1/password", {"current_password": PASSWORD, "new_password": "1234567890"}), 422, "new_password")
    assert "common password" in weak["detail"]  # zxcvbn's feedback, not only a length
    changed = laptop.post("/api/v1/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    laptop.csrf = changed.json()["csrf_token"]
    assert laptop.get("/api/v1/episodes").status_code == 200
    assert_problem(phone.get("/api/v1/episodes"), 401)
    assert_problem(ApiClient(server).login("alice", PASSWORD), 401)
    assert ApiClient(server).login("alice", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("password", ["1234567890", " " * 10, "passwordpassword", "qwertyuiop"])
def test_easy_passwords_are_refused_with_advice(server, password):
    body = assert_problem(ApiClient(server).login("carol", password, register=True), 422, "password")
    assert "guess" in body["detail"]


def test_an_idle_session_expires(server, db_url):
    alice = _registered(server)
    bob = _registered(server, "bob")
    engine = create_engine(db_url)
    with engine.begin() as connection:  # alice's browser was last seen three days ago
        connection.execute(
            text("UPDATE sessions SET last_seen_at = :then WHERE owner_id = (SELECT id FROM users WHERE username = 'alice')"),
            {"then": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=3)},
        )
    engine.dispose()
    assert_problem(alice.get("/api/v1/episodes"), 401)
    assert bob.get("/api/v1/episodes").status_code == 200


def _rows_of(url: str, user_id: int) -> dict[str, int]:
    """Rows that point at the user, in every table of the database (by any column naming users)."""
    engine = create_engine(url)
    counts = {}
    try:
        with engine.connect() as connection:
            for table in inspect(engine).get_table_names():
                if table == "alembic_version":
                    continue
                columns = {c["name"] for c in inspect(engine).get_columns(table)}
                for column in ("owner_id", "user_id") if table != "users" else ("id",):
                    if column in columns:
                        counts[f"{table}.{column}"] = connection.execute(text(f'SELECT count(*) FROM "{table}" WHERE "{column}" = :u'), {"u": user_id}).scalar()
    finally:
        engine.dispose()
    return counts


def test_deleting_the_account_removes_every_row_of_the_person(server, db_url):
    from web_support import demo_document

    alice = _registered(server)
    bob = _registered(server, "bob")
    assert alice.post("/api/v1/import", content=demo_document(days=30), headers={"content-type": "application/json"}).status_code == 200
    bob.post("/api/v1/episodes", {"note": "bob's"})
    alice.post("/api/v1/medications", {"name": "atorvastatin"})
    alice.post("/api/v1/check?save=true", {})
    alice_id = server.state.web.accounts.find("alice").id
    before = _rows_of(db_url, alice_id)
    assert before["users.id"] == 1 and before["episodes.owner_id"] > 10 and before["sessions.owner_id"] == 1

    assert_problem(alice.post("/api/v1/account/delete", {"password": PASSWORD, "confirm": "bob"}), 422, "confirm")
    assert_problem(alice.post("/api/v1/account/delete", {"password": "not my password", "confirm": "alice"}), 403, "password")
    assert alice.post("/api/v1/account/delete", {"password": PASSWORD, "confirm": "alice"}).status_code == 204

    after = _rows_of(db_url, alice_id)
    assert set(after) == set(before) and not any(after.values()), after
    assert_problem(alice.get("/api/v1/episodes"), 401)
    assert_problem(ApiClient(server).login("alice", PASSWORD), 401)
    assert bob.get("/api/v1/episodes").json()["total"] == 1  # nobody else lost anything


@pytest.mark.parametrize("variant", ["frank ", " frank", "frank\n", "FRANK", "\tFrank "])
def test_the_login_limit_counts_the_name_as_login_reads_it(db_url, variant):
    server = create_app(db_url, multi_user=True, login_throttle=LoginThrottle(per_name=3, per_address=1000))
    _registered(server, "frank")
    attacker = ApiClient(server)
    for _ in range(3):
        assert_problem(attacker.login("frank", "guess guess guess"), 401)
    assert_problem(attacker.login(variant, "guess guess guess"), 429)
    assert_problem(attacker.login(variant, PASSWORD), 429)  # not even the right password, spelled differently


def test_forty_parallel_wrong_logins_check_only_as_many_as_the_limit(db_url):
    server = create_app(db_url, multi_user=True, login_throttle=LoginThrottle(per_name=5, per_address=1000))
    _registered(server, "grace")
    client = ApiClient(server)
    statuses: list[int] = []
    barrier = threading.Barrier(40)

    def guess():
        barrier.wait()
        statuses.append(client.post("/api/v1/login", {"username": "grace", "password": "a wrong guess"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == 5 and statuses.count(429) == 35, statuses


def test_the_login_limit_remembers_a_bounded_number_of_names():
    throttle = LoginThrottle(per_name=5, per_address=10**9, window_s=900, max_keys=1000)
    for i in range(20_000):
        throttle.attempt(f"name{i}", "10.0.0.1", now=float(i) / 100)
    assert throttle.remembered <= 1000
    throttle.attempt("late", "10.0.0.2", now=10_000.0)  # long after: the old windows are swept
    assert throttle.remembered <= 3


def test_the_client_address_comes_from_a_proxy_header_only_from_a_configured_proxy():
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    seen = []

    async def app(scope, receive, send):
        seen.append(scope["client"][0])

    import asyncio

    def call(trusted: str, peer: str):
        scope = {"type": "http", "client": (peer, 5000), "headers": [(b"x-forwarded-for", b"203.0.113.9")], "scheme": "http"}
        # in a thread of its own: the browser tests' driver may keep an event loop running in this one
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None)).result()

    call("127.0.0.1", "127.0.0.1")
    call("127.0.0.1", "198.51.100.7")  # not the proxy: its header is ignored
    call("", "127.0.0.1")  # no proxy configured (the default of `serve`)
    assert seen == ["203.0.113.9", "198.51.100.7", "127.0.0.1"]


def test_a_reset_link_works_once(server, db_url, cli):
    import re

    _registered(server, "heidi")
    phone = ApiClient(server)
    phone.login("heidi", PASSWORD)
    code, out, err = cli("--db", db_url, "user", "reset-password", "heidi", "--url", "https://diary.example")
    assert code == 0, err
    link = out.strip()
    token = re.fullmatch(r"https://diary\.example/reset-password\?token=([\w-]+)", link).group(1)
    browser = ApiClient(server)
    assert "New password" in browser.get(f"/reset-password?token={token}").text
    weak = browser.form("/reset-password", {"token": token, "new_password": "1234567890", "new_password2": "1234567890"})
    assert weak.status_code == 422 and "guess" in weak.text
    done = browser.form("/reset-password", {"token": token, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 303
    assert_problem(phone.get("/api/v1/episodes"), 401)  # the old sessions ended with the old password
    assert ApiClient(server).login("heidi", NEW_PASSWORD).status_code == 200
    again = browser.form("/reset-password", {"token": token, "new_password": "another fresh passphrase", "new_password2": "another fresh passphrase"})
    assert again.status_code == 404
    code, _, err = cli("--db", db_url, "user", "reset-password", "nobody")
    assert code == 2 and err.count("\n") == 1


# --- the session cookie's signature, checked once per cookie ------------------------------


def test_a_remembered_cookie_still_expires_and_a_forged_one_is_still_refused(monkeypatch):
    import itsdangerous

    from nosetwitch.interfaces.web.security import _RememberingSigner

    signer = _RememberingSigner("secret " * 5)
    cookie = signer.sign(b"payload")
    assert signer.unsign(cookie, max_age=60) == b"payload"
    assert signer.unsign(cookie, max_age=60) == b"payload"  # the second time from memory

    forged = cookie[:-1] + (b"A" if cookie[-1:] != b"A" else b"B")
    with pytest.raises(itsdangerous.BadSignature):
        signer.unsign(forged, max_age=60)
    with pytest.raises(itsdangerous.BadSignature):
        _RememberingSigner("another secret " * 3).unsign(cookie, max_age=60)

    signed_at = signer.get_timestamp()
    monkeypatch.setattr(signer, "get_timestamp", lambda: signed_at + 61)
    with pytest.raises(itsdangerous.SignatureExpired):
        signer.unsign(cookie, max_age=60)


def test_a_session_cookie_signed_with_another_key_gets_no_session(db_url: str):
    """The CSRF token of one server's session is worth nothing on a server with another key."""
    first = ApiClient(create_app(db_url, secret_key="one key " * 4))
    second = create_app(db_url, secret_key="another key " * 4)
    assert first.post("/api/v1/episodes", json={}).status_code == 201  # the first has checked its cookie
    replayed = _replay(second, first.http.cookies)
    response = replayed.http.post("/api/v1/episodes", json={}, headers={"X-CSRF-Token": first.csrf})
    assert_problem(response, 403, field="csrf_token")
    assert first.post("/api/v1/episodes", json={}).status_code == 201
