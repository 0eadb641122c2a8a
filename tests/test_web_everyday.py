"""Everyday flows of the web pages as a browser without JavaScript sends them:
the day check-in takes any sensible figure and says at the field what is
wrong, the twitch details are one form, every action can be undone for a few
minutes, deletes ask first, and a person's own factors go from the Profile
into the check-in."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import ApiClient

from nosetwitch.domain.models import DayCheckIn
from nosetwitch.interfaces.web import create_app
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.undo import Change, UndoLog


@pytest.fixture
def web(db_url: str) -> ApiClient:
    return ApiClient(create_app(db_url))


def _today(web: ApiClient) -> dt.date:
    zone = web.get("/api/v1/profile").json()["timezone"]
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(zone)).date()


class _Form(HTMLParser):
    """The fields a browser would send from the form posting to `action`, unchanged."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self._textarea, self._select = action, False, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and a.get("method") == "post"
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif self.inside and tag == "textarea":
            self._textarea = [a["name"], ""]
        elif self.inside and tag == "select":
            self._select = a["name"]
        elif self.inside and tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_fields(html: str, action: str) -> dict[str, str | list[str]]:
    parser = _Form(action)
    parser.feed(html)
    fields: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        if name in fields:
            fields[name] = [*([fields[name]] if isinstance(fields[name], str) else fields[name]), value]
        else:
            fields[name] = value
    return fields


def _undo_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no Undo button on the page"
    return match.group(1)


# --- the day check-in ---------------------------------------------------------------------------


def test_ordinary_figures_and_drinks_are_saved_and_shown_back(web: ApiClient):
    day = (_today(web) - dt.timedelta(days=1)).isoformat()
    fields = {"date": day, "caffeine_mg": "90", "water_l": "1,4", "exercise_min": "45", "alcohol_units": "0.5", "drink_coffee": "2", "stress": "6"}
    answer = web.form("/day", fields)
    assert answer.status_code == 303, answer.text
    stored = web.get(f"/api/v1/days/{day}").json()
    assert (stored["caffeine_mg"], stored["water_l"], stored["exercise_min"], stored["alcohol_units"], stored["stress"]) == (270, 1.4, 45, 0.5, 6)
    page = web.get(answer.headers["location"]).text
    assert "caffeine 270 mg in all (2 × coffee ≈ 180 mg)" in page
    shown = form_fields(page, "/day")
    assert (shown["caffeine_mg"], shown["water_l"], shown["exercise_min"], shown["alcohol_units"], shown["stress"]) == ("270", "1.4", "45", "0.5", "6")
    assert shown["drink_coffee"] == ""  # the drinks are in the 270 now: counting them again would add them twice


def test_the_page_hints_come_from_the_one_caffeine_table(web: ApiClient):
    from nosetwitch.knowledge import knowledge
    from nosetwitch.services.diary import caffeine_per_serving

    page = web.get("/day").text
    for drink in knowledge().drinks:
        assert f"{drink.serving} ≈ {drink.mg:g} mg" in page
    assert caffeine_per_serving() == {"coffee": 90, "espresso": 80, "tea": 50, "cola": 40, "energy_drink": 80}
    assert "45 mg" not in page and "35 mg" not in page


def test_the_cli_and_the_docs_use_the_same_caffeine_table():
    import inspect
    from pathlib import Path

    from nosetwitch.interfaces.cli.diary_commands import log_day
    from nosetwitch.knowledge import knowledge

    options = set(inspect.signature(log_day).parameters)
    assert {d.key for d in knowledge().drinks} <= options
    docs = (Path(__file__).resolve().parents[1] / "docs" / "diary.md").read_text()
    rows = re.findall(r"^\| `--([a-z-]+)` \| (.+?) \| (\d+) mg \|$", docs, re.M)
    assert {(key.replace("-", "_"), serving, float(mg)) for key, serving, mg in rows} == {(d.key, d.serving, d.mg) for d in knowledge().drinks}


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("water_l", "-1", "cannot be less than 0"),
        ("caffeine_mg", "abc", "is not a number"),
        ("exercise_min", "1e400", "is more than"),
        ("sleep_h", "25", "is more than the 24 hours"),
        ("stress", "11", "is more than"),
        ("drink_coffee", "lots", "is not a number"),
    ],
)
def test_a_bad_figure_is_named_at_its_field_and_nothing_is_stored(web: ApiClient, field, value, words):
    day = _today(web).isoformat()
    web.form("/day", {"date": day, "sleep_h": "7"})
    before = web.get(f"/api/v1/days/{day}").json()
    answer = web.form("/day", {"date": day, "sleep_h": "6", field: value})
    assert answer.status_code == 422
    assert f'href="#{field}"' in answer.text  # the summary at the top links to the field
    beside = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', answer.text, re.S)
    assert beside and words in beside.group(1)
    assert f'value="{value}"' in answer.text or field == "stress"  # what was typed stays, to correct it
    assert web.get(f"/api/v1/days/{day}").json() == before


