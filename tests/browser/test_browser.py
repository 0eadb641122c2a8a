"""What a person does in the web app, in a real browser (see conftest.py)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    """A demo diary of this module's own: other modules save checks, twitches and factors in the
    shared one (the insights charts here need the demo's check-ins as they were)."""
    from tests.browser.conftest import _serve

    yield from _serve(tmp_path_factory.mktemp("web-browser"), demo=True)


PAGES = ["/", "/day", "/overview", "/history", "/insights", "/check", "/learn", "/data", "/profile", "/symptoms/new", "/api/docs"]


def _api(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_log_a_twitch_one_handed_on_a_phone_and_find_it_in_history(phone):
    phone.goto("/")
    phone.shot("phone-quick-log")
    button = phone.page.get_by_role("button", name=re.compile("Twitching now"))
    box = button.bounding_box()
    # big, and within the lower part of the first screen where a thumb reaches
    assert box["width"] >= 300 and box["height"] >= 200, box
    assert box["y"] + box["height"] <= 812, box
    button.click()
    phone.page.wait_for_url(re.compile(r"/episodes/[^/?]+\?new=1"))
    assert "Logged a twitch" in phone.page.locator(".flash").inner_text()
    phone.shot("phone-episode-details")
    phone.page.get_by_label("4", exact=True).check()
    phone.page.get_by_label("Note").fill("logged by the browser test")
    phone.page.get_by_role("button", name="Save", exact=True).click()
    phone.page.wait_for_url(re.compile(r"/$"))
    phone.goto("/history")
    row = phone.page.locator("tr", has_text="logged by the browser test")
    assert row.count() == 1
    assert row.locator("td").nth(1).inner_text().startswith("4/5")
    phone.shot("phone-history")


def test_logging_works_without_javascript(phone_without_javascript):
    page = phone_without_javascript
    page.goto("/")
    before = int(page.page.get_by_test_id("today-count").inner_text())
    page.page.get_by_role("button", name=re.compile("Twitching now")).click()
    page.page.wait_for_url(re.compile(r"/episodes/"))
    page.goto("/")
    assert int(page.page.get_by_test_id("today-count").inner_text()) == before + 1


def test_fill_a_day_check_in_with_choices_and_steppers(phone, server_url):
    phone.goto("/day?date=2026-01-15")
    phone.page.locator("#sleep_h").fill("6.5")
    phone.page.locator("#stress").get_by_text("7", exact=True).click()
    more_coffee = phone.page.get_by_role("button", name="one more coffee")
    more_coffee.click()
    more_coffee.click()
    assert phone.page.locator("#drink_coffee").input_value() == "2"
    phone.shot("phone-day-check-in")
    phone.page.get_by_role("button", name="Save check-in").click()
    assert "Saved the check-in" in phone.page.locator(".flash").inner_text()
    stored = _api(f"{server_url}/api/v1/days/2026-01-15")
    assert (stored["sleep_h"], stored["stress"], stored["caffeine_mg"]) == (6.5, 7, 180)
    assert stored["screen_h"] is None  # untouched stays unrecorded


def test_the_check_ends_in_a_full_screen_emergency_instruction(phone):
    phone.goto("/check")
    phone.shot("phone-check-question")
    question = phone.page.locator("legend.question")
    assert "balance" in question.inner_text().lower()  # the emergency questions come first
    phone.page.get_by_role("button", name="No").click()
    assert "sight" in phone.page.locator("legend.question").inner_text().lower()
    phone.page.get_by_role("button", name="Yes").click()
    phone.page.get_by_role("button", name="Lost, in part or all of what I see").click()
    phone.page.get_by_role("button", name="Suddenly, within minutes").click()
    screen = phone.page.locator(".emergency-screen")
    screen.wait_for()
    box = screen.bounding_box()
    assert box["x"] == 0 and box["y"] == 0 and box["width"] >= 375 and box["height"] >= 812
    assert "Call 112 / 911 / 999 now" in phone.page.get_by_role("heading", level=1).inner_text()
    phone.shot("phone-check-emergency")


def test_insights_draw_charts_with_data(desktop):
    desktop.goto("/insights")
    bars = desktop.page.locator(".wide-only svg.daily rect.bar")  # the 90-day chart; phones get a 30-day one
    assert bars.count() > 20
    assert desktop.page.locator(".wide-only svg.daily polyline.overlay").count() == 1
    forest_rows = desktop.page.locator("svg.forest .mark")
    assert forest_rows.count() > 2
    assert desktop.page.locator("svg.remedies rect.rbar").count() >= 1
    title = desktop.page.locator("svg.daily title").first.text_content()
    assert "Twitch episodes per day" in title
    desktop.page.select_option("#factor", index=1)
    desktop.page.wait_for_url(re.compile(r"factor="))
    desktop.shot("desktop-insights")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_on_phone_and_desktop(phone, desktop, path):
    name = path.strip("/").replace("/", "-") or "quick-log"
    for size, page in (("phone", phone), ("desktop", desktop)):
        page.goto(path)
        assert page.page.locator("main h1").count() == 1
        assert "does not diagnose" in page.page.locator("footer").inner_text()
        scroll_width = page.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= page.page.viewport_size["width"] + 1, f"{path} scrolls sideways on {size}"
        page.shot(f"all-{size}-{name}")


def test_sign_up_log_out_and_log_in_on_a_shared_server(phone_on_a_shared_server):
    page = phone_on_a_shared_server
    page.goto("/history")
    page.page.wait_for_url(re.compile(r"/login\?next=/history"))
    page.shot("phone-login")
    page.page.get_by_role("link", name="Create one").click()
    page.page.get_by_label("User name").fill("hanna")
    page.page.get_by_label("Password", exact=True).fill("a long enough password")
    page.page.get_by_label("Password again").fill("a long enough password")
    page.shot("phone-register")
    page.page.get_by_role("button", name="Create account").click()
    page.page.wait_for_url(re.compile(r"/profile$"))
    assert "hanna" in page.page.locator("header").inner_text()
    page.page.get_by_role("button", name="Log out").click()
    page.page.wait_for_url(re.compile(r"/login"))
    page.page.get_by_label("User name").fill("hanna")
    page.page.get_by_label("Password").fill("a long enough password")
    page.page.get_by_role("button", name="Log in").click()
    page.page.wait_for_url(re.compile(r"/$"))
    page.page.get_by_role("button", name=re.compile("Twitching now")).click()
    page.page.wait_for_url(re.compile(r"/episodes/tap-[0-9a-f-]{36}\?new=1"))  # the id is made on the phone (static/phone.js)


def test_change_the_password_then_delete_the_account_on_a_phone(phone_on_a_shared_server):
    """A weak password is refused with zxcvbn's advice; the account page changes the
    password and deletes the account after the export is offered and the name typed."""
    page = phone_on_a_shared_server.page
    phone_on_a_shared_server.goto("/register")
    page.get_by_label("User name").fill("ingrid")
    page.get_by_label("Password", exact=True).fill("1234567890")
    page.get_by_label("Password again").fill("1234567890")
    page.get_by_role("button", name="Create account").click()
    assert "too easy to guess" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password", exact=True).fill("purple giraffe lantern")
    page.get_by_label("Password again").fill("purple giraffe lantern")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/profile$"))
    page.get_by_role("link", name="ingrid").click()
    page.wait_for_url(re.compile(r"/account$"))
    assert page.get_by_role("link", name=re.compile("download your diary")).is_visible()
    page.get_by_label("Current password").fill("purple giraffe lantern")
    page.get_by_label("New password", exact=True).fill("orange kettle mountain")
    page.get_by_label("New password again").fill("orange kettle mountain")
    page.get_by_role("button", name="Change password").click()
    assert "Changed your password" in page.get_by_role("status").inner_text()
    phone_on_a_shared_server.shot("phone-account")
    page.get_by_label("Type your user name to confirm").fill("ingrid")
    page.get_by_label("Your password", exact=True).fill("orange kettle mountain")
    page.get_by_role("button", name="Delete my account and diary").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert "Deleted the account ingrid" in page.get_by_role("status").inner_text()
    page.get_by_label("User name").fill("ingrid")
    page.get_by_label("Password").fill("orange kettle mountain")
    page.get_by_role("button", name="Log in").click()
    assert "wrong user name or password" in page.get_by_role("alert").inner_text()
    # the refused password and login answered 422 and 401 on purpose; any other console error counts
    phone_on_a_shared_server.errors[:] = [e for e in phone_on_a_shared_server.errors if "status of 422" not in e and "status of 401" not in e]
