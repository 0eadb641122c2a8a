"""The phone (issue 14): idempotent twitch creation, pairing in local mode, the
installable app's manifest, and the reminder calendar (.ics).

The pairing journey over a real network path (a network namespace) is in
test_phone_network.py; the offline queue in the browser in browser/test_phone_browser.py.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from web_support import ApiClient, assert_problem

from nosetwitch.interfaces.web import create_app
from nosetwitch.interfaces.web.phone import CODE_ALPHABET, DEVICE_COOKIE, LanMode, PairingCodes, normalize_code
from nosetwitch.storage.models import DeviceRow, EpisodeRow

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LAN = "10.203.0.1"
PHONE_ADDRESS = "10.203.0.2"
TAP = {"id": "tap-3f1c2a9e-0b7d-4c55-9a61-2f0e8d4b7c11", "started_at": "2026-03-28T21:15:30.125+00:00"}


def _rows(db_url: str, table) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


# --- idempotent create ------------------------------------------------------------------------------


def test_the_same_twitch_sent_twice_is_stored_once(db_url: str):
    api = ApiClient(create_app(db_url))
    first = api.post("/api/v1/episodes", TAP)
    assert first.status_code == 201, first.text
    again = api.post("/api/v1/episodes", TAP)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    # the same instant written with another offset is the same twitch
    assert api.post("/api/v1/episodes", {**TAP, "started_at": "2026-03-28T22:15:30.125+01:00"}).status_code == 200
    assert _rows(db_url, EpisodeRow) == 1
    assert api.get("/api/v1/episodes").json()["total"] == 1


def test_a_repeated_id_with_different_content_is_a_conflict_naming_id(db_url: str):
    api = ApiClient(create_app(db_url))
    assert api.post("/api/v1/episodes", TAP).status_code == 201
    clash = assert_problem(api.post("/api/v1/episodes", {**TAP, "started_at": "2026-03-28T21:16:00+00:00"}), 409, "id")
    assert "different twitch" in clash["detail"]
    assert_problem(api.post("/api/v1/episodes", {**TAP, "intensity": 4}), 409, "id")
    stored = api.get(f"/api/v1/episodes/{TAP['id']}").json()
    assert stored["intensity"] is None and stored["started_at"].startswith("2026-03-28T21:15:30")
    assert _rows(db_url, EpisodeRow) == 1


def test_idempotent_create_in_multi_user_mode_keeps_diaries_apart(db_url: str):
    app = create_app(db_url, multi_user=True, secure_cookies=True)
    alice, bob = ApiClient(app), ApiClient(app)
    assert alice.login("alice", "correct horse battery", register=True).status_code == 201
    assert bob.login("bob", "another long secret", register=True).status_code == 201
    assert alice.post("/api/v1/episodes", TAP).status_code == 201
    assert alice.post("/api/v1/episodes", TAP).status_code == 200
    assert bob.post("/api/v1/episodes", TAP).status_code == 201  # bob's own twitch, same device id
    assert _rows(db_url, EpisodeRow) == 2


def test_the_log_form_takes_the_tap_id_and_time_and_stores_a_repeat_once(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    page = TestClient(create_app(db_url), base_url="https://testserver", follow_redirects=False)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/").text).group(1)
    for _ in range(2):
        answer = page.post("/log", data={"csrf_token": csrf, **TAP})
        assert answer.status_code == 303 and answer.headers["location"] == f"/episodes/{TAP['id']}?new=1"
    assert _rows(db_url, EpisodeRow) == 1
    bad = page.post("/log", data={"csrf_token": csrf, "id": "x" * 65, "started_at": "yesterday"})
    assert bad.status_code == 422 and "started_at" in bad.text and "id" in bad.text
    assert _rows(db_url, EpisodeRow) == 1


# --- pairing (in process; over a real network in test_phone_network.py) -----------------------------------


class FixedClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def lan_app(tmp_path):
    clock = FixedClock()
    lan = LanMode(LAN, 8765, codes=PairingCodes(clock=clock))
    db_url = f"sqlite:///{tmp_path / 'lan.sqlite3'}"
    app = create_app(db_url, allowed_hosts=["localhost", "127.0.0.1", "::1", LAN], lan=lan)
    return app, lan, clock, db_url


def _computer(app) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8765", client=("127.0.0.1", 50001), follow_redirects=False)


def _phone(app, address: str = PHONE_ADDRESS) -> TestClient:
    return TestClient(app, base_url=f"http://{LAN}:8765", client=(address, 50002), follow_redirects=False)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _new_code(computer: TestClient) -> str:
    page = computer.get("/profile/phone")
    assert page.status_code == 200 and "Show a pairing code" in page.text
    shown = computer.post("/profile/phone/code", data={"csrf_token": _csrf(page.text)})
    assert shown.status_code == 200 and "<svg" in shown.text
    return normalize_code(re.search(r'data-testid="pairing-code">([A-Z0-9-]+)<', shown.text).group(1))


def _pair(phone: TestClient, code: str | None, **extra):
    form = phone.get("/pair")
    data = {"csrf_token": _csrf(form.text), **extra}
    if code is not None:
        data["code"] = code
    return phone.post("/pair", data=data)


def test_an_unpaired_phone_sees_only_the_pair_page(lan_app):
    app, _, _, _ = lan_app
    computer, phone = _computer(app), _phone(app)
    computer.post("/log", data={"csrf_token": _csrf(computer.get("/").text), "id": "secret-twitch"})
    for path in ("/", "/history", "/overview", "/episodes/secret-twitch", "/profile"):
        answer = phone.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/pair", path
    pair = phone.get("/pair")
    assert pair.status_code == 200 and "Pair this device" in pair.text and "secret-twitch" not in pair.text
    assert 'href="/history"' not in pair.text  # no navigation into the diary
    assert_problem(phone.get("/api/v1/episodes"), 401)
    assert phone.post("/log", data={}).status_code == 403
    assert phone.get("/static/app.css").status_code == 200
    assert phone.get("/manifest.webmanifest").status_code == 200
    assert computer.get("/").status_code == 200  # loopback needs no pairing
    # Host checks allow exactly the addresses served
    assert TestClient(app, base_url="http://evil.example:8765", client=(PHONE_ADDRESS, 1)).get("/pair").status_code == 400
    assert TestClient(app, base_url="http://10.203.0.9:8765", client=("127.0.0.1", 1)).get("/").status_code == 400


def test_pairing_with_a_code_then_unpair(lan_app):
    app, lan, clock, db_url = lan_app
    computer, phone = _computer(app), _phone(app)
    code = _new_code(computer)
    paired = _pair(phone, code, name="My phone")
    assert paired.status_code == 303 and paired.headers["location"] == "/"
    cookie = phone.cookies.get(DEVICE_COOKIE)
    assert cookie and len(cookie) >= 40
    stored = create_engine(db_url).connect().execute(select(DeviceRow.token_hash, DeviceRow.name)).all()
    assert [name for _, name in stored] == ["My phone"] and stored[0][0] != cookie  # only a hash is kept
    assert phone.get("/").status_code == 200 and "Log a twitch" in phone.get("/").text
    csrf = phone.get("/api/v1/session").json()["csrf_token"]
    assert phone.post("/api/v1/episodes", json=TAP, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert TAP["id"] in computer.get("/api/v1/episodes").text
    listing = computer.get("/profile/phone").text
    assert "My phone" in listing and "Unpair" in listing
    # the used code does not pair a second phone
    other = _phone(app, "10.203.0.3")
    assert _pair(other, code).status_code == 403 and other.cookies.get(DEVICE_COOKIE) is None
    # pairing codes are made on the computer only
    assert phone.post("/profile/phone/code", data={"csrf_token": _csrf(phone.get('/profile/phone').text)}).status_code == 403
    pk = re.search(r'action="/devices/(\d+)/unpair"', listing).group(1)
    assert computer.post(f"/devices/{pk}/unpair", data={"csrf_token": _csrf(listing)}).status_code == 303
    assert phone.get("/").headers["location"] == "/pair"
    assert_problem(phone.get("/api/v1/episodes"), 401)


def test_wrong_expired_and_flooded_codes_pair_nothing(lan_app):
    app, lan, clock, db_url = lan_app
    computer = _computer(app)
    code = _new_code(computer)
    assert "aria-invalid" in _pair(_phone(app, "10.203.0.10"), "ABCD2345" if code != "ABCD2345" else "ABCD2346").text
    missing = _pair(_phone(app, "10.203.0.11"), None)
    assert missing.status_code == 422 and "enter the code" in missing.text
    long = _pair(_phone(app, "10.203.0.12"), "A" * 33)
    assert long.status_code == 422 and "too long" in long.text
    clock.now += 301
    expired = _pair(_phone(app, "10.203.0.13"), code)
    assert expired.status_code == 403 and "expired" in expired.text
    # a flood from one address: refused with 429 before the limit of 20 in all
    code = _new_code(computer)
    flooder = _phone(app, "10.203.0.14")
    answers = [_pair(flooder, "".join(CODE_ALPHABET[(i + j) % 32] for j in range(8))).status_code for i in range(6)]
    assert answers[:5] == [403] * 5 and answers[5] == 429
    refused = _pair(flooder, code)  # even the right code, while refused
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert _rows(db_url, DeviceRow) == 0


def test_a_pairing_code_works_once_in_constant_time(monkeypatch):
    import hmac

    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    clock = FixedClock()
    codes = PairingCodes(clock=clock)
    pairing = codes.new()
    assert len(pairing.code) == 8 and set(pairing.code) <= set(CODE_ALPHABET)
    assert not codes.redeem("WRONGCOD")
    assert codes.redeem(pairing.grouped.lower())  # typed with a dash, small letters
    assert not codes.redeem(pairing.code)  # used up
    assert compared
    later = codes.new()
    codes.new()  # a newer code replaces it
    assert not codes.redeem(later.code)


# --- the installable app ------------------------------------------------------------------------------


def test_the_manifest_and_the_service_worker_are_served(tmp_path):
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone" and body["theme_color"]
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    page = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page and "/static/phone.js" in page


# --- reminders ------------------------------------------------------------------------------------------


def _set_reminder(client: TestClient, at: str, days: list[str]):
    page = client.get("/profile/reminders")
    return client.post("/profile/reminders", data={"csrf_token": _csrf(page.text), "at": at, "days": days})


def _parse(body: bytes):
    from icalendar import Calendar

    calendar = Calendar.from_ical(body)
    events = [c for c in calendar.walk("VEVENT")]
    zones = [c for c in calendar.walk("VTIMEZONE")]
    return calendar, events, zones


def test_the_reminder_calendar_is_valid_and_right_across_a_dst_change(db_url: str):
    from dateutil.rrule import rrulestr

    app = create_app(db_url)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    csrf = _csrf(client.get("/profile").text)
    assert client.post("/profile", data={"csrf_token": csrf, "timezone": "Europe/Berlin"}).status_code == 303
    assert _set_reminder(client, "20:30", ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]).status_code == 303
    download = client.get("/profile/reminders/reminder.ics")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/calendar")
    assert "attachment" in download.headers["content-disposition"]
    calendar, events, zones = _parse(download.content)
    assert len(events) == 1
    event = events[0]
    assert str(event["rrule"].to_ical().decode()) == "FREQ=DAILY"
    assert len(event.walk("VALARM")) == 1 and event.walk("VALARM")[0]["action"] == "DISPLAY"
    assert event["url"].endswith("/day") and "/day" in event["description"]
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Europe/Berlin" and (start.hour, start.minute) == (20, 30)
    assert [z["tzid"] for z in zones] == ["Europe/Berlin"]
    # The VTIMEZONE itself (not the system's zone data) puts 20:30 at 19:30 UTC in
    # winter and 18:30 UTC in summer: the reminder keeps its local time across the change.
    vtimezone = zones[0].to_tz()
    occurrences = list(islice(rrulestr(event["rrule"].to_ical().decode(), dtstart=start.replace(tzinfo=None)), 400))
    winter = next(o for o in occurrences if o.month == 1)
    summer = next(o for o in occurrences if o.month == 7)
    for local, utc_hour in ((winter, 19), (summer, 18)):
        as_utc = local.replace(tzinfo=vtimezone).astimezone(dt.timezone.utc)
        assert (as_utc.hour, as_utc.minute) == (utc_hour, 30), (local, as_utc)
        assert local.replace(tzinfo=ZoneInfo("Europe/Berlin")).utcoffset() == local.replace(tzinfo=vtimezone).utcoffset()


def test_chosen_days_give_a_weekly_rule(tmp_path):
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}"), follow_redirects=False)
    assert _set_reminder(client, "07:05", ["MO", "WE", "FR"]).status_code == 303
    _, events, _ = _parse(client.get("/profile/reminders/reminder.ics").content)
    rule = events[0]["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and [str(d) for d in rule["BYDAY"]] == ["MO", "WE", "FR"]
    assert events[0].decoded("dtstart").strftime("%a") in ("Mon", "Wed", "Fri")


def test_bad_reminder_input_is_named_at_the_field(tmp_path):
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}"), follow_redirects=False)
    answer = _set_reminder(client, "25:99", [])
    assert answer.status_code == 422 and "give a time of day" in answer.text and "choose at least one day" in answer.text
    assert _set_reminder(client, "20:00", ["XX"]).status_code == 422
    assert client.get("/profile/reminders/reminder.ics").status_code == 404


def test_the_subscribed_calendar_needs_no_session_and_a_new_link_ends_the_old(db_url: str):
    app = create_app(db_url, multi_user=True, secure_cookies=True)
    alice = ApiClient(app)
    assert alice.login("alice", "correct horse battery", register=True).status_code == 201
    page = alice.http.get("/profile/reminders")
    alice.http.post("/profile/reminders", data={"csrf_token": _csrf(page.text), "at": "21:00", "days": ["SU"]})
    feed = re.search(r'value="(https://testserver/calendar/[^"]+\.ics)"', alice.http.get("/profile/reminders").text).group(1)
    stranger = TestClient(app, base_url="https://testserver")  # a calendar app: no cookie at all
    answer = stranger.get(feed)
    assert answer.status_code == 200 and b"BEGIN:VEVENT" in answer.content
    assert stranger.get("/calendar/not-a-token.ics").status_code == 404
    page = alice.http.get("/profile/reminders")
    alice.http.post("/profile/reminders/new-link", data={"csrf_token": _csrf(page.text)})
    assert stranger.get(feed).status_code == 404


def test_the_terminal_shows_the_qr_code_only_when_it_is_a_terminal(capsys, monkeypatch):
    import sys

    from nosetwitch.interfaces.web.cli import _show_pairing

    lan = LanMode(LAN, 8765)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _show_pairing(lan)
    shown = capsys.readouterr().out
    code = re.search(r"type ([A-Z0-9]{4}-[A-Z0-9]{4})", shown).group(1)
    assert "█" in shown and f"http://{LAN}:8765/pair" in shown
    assert lan.codes.redeem(code)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    _show_pairing(lan)
    logged = capsys.readouterr().out
    assert "█" not in logged and "no code is printed" in logged and lan.codes._current is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--lan", "--multi-user"], "--lan is for local mode"),
        (["--lan-address", "0.0.0.0"], "not a home-network address"),
        (["--lan-address", "127.0.0.1"], "not a home-network address"),
        (["--lan-address", "my-laptop"], "not an IP address"),
        (["--certfile", "cert.pem"], "--certfile and --keyfile go together"),
        (["--certfile", "/nonexistent/cert.pem", "--keyfile", "/nonexistent/key.pem"], "no such file"),
    ],
)
def test_bad_serve_options_are_one_clear_line(cli, args, says):
    code, out, err = cli("serve", *args)
    assert code == 2 and says in err and err.count("\n") == 1, (code, out, err)