def test_future_days_are_refused_and_earlier_days_can_be_filled_in(web: ApiClient):
    today = _today(web)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    answer = web.form("/day", {"date": tomorrow, "sleep_h": "7"})
    assert answer.status_code == 422 and "has not come yet" in answer.text
    assert web.get(f"/api/v1/days/{tomorrow}").status_code == 404
    assert "has not come yet" in web.get(f"/day?date={tomorrow}").text
    assert "is not a date" in web.get("/day?date=soon").text
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    page = web.get(f"/day?date={week_ago}").text
    assert f'name="date" value="{week_ago}"' in page and f'max="{today.isoformat()}"' in page
    assert web.form("/day", {"date": week_ago, "sleep_h": "8"}).status_code == 303
    assert web.get(f"/api/v1/days/{week_ago}").json()["sleep_h"] == 8


def test_an_empty_check_in_is_not_saved(web: ApiClient):
    day = _today(web).isoformat()
    fields = form_fields(web.get("/day").text, "/day")
    answer = web.form("/day", fields)
    assert answer.status_code == 422 and "Nothing is filled in, so nothing was saved" in answer.text
    assert web.get(f"/api/v1/days/{day}").status_code == 404


def test_every_demo_check_in_can_be_opened_and_saved_unchanged(sqlite_url: str):
    from nosetwitch.services.demo import load_demo

    service = DiaryService(sqlite_url)
    service.update_person(timezone="Europe/Berlin")
    load_demo(service)
    web = ApiClient(create_app(sqlite_url))
    days = service.list_days(limit=1000).items
    assert len(days) > 70
    for day in days:
        fields = form_fields(web.get(f"/day?date={day.date.isoformat()}").text, "/day")
        answer = web.form("/day", fields)
        assert answer.status_code == 303, (day.date, re.findall(r'class="field-error"[^>]*>(.*?)<', answer.text))
        assert service.get_day(day.date) == day


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.floats(min_value=0, max_value=24, allow_nan=False), st.text(max_size=8)))
def test_any_sleep_figure_is_either_stored_rounded_or_refused_with_a_message(sqlite_url: str, value):
    web = ApiClient(create_app(sqlite_url))
    text = value if isinstance(value, str) else repr(value)
    answer = web.form("/day", {"date": "2026-01-05", "sleep_h": text})
    if answer.status_code == 303:
        stored = web.get("/api/v1/days/2026-01-05").json()["sleep_h"]
        assert stored == round(float(text.strip().replace(",", ".")), 2)
    else:
        assert answer.status_code == 422
        assert 'class="field-error" id="sleep_h-error"' in answer.text or "Nothing is filled in" in answer.text


# --- the twitch details -------------------------------------------------------------------------


def test_twitch_details_and_what_was_tried_are_saved_in_one_go(web: ApiClient):
    web.form("/log")
    page = web.get("/episodes/e1?new=1").text
    assert page.count('<form class="stack card" method="post"') == 1 and 'action="/remedies"' not in page
    fields = form_fields(page, "/episodes/e1")
    fields.update({"intensity": "4", "duration_choice": "30", "side": "left", "sites": ["nose", "cheek"], "note": "at my desk", "remedy_code": "warm_compress", "helped": "yes"})
    answer = web.form("/episodes/e1", fields)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "and that you tried “Warm compress”" in web.get("/").text
    episode = web.get("/api/v1/episodes/e1").json()
    assert (episode["intensity"], episode["duration_s"], episode["side"], episode["sites"], episode["note"]) == (4, 30, "left", ["nose", "cheek"], "at my desk")
    remedies = web.get("/api/v1/remedies").json()["items"]
    assert [(r["code"], r["episode_id"], r["helped"]) for r in remedies] == [("warm_compress", "e1", True)]


