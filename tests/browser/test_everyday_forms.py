"""Everyday flows in a real browser at phone size, with and without JavaScript:
what a person sees after a check-in, a twitch with details, an undo, a delete
and a factor of their own (see conftest.py for the server and screenshots)."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _api(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _yesterday() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Berlin")).date() - dt.timedelta(days=1)


def _expected_422(page) -> None:
    """A form sent back with its mistakes answers 422, which the browser's console notes; only that."""
    assert page.errors and all("status of 422" in error for error in page.errors), page.errors
    page.errors.clear()


def _check_in(page, server_url: str, date: dt.date, *, javascript: bool) -> None:
    page.goto(f"/day?date={date.isoformat()}")
    page.page.locator("#caffeine_mg").fill("90")
    page.page.locator("#water_l").fill("1.4")
    page.page.locator("#exercise_min").fill("45")
    page.page.locator("#alcohol_units").fill("0.5")
    if javascript:
        more = page.page.get_by_role("button", name="one more coffee")
        more.click()
        more.click()
        assert "about 270 mg" in page.page.locator("[data-caffeine-total]").inner_text()
    else:
        assert not page.page.get_by_role("button", name="one more coffee").is_visible()  # no dead buttons
        page.page.locator("#drink_coffee").fill("2")
    page.page.get_by_role("button", name="Save check-in").click()
    page.page.wait_for_url(re.compile(r"/day\?date="))
    flash = page.page.locator(".flash").inner_text()
    assert "caffeine 270 mg in all (2 × coffee ≈ 180 mg)" in flash, flash
    # shown back: what was saved is in the boxes
    assert page.page.locator("#caffeine_mg").input_value() == "270"
    assert page.page.locator("#water_l").input_value() == "1.4"
    assert page.page.locator("#exercise_min").input_value() == "45"
    assert page.page.locator("#alcohol_units").input_value() == "0.5"
    stored = _api(f"{server_url}/api/v1/days/{date.isoformat()}")
    assert (stored["caffeine_mg"], stored["water_l"], stored["exercise_min"], stored["alcohol_units"]) == (270, 1.4, 45, 0.5)


def test_a_check_in_with_ordinary_figures_and_drinks_on_a_phone(phone, server_url):
    _check_in(phone, server_url, dt.date(2026, 1, 20), javascript=True)
    phone.shot("phone-day-saved")


def test_a_check_in_with_ordinary_figures_and_drinks_without_javascript(phone_without_javascript, server_url):
    page = phone_without_javascript
    page.goto("/day")
    page.page.get_by_role("link", name="Yesterday").click()
    assert "(yesterday)" in page.page.get_by_test_id("day-date").locator("..").inner_text()
    _check_in(page, server_url, _yesterday(), javascript=False)
    page.shot("phone-nojs-day-saved")


def test_bad_figures_are_listed_at_the_top_and_named_at_each_field(phone, server_url):
    phone.goto("/day?date=2026-01-21")
    phone.page.locator("#caffeine_mg").fill("abc")
    phone.page.locator("#water_l").fill("-1")
    phone.page.locator("#exercise_min").fill("1e400")
    phone.page.get_by_role("button", name="Save check-in").click()
    summary = phone.page.locator("[data-error-summary]")
    expect(phone.page.locator("#errors")).to_be_focused()  # focus moved to the list of mistakes (waits for the new page)
    box = summary.bounding_box()
    assert box["y"] < 812  # at the top, in the first screen
    assert "3 things" in summary.inner_text()
    assert "is not a number" in phone.page.locator("#caffeine_mg-error").inner_text()
    assert "cannot be less than 0" in phone.page.locator("#water_l-error").inner_text()
    phone.shot("phone-day-errors")
    summary.get_by_role("link", name=re.compile("Fluids")).click()
    assert phone.page.evaluate("location.hash") == "#water_l"
    assert phone.page.evaluate("document.activeElement.id") == "water_l"  # the cursor is in the field
    with pytest.raises(urllib.error.HTTPError, match="404"):
        _api(f"{server_url}/api/v1/days/2026-01-21")  # nothing was saved
    _expected_422(phone)


def test_a_future_twitch_date_is_refused_at_the_field(phone):
    phone.goto("/")
    phone.page.get_by_role("button", name=re.compile("Twitching now")).click()
    phone.page.wait_for_url(re.compile(r"/episodes/"))
    phone.page.locator("#started_at").fill("2099-03-01T10:00")
    phone.page.get_by_role("button", name="Save", exact=True).click()
    assert "is in the future" in phone.page.locator("#started_at-error").inner_text()
    phone.shot("phone-episode-future")
    _expected_422(phone)


