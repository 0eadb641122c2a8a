"""The HTML pages as a browser without JavaScript uses them: plain form posts
with the CSRF field, answered by a redirect or the form with its mistakes."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from web_support import ApiClient, demo_document

from nosetwitch.interfaces.web import create_app


@pytest.fixture
def web(sqlite_url: str) -> ApiClient:
    return ApiClient(create_app(sqlite_url))


@pytest.fixture
def demo(web: ApiClient) -> ApiClient:
    assert web.post("/api/v1/import", content=demo_document(), headers={"content-type": "application/json"}).status_code == 200
    return web


PAGES = ("/", "/day", "/overview", "/history", "/history?kind=days", "/history?kind=symptoms", "/history?kind=remedies", "/insights", "/check", "/learn", "/data", "/profile", "/symptoms/new", "/api/docs")


def test_every_page_renders_on_an_empty_diary(web: ApiClient):
    for path in PAGES:
        assert web.get(path).status_code == 200, path
    assert "Not enough data yet" in web.get("/insights").text


def test_every_page_renders_with_the_not_a_diagnosis_footer(demo: ApiClient):
    for path in PAGES:
        page = demo.get(path)
        assert page.status_code == 200, path
        assert "nosetwitch does not diagnose" in page.text, path
        assert 'name="csrf_token" value=""' not in page.text, path  # every form carries the real token


def test_twitching_now_logs_at_now_and_offers_details(web: ApiClient):
    answer = web.form("/log")
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert re.fullmatch(r"/episodes/e1\?new=1", target)
    details = web.get(target).text
    assert "Logged a twitch at" in details and "add details" in details.lower()
    saved = web.form("/episodes/e1", {"started_at": "2026-03-10T20:15", "intensity": "4", "sites": ["nose", "cheek"], "side": "left", "note": "at my desk"})
    assert saved.status_code == 303 and saved.headers["location"] == "/"  # back to logging, with an Undo
    episode = web.get("/api/v1/episodes/e1").json()
    assert episode["started_at"].startswith("2026-03-10T20:15") and episode["intensity"] == 4 and episode["sites"] == ["nose", "cheek"]
    assert "at my desk" in web.get("/history").text


def test_a_bad_episode_form_shows_the_mistake_and_changes_nothing(web: ApiClient):
    web.form("/log")
    before = web.get("/api/v1/episodes/e1").json()
    answer = web.form("/episodes/e1", {"started_at": "2026-03-10T20:15", "intensity": "7"})
    assert answer.status_code == 422
    assert "How strong" in answer.text and "Not saved" in answer.text
    assert web.get("/api/v1/episodes/e1").json() == before


def test_delete_from_history(web: ApiClient):
    web.form("/log")
    assert "Yes, delete it" in web.form("/episodes/e1/delete").text  # without JavaScript: asked first
    assert web.get("/api/v1/episodes").json()["total"] == 1
    assert web.form("/episodes/e1/delete", {"confirmed": "yes"}).headers["location"] == "/history"
    assert web.get("/api/v1/episodes").json()["total"] == 0
    assert web.get("/episodes/e1").status_code == 404


def test_day_check_in_records_only_what_was_filled_in(web: ApiClient):
    answer = web.form("/day", {"date": "2026-03-10", "sleep_h": "6.5", "stress": "", "caffeine_mg": "240", "water_l": ""})
    assert answer.status_code == 303
    day = web.get("/api/v1/days/2026-03-10").json()
    assert (day["sleep_h"], day["caffeine_mg"]) == (6.5, 240)
    assert day["stress"] is None  # "not recorded" was left chosen
    assert day["water_l"] is None
    page = web.get("/day?date=2026-03-10").text
    assert 'id="sleep_h" name="sleep_h" value="6.5"' in page
    bad = web.form("/day", {"date": "2026-03-10", "stress": "12"})
    assert bad.status_code == 422 and "Stress" in bad.text
    assert web.get("/api/v1/days/2026-03-10").json() == day


def test_symptom_remedy_and_medicine_forms(web: ApiClient):
    assert web.form("/symptoms", {"code": "numbness", "onset": "gradual", "started_at": "2026-03-10T08:00", "side": "left"}).status_code == 303
    assert web.get("/api/v1/symptoms").json()["items"][0]["code"] == "numbness"
    assert web.form("/symptoms", {"code": "hiccups", "onset": "gradual"}).status_code == 422
    web.form("/log")
    assert web.form("/remedies", {"episode_id": "e1", "code": "warm_compress", "helped": "yes"}).headers["location"] == "/episodes/e1"
    assert web.get("/api/v1/remedies").json()["items"][0]["helped"] is True
    assert web.form("/medications", {"name": "Lasix", "started": "2026-01-01"}).status_code == 303
    key = web.get("/api/v1/medications").json()["items"][0]["id"]
    assert web.form(f"/medications/{key}/stop").status_code == 303
    assert web.get(f"/api/v1/medications/{key}").json()["stopped"] is not None
    assert web.form("/profile", {"timezone": "Mars/Base"}).status_code == 422
    assert web.form("/profile", {"timezone": "America/New_York", "birth_year": "1980"}).status_code == 303
    assert web.get("/api/v1/profile").json()["timezone"] == "America/New_York"


def test_the_check_page_stops_at_the_first_answer_that_makes_an_emergency(web: ApiClient):
    first = web.get("/check").text
    assert 'name="question" value="balance"' in first
    second = web.form("/check", {"question": "balance", "answer": "no", "save": "1"}).text
    assert 'name="question" value="vision"' in second and 'name="a_balance" value="no"' in second
    detail = web.form("/check", {"a_balance": "no", "question": "vision", "answer": "Yeah", "save": "1"}).text
    assert 'name="question" value="vision_detail"' in detail
    emergency = web.form("/check", {"a_balance": "no", "a_vision": "yes", "a_vision_detail": "blurred", "question": "vision_onset", "answer": "sudden", "save": "1"})
    assert emergency.status_code == 200
    page = emergency.text
    assert "emergency-screen" in page and page.index("Call 112 / 911 / 999 now") < page.index("Why") < page.index("Later, once you have been seen")
    assert 'href="tel:112"' in page and "I answered by mistake" in page
    assert [(s["code"], s["detail"], s["onset"]) for s in web.get("/api/v1/symptoms").json()["items"]] == [("vision_change", "blurred", "sudden")]
    assert web.get("/api/v1/episodes").json()["total"] == 0  # a check logs no twitch
    check_id = re.search(r'name="check_id" value="([0-9a-f]+)"', page).group(1)
    undone = web.form("/check/undo", {"check_id": check_id})
    assert undone.status_code == 303 and undone.headers["location"] == "/check"
    assert web.get("/api/v1/symptoms").json()["total"] == 0
    assert web.form("/check/undo", {"check_id": check_id}).status_code == 404  # the back button undoes nothing more


def test_an_unclear_answer_is_asked_again_with_a_message(web: ApiClient):
    again = web.form("/check", {"question": "balance", "answer": "perhaps", "save": "1"}).text
    assert 'name="question" value="balance"' in again and "please answer yes or no" in again


def test_the_check_page_runs_to_a_result_without_saving(web: ApiClient):
    page = web.form("/check", {"save": "0"}).text
    for _ in range(40):
        if "Check result" in page:
            break
        question = re.search(r'name="question" value="([a-z_]+)"', page).group(1)
        hidden = dict(re.findall(r'name="a_([a-z_]+)" value="([^"]*)"', page))
        page = web.form("/check", {**{f"a_{k}": v for k, v in hidden.items()}, "question": question, "answer": "" if question == "medicines" else "no", "save": "0"}).text
    assert "Check result" in page and "Self-care" in page
    assert 'href="/report">Prepare for your appointment' in page  # the report is offered at the result too
    assert web.get("/api/v1/symptoms").json()["total"] == 0  # nothing saved


def test_an_emergency_in_the_stored_diary_puts_the_instruction_first_on_the_check_result_and_the_overview(web: ApiClient):
    web.post("/api/v1/symptoms", {"code": "speech_difficulty", "onset": "sudden", "started_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).isoformat()})
    answers = {f"a_{sign}": "no" for sign in ("balance", "vision", "face", "weakness", "speech", "numbness", "swallowing", "headache", "pain", "eyelid_closure")}
    page = web.form("/check", {**answers, "question": "medicines", "answer": "", "save": "1"}).text
    assert "emergency-screen" in page
    body = page[page.index("<main"):]
    assert body.index("Call 112 / 911 / 999 now") < body.index('href="tel:112"') < body.index("Later, once you have been seen")
    assert body.index("Call your local emergency number now") < body.index("Gentle massage")
    overview = web.get("/overview").text
    body = overview[overview.index("<main"):]
    assert body.index("Call 112 / 911 / 999 now") < body.index("<h1>Overview</h1>") < body.index("Gentle massage")
    assert 'href="tel:112"' in body


def test_an_ongoing_symptom_from_a_check_is_offered_for_closing_on_the_overview(web: ApiClient):
    answers = {f"a_{sign}": "no" for sign in ("balance", "vision", "face", "weakness", "speech", "numbness", "swallowing", "headache")}
    web.form("/check", {**answers, "a_pain": "yes", "a_eyelid_closure": "no", "question": "medicines", "answer": "", "save": "1"})
    overview = web.get("/overview").text
    assert "Is it still there?" in overview
    (symptom,) = web.get("/api/v1/symptoms").json()["items"]
    gone = web.form(f"/symptoms/{symptom['id']}/gone")
    assert gone.status_code == 303
    assert web.get(f"/api/v1/symptoms/{symptom['id']}").json()["ended_at"] is not None
    assert "Is it still there?" not in web.get("/overview").text


def test_import_page_lists_problems_record_by_record(web: ApiClient):
    bad = {"format": "nosetwitch-diary", "version": 1, "person": {"timezone": "Europe/Berlin"}, "episodes": [{"id": "x", "started_at": "2026-03-10T20:00", "sites": ["nose"]}], "days": [{"date": "2026-03-10", "sleep_h": 30}]}
    page = web.http.post("/data/import", data={"csrf_token": web.csrf}, files={"file": ("diary.json", json.dumps(bad), "application/json")})
    assert page.status_code == 422
    assert "Nothing was imported" in page.text
    assert re.search(r'<code>episodes\[0\] \(id &#34;x&#34;\)\.started_at</code>', page.text), page.text[-3000:]
    assert "<code>days[0] (date &#34;2026-03-10&#34;).sleep_h</code>" in page.text
    good = web.http.post("/data/import", data={"csrf_token": web.csrf}, files={"file": ("diary.json", demo_document(days=10), "application/json")})
    assert good.status_code == 200 and "Imported." in good.text


def test_insights_page_draws_its_charts(demo: ApiClient):
    page = demo.get("/insights?factor=caffeine_mg").text
    assert page.count('<svg class="chart') == 4  # the daily counts twice: 90 days wide, 30 on a phone
    assert page.count('<svg class="chart daily"') == 2
    assert 'class="bar"' in page and 'class="overlay"' in page
    assert "Daily counts and caffeine" in page


def test_insights_page_gives_the_same_daily_rates_as_its_findings(demo: ApiClient):
    import html
    import re

    page = html.unescape(demo.get("/insights").text)
    rates = re.findall(r"([\d.]+) a day over the last 7 days", page)
    assert len(rates) == 2 and rates[0] == rates[1], rates  # the findings sentence and the summary line


def test_overview_shows_triage_level_reason_and_what_to_do(web: ApiClient):
    now = dt.datetime.now(dt.timezone.utc)
    web.post("/api/v1/symptoms", {"code": "facial_droop", "onset": "sudden", "started_at": (now - dt.timedelta(minutes=20)).isoformat()})
    page = web.get("/overview").text
    assert "EMERGENCY: call 112 / 911 / 999 now" in page
    card = page.split('data-testid="level-card"')[1].split("</section>")[0]
    assert "Main reason:" in card and "What to do:</strong>\n  Call the local emergency number now (112 / 911 / 999)." in card
    assert "href=" not in card  # at the emergency level nothing competes with the call


def test_overview_level_card_offers_the_report_when_a_doctor_is_advised(demo: ApiClient):
    page = demo.get("/overview").text
    card = page.split('data-testid="level-card"')[1].split("</section>")[0]
    level = demo.get("/api/v1/overview").json()["triage_level"]
    kind = "primary" if level in ("consult", "urgent") else "secondary"  # the first action when a doctor is advised
    assert f'<a class="button {kind}" href="/report">Prepare for your appointment</a>' in card
    assert "Days in a row" in page and "streak" not in page.lower()


def test_a_form_without_the_csrf_field_is_refused(web: ApiClient):
    refused = web.http.post("/log", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert web.get("/api/v1/episodes").json()["total"] == 0


def test_unknown_pages_are_a_friendly_404(web: ApiClient):
    page = web.get("/nowhere")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "Back to logging" in page.text


def test_responses_carry_security_headers(web: ApiClient):
    headers = web.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_login_pages_in_multi_user_mode(sqlite_url: str):
    client = ApiClient(create_app(sqlite_url, multi_user=True))
    assert client.form("/register", {"username": "gina", "password": "a long password here", "password2": "another one"}).status_code == 422
    created = client.form("/register", {"username": "gina", "password": "a long password here", "password2": "a long password here"})
    assert created.status_code == 303 and created.headers["location"] == "/profile"
    client.refresh()
    assert "gina" in client.get("/profile").text
    client.form("/logout")
    assert client.get("/profile", follow_redirects=False).status_code == 303
    client.refresh()
    wrong = client.form("/login", {"username": "gina", "password": "nope nope nope"})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    right = client.form("/login", {"username": "gina", "password": "a long password here", "next": "//evil.example/"})
    assert right.status_code == 303 and right.headers["location"] == "/"  # no open redirect


def test_overview_names_the_last_episode_even_when_it_is_months_old(web: ApiClient):
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=90)).replace(microsecond=0)
    web.post("/api/v1/episodes", {"id": "old", "started_at": old.isoformat()})
    overview = web.get("/api/v1/overview").json()
    assert overview["week_count"] == 0 and overview["streak_days"] == 0
    assert dt.datetime.fromisoformat(overview["last_episode_at"]) == old


def test_the_print_version_of_the_report_says_what_the_pdf_says(demo: ApiClient):
    from nosetwitch.reports.pdf import HEADINGS

    page = html.unescape(demo.get("/report/print?period=30").text)
    assert "(30 days)" in page
    for heading in HEADINGS.values():
        assert heading in page
    refused = demo.http.get("/report/pdf?period=dates&start=2026-02-10&end=2026-02-01")
    assert refused.status_code == 422 and "From: comes after To" in refused.text
    pdf = demo.http.get("/report/pdf?period=90")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