@pytest.mark.parametrize(
    "choice, exact, seconds",
    [("5", "", 5), ("60", "", 60), ("longer", "2m", 120), ("", "1m30s", 90), ("30", "45", 45), ("", "1:30", 90), ("", "", None)],
)
def test_duration_quick_choices_and_the_exact_field(web: ApiClient, choice, exact, seconds):
    web.form("/log")
    fields = form_fields(web.get("/episodes/e1").text, "/episodes/e1")
    fields.update({"duration_choice": choice, "duration_exact": exact})
    assert web.form("/episodes/e1", fields).status_code == 303
    assert web.get("/api/v1/episodes/e1").json()["duration_s"] == seconds
    shown = form_fields(web.get("/episodes/e1").text, "/episodes/e1")
    assert web.form("/episodes/e1", shown).status_code == 303  # shown back, saved again unchanged
    assert web.get("/api/v1/episodes/e1").json()["duration_s"] == seconds


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"started_at": "2099-03-01T10:00"}, "started_at", "is in the future"),
        ({"started_at": "yesterday"}, "started_at", "is not a date and time"),
        ({"duration_choice": "longer", "duration_exact": ""}, "duration_exact", "you chose “Longer”"),
        ({"duration_exact": "-5"}, "duration_exact", "is not a length of time"),
        ({"duration_exact": "abc"}, "duration_exact", "is not a length of time"),
        ({"duration_exact": "1e400"}, "duration_exact", "is not a length of time"),
        ({"intensity": "7"}, "intensity", ""),
    ],
)
def test_bad_twitch_details_are_named_at_the_field_and_keep_what_was_typed(web: ApiClient, changes, field, words):
    web.form("/log")
    before = web.get("/api/v1/episodes/e1").json()
    fields = form_fields(web.get("/episodes/e1").text, "/episodes/e1")
    fields.update({"note": "typed before the mistake", "remedy_code": "massage", **changes})
    answer = web.form("/episodes/e1", fields)
    assert answer.status_code == 422
    assert f'href="#{field}"' in answer.text
    beside = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', answer.text, re.S)
    assert beside and words in beside.group(1)
    assert "typed before the mistake" in answer.text and '<option value="massage" selected>' in answer.text
    assert web.get("/api/v1/episodes/e1").json() == before
    assert web.get("/api/v1/remedies").json()["total"] == 0


# --- undo and deleting --------------------------------------------------------------------------


def test_undo_after_logging_removes_the_twitch(web: ApiClient):
    web.form("/log")
    page = web.get("/episodes/e1?new=1").text
    answer = web.form("/undo", {"token": _undo_token(page), "back": "/episodes/e1?new=1"})
    assert answer.headers["location"] == "/"
    assert "Removed the twitch logged at" in web.get("/").text
    assert web.get("/api/v1/episodes").json()["total"] == 0
    again = web.form("/undo", {"token": _undo_token(page), "back": "/"})  # works once
    assert "no longer possible" in web.get(again.headers["location"]).text


def test_undo_after_saving_puts_back_the_previous_values_and_removes_what_was_tried(web: ApiClient):
    web.form("/log")
    fields = form_fields(web.get("/episodes/e1").text, "/episodes/e1")
    web.form("/episodes/e1", {**fields, "intensity": "2", "note": "first"})
    first = web.get("/api/v1/episodes/e1").json()
    web.get("/")  # the first confirmation goes by
    web.form("/episodes/e1", {**fields, "intensity": "5", "note": "second", "remedy_code": "massage"})
    page = web.get("/").text
    web.form("/undo", {"token": _undo_token(page), "back": "/"})
    assert web.get("/api/v1/episodes/e1").json() == first
    assert web.get("/api/v1/remedies").json()["total"] == 0


def test_undo_after_saving_a_check_in(web: ApiClient):
    day = _today(web).isoformat()
    web.form("/day", {"date": day, "sleep_h": "7"})
    web.get("/")
    web.form("/day", {"date": day, "sleep_h": "5", "stress": "8"})
    page = web.get(f"/day?date={day}").text
    assert "Undo" in page
    web.form("/undo", {"token": _undo_token(page), "back": f"/day?date={day}"})
    stored = web.get(f"/api/v1/days/{day}").json()
    assert (stored["sleep_h"], stored["stress"]) == (7, None)