def test_a_twitch_with_every_detail_and_a_remedy_in_one_save(phone, server_url):
    phone.goto("/")
    phone.page.get_by_role("button", name=re.compile("Twitching now")).click()
    phone.page.wait_for_url(re.compile(r"/episodes/[^/?]+\?new=1"))
    episode_id = re.search(r"/episodes/([^?]+)", phone.page.url).group(1)
    phone.page.get_by_label("4", exact=True).check()
    phone.page.get_by_label("About 30 seconds").check()
    phone.page.get_by_label("Left", exact=True).check()
    phone.page.get_by_label("Cheek").check()
    phone.page.get_by_label("Note").fill("one save for everything")
    phone.page.get_by_label("What you tried").select_option("warm_compress")
    phone.page.locator("#remedy").get_by_label("Yes").check()
    phone.shot("phone-episode-filled")
    phone.page.get_by_role("button", name="Save", exact=True).click()
    phone.page.wait_for_url(re.compile(r"/$"))
    flash = phone.page.locator(".flash")
    assert "Saved the details" in flash.inner_text() and "Warm compress" in flash.inner_text()
    assert flash.get_by_role("button", name="Undo").is_visible()
    phone.shot("phone-log-after-save")
    phone.goto("/history")
    row = phone.page.locator(f'tr[data-episode="{episode_id}"]')
    text = row.inner_text()
    for words in ("4/5", "30 s", "Nose, Cheek", "(left)", "one save for everything", "Tried: Warm compress — helped"):
        assert words in text, (words, text)
    phone.shot("phone-history-with-remedy")


def test_undo_after_logging_a_twitch(phone, server_url):
    before = _api(f"{server_url}/api/v1/episodes?limit=1")["total"]
    phone.goto("/")
    phone.page.get_by_role("button", name=re.compile("Twitching now")).click()
    phone.page.wait_for_url(re.compile(r"/episodes/"))
    assert _api(f"{server_url}/api/v1/episodes?limit=1")["total"] == before + 1
    phone.page.locator(".flash").get_by_role("button", name="Undo").click()
    phone.page.wait_for_url(re.compile(r"/$"))
    assert "Removed the twitch logged at" in phone.page.locator(".flash").inner_text()
    assert _api(f"{server_url}/api/v1/episodes?limit=1")["total"] == before


def test_undo_after_deleting_a_twitch_with_a_dialog(phone, server_url):
    phone.goto("/history")
    row = phone.page.locator("tr[data-episode]").first
    episode_id = row.get_attribute("data-episode")
    phone.page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    phone.page.wait_for_url(re.compile(r"/history$"))
    assert "Deleted the twitch of" in phone.page.locator(".flash").inner_text()
    assert phone.page.locator(f'tr[data-episode="{episode_id}"]').count() == 0
    phone.shot("phone-history-deleted")
    phone.page.locator(".flash").get_by_role("button", name="Undo").click()
    assert "Brought back the twitch of" in phone.page.locator(".flash").inner_text()
    assert phone.page.locator(f'tr[data-episode="{episode_id}"]').count() == 1
    assert _api(f"{server_url}/api/v1/episodes/{episode_id}")["id"] == episode_id


def test_deleting_without_javascript_asks_on_a_page_first(phone_without_javascript, server_url):
    page = phone_without_javascript
    page.goto("/history")
    row = page.page.locator("tr[data-episode]").first
    episode_id = row.get_attribute("data-episode")
    row.get_by_role("button", name="Delete").click()
    assert "Delete the twitch of" in page.page.get_by_role("heading", level=1).inner_text()
    page.shot("phone-nojs-confirm-delete")
    assert _api(f"{server_url}/api/v1/episodes/{episode_id}")["id"] == episode_id  # not yet
    page.page.get_by_role("button", name="Yes, delete it").click()
    page.page.wait_for_url(re.compile(r"/history$"))
    page.page.locator(".flash").get_by_role("button", name="Undo").click()
    assert "Brought back" in page.page.locator(".flash").inner_text()
    assert _api(f"{server_url}/api/v1/episodes/{episode_id}")["id"] == episode_id


def test_a_factor_of_ones_own_from_the_profile_to_the_check_in(phone, server_url):
    phone.goto("/profile")
    phone.page.get_by_label("Name of the factor").fill("Hours of driving")
    phone.page.get_by_role("radio", name=re.compile("^A number")).check()
    phone.page.get_by_label("Unit, for a number").fill("hours")
    phone.page.get_by_role("button", name="Add factor").click()
    assert "Added “Hours of driving”" in phone.page.locator(".flash").inner_text()
    phone.shot("phone-profile-own-factor")
    phone.goto("/day?date=2026-01-22")
    phone.page.get_by_label("Hours of driving").fill("2.5")
    phone.page.get_by_role("button", name="Save check-in").click()
    assert "Saved the check-in" in phone.page.locator(".flash").inner_text()
    assert phone.page.get_by_label("Hours of driving").input_value() == "2.5"
    assert _api(f"{server_url}/api/v1/days/2026-01-22")["own"] == {"hours_of_driving": 2.5}
    phone.shot("phone-day-own-factor")


def test_every_demo_check_in_can_be_saved_again_unchanged_in_the_browser(desktop, server_url):
    days = _api(f"{server_url}/api/v1/days?limit=500")["items"]
    assert len(days) > 70
    for day in days:
        desktop.goto(f"/day?date={day['date']}")
        assert desktop.page.evaluate("document.querySelector('form.dayform').checkValidity()")
        desktop.page.get_by_role("button", name="Save check-in").click()
        assert "Saved the check-in" in desktop.page.locator(".flash").inner_text(), day["date"]
        assert _api(f"{server_url}/api/v1/days/{day['date']}") == day
