"""The check as a person in a hurry uses it, on a phone (375x812), in chromium: the
instruction to call comes first and takes the focus, Yes and No weigh the same, an answer
given by mistake can be taken back while the call button stays, a check logs no twitch,
and an emergency already in the diary is shown first on the overview and the result.

These tests run on a server of their own with a fresh, empty diary (nothing of the demo
diary can hide or cause an emergency), and each leaves the diary empty again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from collections.abc import Iterator

import pytest

from browser.conftest import DESKTOP, PHONE, _page, _serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGNS = ("balance", "vision", "face", "weakness", "speech", "numbness", "swallowing", "headache")


@pytest.fixture(scope="module")
def fresh_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("check-home"), demo=False)


@pytest.fixture
def phone(browser, fresh_url: str):
    yield from _page(browser, fresh_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def desktop(browser, fresh_url: str):
    yield from _page(browser, fresh_url, DESKTOP)


@pytest.fixture
def phone_without_javascript(browser, fresh_url: str):
    yield from _page(browser, fresh_url, PHONE, java_script_enabled=False)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(autouse=True)
def _empty_diary_after(fresh_url: str) -> Iterator[None]:
    yield
    # local mode: the API needs the session's CSRF token for writes
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    token = json.loads(opener.open(f"{fresh_url}/api/v1/session").read())["csrf_token"]
    for item in _get(f"{fresh_url}/api/v1/symptoms?limit=500")["items"]:
        opener.open(urllib.request.Request(f"{fresh_url}/api/v1/symptoms/{item['id']}", method="DELETE", headers={"X-CSRF-Token": token}))


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _answer(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _in_first_screen(locator, height: int = 812) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_yes_to_an_emergency_question_shows_the_instruction_first_with_focus_and_can_be_taken_back(phone, fresh_url):
    page = phone.page
    phone.goto("/check")
    phone.shot("check-1-first-question-phone")
    _answer(page, "No")  # balance
    assert _focused_id(page) == "q-text" and "sight" in page.locator("legend.question").inner_text()
    _answer(page, "Yes")
    assert _focused_id(page) == "q-text" and "How has your sight changed?" in page.locator("legend.question").inner_text()
    phone.shot("check-2-vision-detail-phone")
    _answer(page, "Blurred")
    phone.shot("check-3-onset-phone")
    _answer(page, "Suddenly, within minutes")

    screen = page.locator(".emergency-screen")
    screen.wait_for()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Call 112 / 911 / 999 now"
    assert _focused_id(page) == "em-h"  # focus on the instruction, not on a button
    call = page.get_by_test_id("call-button")
    assert call.get_attribute("href") == "tel:112"
    instruction = page.locator(".instruction")
    assert "Call your local emergency number now" in instruction.inner_text()
    for thing in (heading, instruction, call):  # all on the first screen, before anything else
        assert _in_first_screen(thing), thing
    phone.shot("check-4-emergency-phone")

    (symptom,) = _get(f"{fresh_url}/api/v1/symptoms")["items"]
    assert (symptom["code"], symptom["detail"], symptom["onset"]) == ("vision_change", "blurred", "sudden")
    assert _get(f"{fresh_url}/api/v1/episodes")["total"] == 0  # a check logs no twitch

    undo = page.get_by_role("button", name="I answered by mistake")
    undo.scroll_into_view_if_needed()
    assert call.is_visible()  # the call button stays until the mistake is taken back
    undo.click()
    page.wait_for_url(re.compile(r"/check$"))
    assert "Removed what that answer saved" in page.locator(".flash").inner_text()
    assert _get(f"{fresh_url}/api/v1/symptoms")["total"] == 0
    phone.shot("check-5-after-undo-phone")


def test_yes_and_no_have_the_same_weight(phone):
    phone.goto("/check")
    yes, no = (phone.page.get_by_role("button", name=name, exact=True) for name in ("Yes", "No"))
    style = "(b) => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderTopWidth, s.borderTopColor] }"
    assert yes.evaluate(style) == no.evaluate(style)
    yes_box, no_box = yes.bounding_box(), no.bounding_box()
    assert abs(yes_box["width"] - no_box["width"]) < 1 and yes_box["height"] == no_box["height"]


def test_a_check_adds_no_episode_and_slow_weakness_is_an_appointment(phone, fresh_url):
    page = phone.page
    phone.goto("/check")
    for sign in SIGNS:
        if sign == "weakness":
            _answer(page, "Yes")
            _answer(page, "Slowly, over hours or days")
        else:
            _answer(page, "No")
    _answer(page, "No")  # pain
    _answer(page, "No")  # eye forced shut
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    assert "See a doctor" in page.locator("[data-level]").inner_text() or "appointment" in page.locator("[data-level]").inner_text()
    assert page.locator("[data-level]").get_attribute("data-level") == "consult"
    assert _focused_id(page) == "result-h"
    phone.shot("check-6-result-consult-phone")
    assert _get(f"{fresh_url}/api/v1/episodes")["total"] == 0
    assert [s["code"] for s in _get(f"{fresh_url}/api/v1/symptoms")["items"]] == ["weakness"]


def test_an_emergency_from_the_stored_diary_puts_the_instruction_first_on_the_overview_and_the_check_result(phone, fresh_url):
    page = phone.page
    phone.goto("/overview")
    started = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)).isoformat()
    token = page.request.get(f"{fresh_url}/api/v1/session").json()["csrf_token"]
    made = page.request.post(f"{fresh_url}/api/v1/symptoms", data={"code": "facial_droop", "onset": "sudden", "started_at": started}, headers={"X-CSRF-Token": token})
    assert made.ok, made.text()

    phone.goto("/overview")
    block = page.get_by_test_id("overview-emergency")
    first_heading = page.locator("main h1, main h2").first
    assert first_heading.inner_text() == "Call 112 / 911 / 999 now" and _focused_id(page) == "call-now"
    assert _in_first_screen(page.get_by_test_id("call-button")) and _in_first_screen(block.locator(".instruction"))
    body = page.locator("main").inner_text()
    assert body.index("Call 112 / 911 / 999 now") < body.index("Overview") < body.index("Later, once you have been seen")
    phone.shot("check-7-overview-emergency-phone")

    phone.goto("/check")
    for _ in SIGNS:
        _answer(page, "No")
    _answer(page, "No")
    _answer(page, "No")
    page.get_by_role("button", name="Next").click()
    page.locator(".emergency-screen").wait_for()
    assert _focused_id(page) == "em-h" and _in_first_screen(page.get_by_test_id("call-button"))
    text = page.locator(".emergency-screen").inner_text()
    assert "drooping of the face" in text and text.index("Call your local emergency number now") < text.index("Later, once you have been seen")
    assert not page.get_by_text("Gentle massage").is_visible()  # self-care is folded away under "later"
    phone.shot("check-8-result-from-diary-emergency-phone")


def test_is_it_still_there_closes_a_symptom_from_a_check(phone, fresh_url):
    page = phone.page
    phone.goto("/check")
    for _ in SIGNS:
        _answer(page, "No")
    _answer(page, "Yes")  # pain
    _answer(page, "No")
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    phone.goto("/overview")
    assert page.locator("main h2").first.inner_text() == "Is it still there?"
    phone.shot("check-9-still-there-phone")
    _answer(page, "It has gone")
    assert "it has gone" in page.locator(".flash").inner_text().lower()
    (symptom,) = _get(f"{fresh_url}/api/v1/symptoms")["items"]
    assert symptom["ended_at"] is not None


def test_the_check_works_without_javascript_and_with_the_keyboard(phone_without_javascript, desktop, fresh_url):
    page = phone_without_javascript.page
    phone_without_javascript.goto("/check")
    _answer(page, "No")
    _answer(page, "Yes")  # vision
    _answer(page, "Double")
    _answer(page, "I woke up with it, or I don't know when it started")
    assert page.get_by_role("heading", level=1).inner_text() == "Call 112 / 911 / 999 now"
    assert _focused_id(page) == "em-h"  # autofocus needs no script
    phone_without_javascript.shot("check-10-emergency-no-js-phone")

    keys = desktop.page
    desktop.goto("/check")
    desktop.shot("check-11-first-question-desktop")
    keys.keyboard.press("Tab")
    for _ in range(30):  # Tab until the No button has the focus, then Enter
        if keys.evaluate("document.activeElement.textContent.trim()") == "No":
            break
        keys.keyboard.press("Tab")
    with keys.expect_navigation():  # wait for the next question, not for the page already loaded
        keys.keyboard.press("Enter")
    assert "sight" in keys.locator("legend.question").inner_text() and _focused_id(keys) == "q-text"
    keys.keyboard.press("Tab")
    assert keys.evaluate("document.activeElement.textContent.trim()") == "Yes"  # the next Tab reaches the answers
    desktop.shot("check-12-second-question-desktop")