def test_deleting_without_javascript_asks_first_and_can_be_undone(web: ApiClient):
    web.form("/log")
    fields = form_fields(web.get("/episodes/e1").text, "/episodes/e1")
    web.form("/episodes/e1", {**fields, "note": "keep me", "remedy_code": "massage", "helped": "no"})
    ask = web.form("/episodes/e1/delete")
    assert ask.status_code == 200 and "Yes, delete it" in ask.text and "No, keep it" in ask.text
    assert web.get("/api/v1/episodes").json()["total"] == 1
    web.form("/episodes/e1/delete", form_fields(ask.text, "/episodes/e1/delete"))
    assert web.get("/api/v1/episodes").json()["total"] == 0
    page = web.get("/history").text
    assert "Deleted the twitch of" in page
    web.form("/undo", {"token": _undo_token(page), "back": "/history"})
    assert web.get("/api/v1/episodes/e1").json()["note"] == "keep me"
    assert [r["episode_id"] for r in web.get("/api/v1/remedies").json()["items"]] == ["e1"]  # linked again


@pytest.mark.parametrize("kind", ["day", "symptom", "remedy", "medication"])
def test_other_deletes_ask_first_and_can_be_undone(web: ApiClient, kind):
    day = _today(web).isoformat()
    if kind == "day":
        web.form("/day", {"date": day, "sleep_h": "7"})
        url, check = f"/days/{day}/delete", f"/api/v1/days/{day}"
    elif kind == "symptom":
        web.form("/symptoms", {"code": "pain", "onset": "gradual"})
        url, check = "/symptoms/s1/delete", "/api/v1/symptoms/s1"
    elif kind == "remedy":
        web.form("/remedies", {"code": "massage"})
        key = web.get("/api/v1/remedies").json()["items"][0]["id"]
        url, check = f"/remedies/{key}/delete", None
    else:
        web.form("/medications", {"name": "Lasix"})
        key = web.get("/api/v1/medications").json()["items"][0]["id"]
        url, check = f"/medications/{key}/delete", None
    assert "Yes, delete it" in web.form(url).text
    assert web.form(url, {"confirmed": "yes"}).status_code == 303
    page = web.get("/history").text
    web.form("/undo", {"token": _undo_token(page), "back": "/history"})
    if check:
        assert web.get(check).status_code == 200
    elif kind == "remedy":
        assert web.get("/api/v1/remedies").json()["total"] == 1
    else:
        assert [m["name"] for m in web.get("/api/v1/medications").json()["items"]] == ["Lasix"]


def test_undo_refuses_when_the_record_was_changed_since(web: ApiClient):
    web.form("/log")
    page = web.get("/episodes/e1?new=1").text
    fields = form_fields(page, "/episodes/e1")
    web.form("/episodes/e1", {**fields, "note": "changed after logging"})
    answer = web.form("/undo", {"token": _undo_token(page), "back": "/"})
    assert "changed again since" in web.get(answer.headers["location"]).text
    assert web.get("/api/v1/episodes/e1").json()["note"] == "changed after logging"


def test_undo_tokens_expire_and_belong_to_their_owner(db_url: str):
    anna, bert = DiaryService(db_url, owner="anna"), DiaryService(db_url, owner="bert")
    anna.update_person(timezone="Europe/Berlin")
    episode = anna.add_episode(started_at="2026-03-10T08:00:00+01:00")
    change = Change("episode", episode.id, None, episode)
    start = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.timezone.utc)
    log = UndoLog(anna.engine, anna.owner_id)
    token = log.remember([change], "done", "/", now=start)
    assert UndoLog(bert.engine, bert.owner_id).take(token, now=start) is None  # someone else's: not theirs to use
    assert log.take(token, now=start + dt.timedelta(seconds=301)) is None  # too late (and gone)
    token = log.remember([change], "done", None, now=start)
    pending = log.take(token, now=start + dt.timedelta(seconds=299))
    assert pending.changes == (change,) and (pending.done, pending.then) == ("done", None)  # kept exactly
    assert log.take(token, now=start) is None  # once
    day = DayCheckIn(date=dt.date(2026, 3, 10), sleep_h=7.25, own={})
    token = log.remember([Change("day", day.date, None, day)], "done", now=start)
    assert log.take(token, now=start).changes[0] == Change("day", day.date, None, day)


def test_undo_works_from_another_server_process(db_url: str):
    """Two app instances on one database (a clinic's worker processes): the Undo lands on the other."""
    one, other = (ApiClient(create_app(db_url, secret_key="shared by the workers")) for _ in range(2))
    other.http.cookies = one.http.cookies
    other.csrf = one.csrf
    one.form("/log")
    page = one.get("/episodes/e1?new=1").text
    answer = other.form("/undo", {"token": _undo_token(page), "back": "/"})
    assert "Removed the twitch logged at" in other.get(answer.headers["location"]).text
    assert one.get("/api/v1/episodes").json()["total"] == 0


# --- own factors --------------------------------------------------------------------------------


def test_an_own_factor_goes_from_the_profile_to_the_check_in(web: ApiClient):
    assert web.form("/own-factors", {"label": "Antihistamine", "kind": "yes_no"}).status_code == 303
    assert web.form("/own-factors", {"label": "Cold weather", "kind": "scale"}).status_code == 303
    assert web.form("/own-factors", {"label": "Hours of driving", "kind": "number", "unit": "hours"}).status_code == 303
    profile = web.get("/profile").text
    assert "Antihistamine" in profile and "a number in hours" in profile
    day = _today(web).isoformat()
    page = web.get(f"/day?date={day}").text
    assert "Your own factors" in page and 'name="own_hours_of_driving"' in page
    answer = web.form("/day", {"date": day, "own_antihistamine": "yes", "own_cold_weather": "7", "own_hours_of_driving": "2,5"})
    assert answer.status_code == 303, answer.text
    assert web.get(f"/api/v1/days/{day}").json()["own"] == {"antihistamine": True, "cold_weather": 7, "hours_of_driving": 2.5}
    shown = form_fields(web.get(f"/day?date={day}").text, "/day")
    assert (shown["own_antihistamine"], shown["own_cold_weather"], shown["own_hours_of_driving"]) == ("yes", "7", "2.5")
    bad = web.form("/day", {"date": day, "own_hours_of_driving": "-2"})
    assert bad.status_code == 422 and 'href="#own_hours_of_driving">Hours of driving: cannot be less than 0' in bad.text


def test_own_factors_can_be_renamed_and_removed(web: ApiClient):
    web.form("/own-factors", {"label": "Antihistamine", "kind": "yes_no"})
    web.form("/day", {"date": _today(web).isoformat(), "own_antihistamine": "no"})
    assert web.form("/own-factors/antihistamine/rename", {"label": "Hay fever pill"}).status_code == 303
    assert "Hay fever pill" in web.get("/day").text
    assert web.form("/own-factors/antihistamine/rename", {"label": " "}).status_code == 422
    assert "Yes, delete it" in web.form("/own-factors/antihistamine/remove").text
    answer = web.form("/own-factors/antihistamine/remove", {"confirmed": "yes"})
    assert "it had a value on 1 day" in web.get(answer.headers["location"]).text
    assert "Your own factors" not in web.get("/day").text


def test_bad_own_factors_are_named_at_the_field(web: ApiClient):
    answer = web.form("/own-factors", {"label": "", "kind": "yes_no"})
    assert answer.status_code == 422 and 'href="#factor-label"' in answer.text
    web.form("/own-factors", {"label": "Sleep", "kind": "yes_no"})  # the key of a built-in factor: another key is made
    web.form("/own-factors", {"label": "Sleep", "kind": "scale"})
    keys = [f["key"] for f in web.get("/api/v1/profile").json()["own_factors"]]
    assert len(set(keys)) == 2 and all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys)


def test_the_cli_counts_espressos_with_the_same_table(sqlite_url: str):
    from nosetwitch.interfaces.cli.main import run_captured

    code, out, err = run_captured("--db", sqlite_url, "log", "day", "--date", "2026-03-10", "--espresso", "1", "--tea", "0.5")
    assert code == 0, err
    assert "Caffeine from drinks: 1 espresso x 80 mg + 0.5 tea x 50 mg = 105 mg." in out
    assert DiaryService(sqlite_url).get_day(dt.date(2026, 3, 10)).caffeine_mg == 105
