"""Everyday use on a phone and a desktop, light and dark (issue 13, part 2), in a real browser.

Every page is checked with axe-core (0 critical, 0 serious) at 375x812 and 1280x800 in
both colour schemes, and a screenshot of each is saved to artifacts/screenshots/ for people
to look at. axe is vendored under tests/browser/vendor/ (axe-core 4.x, MPL-2.0, its licence
beside it); the app's CSP allows no injected script, so only these contexts bypass it.
"""

from __future__ import annotations

import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, _serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP_800 = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "desktop": DESKTOP_800}
LOCAL_PAGES = [
    "/", "/day", "/overview", "/history", "/history?kind=days", "/history?kind=symptoms", "/history?kind=remedies",
    "/insights", "/check", "/learn", "/data", "/profile", "/symptoms/new", "/api/docs", "/more", "/report",
    "/report/print?period=30", "/episodes/{episode}",
]
SHARED_PAGES = ["/login", "/register"]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    """A demo diary of this module's own: other modules' checks save symptoms in the shared one,
    which can put its overview at the emergency level (then no report button, by design)."""
    yield from _serve(tmp_path_factory.mktemp("web-pages"), demo=True)


def _api(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
        }"""
    )


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "log"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_passes_axe_and_is_photographed(open_page, server_url, multi_user_url, size, scheme):
    first_episode = _api(f"{server_url}/api/v1/episodes?limit=1")["items"][0]["id"]
    options = {"color_scheme": scheme, "bypass_csp": True}
    local = open_page(SIZES[size], **options)
    shared = open_page(SIZES[size], base_url=multi_user_url, **options)
    found = {}
    for page, paths in ((local, LOCAL_PAGES), (shared, SHARED_PAGES)):
        for path in paths:
            path = path.format(episode=first_episode)
            page.goto(path)
            assert page.page.locator("main h1").count() == 1, path
            scroll_width = page.page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= SIZES[size]["width"] + 1, f"{path} scrolls sideways on {size}"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.page.screenshot(path=str(SCREENSHOTS / f"{size}-{scheme}-{_name(path)}.png"), full_page=True)
            bad = [v for v in _axe_violations(page.page) if v["impact"] in ("critical", "serious")]
            if bad:
                found[path] = bad
    assert not found, json.dumps(found, indent=1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings_stand_out_3_to_1_on_every_background(open_page, scheme):
    phone = open_page(PHONE, color_scheme=scheme)
    phone.goto("/overview")
    phone.page.keyboard.press("Tab")  # keyboard use, so :focus-visible applies to what is focused next
    measured = phone.page.evaluate(
        """() => {
            function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 3).map(Number); }
            function lum(c) { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; }
            function contrast(a, b) { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
            function background(el) {
                for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor; if (c !== "transparent" && !/, 0\\)$/.test(c)) return rgb(c); }
                return [255, 255, 255];
            }
            const out = {};
            for (const [name, selector] of [["page", "main h1"], ["card", ".level-card a"], ["header", "header.site .brand"], ["phone bar", ".phone-nav a"]]) {
                const el = document.querySelector(selector);
                if (!el) continue;
                el.setAttribute("tabindex", el.getAttribute("tabindex") || "0");
                el.focus({focusVisible: true});
                const style = getComputedStyle(el);
                out[name] = {ring: style.outlineColor, width: style.outlineWidth, ratio: contrast(rgb(style.outlineColor), background(el.parentElement))};
            }
            return out;
        }"""
    )
    assert {"card", "header", "phone bar"} <= set(measured), measured
    for name, ring in measured.items():
        assert ring["width"] == "3px" and ring["ratio"] >= 3, (scheme, name, ring)


def test_the_level_card_is_within_the_first_screen_of_the_phone_overview(phone):
    phone.goto("/overview")
    card = phone.page.get_by_test_id("level-card")
    bar = phone.page.locator(".phone-nav").bounding_box()
    visible_bottom = bar["y"] if bar else 812
    for part in (card.locator(".level"), card.get_by_text("Main reason:"), card.get_by_text("What to do:")):
        box = part.bounding_box()
        assert box is not None and box["y"] + box["height"] <= visible_bottom, (part, box, visible_bottom)
    assert card.get_by_role("link", name="Prepare for your appointment").is_visible()
    # folded advice: three things, the rest behind "more"
    advice = phone.page.locator("#what-to-do > ol > li")
    assert advice.count() <= 3
    assert "Days in a row" in phone.page.locator("main").inner_text() and "streak" not in phone.page.locator("main").inner_text().lower()
    phone.shot("phone-overview-first-screen")


def test_insights_on_a_phone_show_every_factor_row_without_sideways_scrolling(phone, server_url):
    report = _api(f"{server_url}/api/v1/insights")
    phone.goto("/insights")
    rows = phone.page.get_by_test_id("factor-row")
    assert rows.count() == len(report["associations"]) > 0
    for index in range(rows.count()):
        box = rows.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (index, box)
        text = rows.nth(index).inner_text()
        assert re.search(r"went with (more|less) twitching|no clear link|too little data", text), text
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visible = phone.page.locator("main").inner_text()
    assert "× rate" not in visible and "95%" not in visible.split("What you tried")[0].split("Which factors")[1]
    # the summary sentence agrees with the rows: what held up is named, the rest is under "Could be chance"
    summary = phone.page.get_by_test_id("factor-summary").inner_text()
    held = [a for a in report["associations"] if a["significant"]]
    if held:
        assert f"{len(held)} factor" in summary
        assert phone.page.locator(".factor-list.held [data-testid=factor-row]").count() == len(held)
    else:
        assert summary.startswith("No factor held up")
    assert phone.page.locator(".factor-list.chance [data-testid=factor-row]").count() == len(report["associations"]) - len(held)
    # the charts keep their data in text for screen readers
    for svg in phone.page.locator(".phone-only svg.chart").all():
        assert svg.locator("desc").text_content()
    phone.shot("phone-insights-list")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_prepare_for_your_appointment_gives_a_pdf_for_30_days_from_the_overview(phone):
    phone.goto("/overview")
    phone.page.get_by_role("link", name="Prepare for your appointment").click()
    phone.page.wait_for_url(re.compile(r"/report$"))
    phone.page.get_by_role("radio", name="Last 30 days").check()
    with phone.page.expect_download() as download:
        phone.page.get_by_role("button", name="Download the PDF").click()
        status = phone.page.locator("[data-report-status]")
        assert "Making your report" in status.inner_text() or "ready" in status.inner_text()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
    assert re.search(r"\(30\s+days\)", _pdf_text(data))
    phone.page.get_by_text("Your report is ready").wait_for()
    phone.shot("phone-report-ready")
    # the print version: the same report as a page
    phone.page.get_by_role("button", name="Open the print version").click()
    phone.page.wait_for_url(re.compile(r"/report/print\?"))
    page_text = phone.page.locator("main").inner_text()
    assert "(30 days)" in page_text and "Twitching per day" in page_text and "Medicines" in page_text
    phone.shot("phone-report-print")


def test_the_report_downloads_without_javascript_and_a_bad_period_is_named(phone_without_javascript):
    page = phone_without_javascript
    page.goto("/report")
    page.page.get_by_role("radio", name="Choose the dates").check()
    page.page.get_by_role("textbox", name="From").fill("2026-01-31")
    page.page.get_by_role("textbox", name="To").fill("2026-01-01")
    page.page.get_by_role("button", name="Download the PDF").click()
    assert "From: comes after To" in page.page.locator("#errors").inner_text()
    page.errors.clear()  # the browser logs the page's 422 status as a console error
    page.page.get_by_role("radio", name="Last 90 days").check()
    with page.page.expect_download() as download:
        page.page.get_by_role("button", name="Download the PDF").click()
    assert re.search(r"\(90\s+days\)", _pdf_text(Path(download.value.path()).read_bytes()))


def test_the_browsers_time_zone_is_preselected_at_sign_up(open_page, multi_user_url):
    page = open_page(PHONE, base_url=multi_user_url, timezone_id="Pacific/Auckland")
    page.goto("/register")
    assert page.page.locator("#timezone").input_value() == "Pacific/Auckland"
    assert "Preselected from this device" in page.page.locator("[data-zone-note]").inner_text()
    # the list is grouped by region and can be filtered by typing
    assert page.page.locator("#timezone optgroup[label=Europe] option").count() > 40
    page.page.get_by_label(re.compile("Find your city")).fill("auckl")
    assert page.page.locator("#timezone option:not([hidden])").count() == 1
    page.page.get_by_label("User name").fill("lucia")
    page.page.get_by_label("Password", exact=True).fill("a long enough password")
    page.page.get_by_label("Password again").fill("a long enough password")
    page.shot("phone-register-time-zone")
    page.page.get_by_role("button", name="Create account").click()
    page.page.wait_for_url(re.compile(r"/profile$"))
    assert "Pacific/Auckland" in page.page.locator(".flash").inner_text()
    assert page.page.locator("#timezone").input_value() == "Pacific/Auckland"


def test_time_zone_prompt_on_the_overview_of_a_new_local_diary(open_page, fresh_local_url):
    page = open_page(PHONE, base_url=fresh_local_url, timezone_id="Asia/Tokyo")
    page.goto("/profile")  # first the default of a diary made where no zone is known
    page.page.select_option("#timezone", "Etc/UTC")
    page.page.get_by_role("button", name="Save profile").click()
    page.page.wait_for_url(re.compile(r"/profile$"))
    page.goto("/overview")
    prompt = page.page.locator("form[data-zone-prompt]")
    assert prompt.is_visible() and "Asia/Tokyo" in prompt.inner_text()
    prompt.get_by_role("button", name="Use Asia/Tokyo").click()
    page.page.wait_for_url(re.compile(r"/overview$"))
    assert "Asia/Tokyo" in page.page.locator(".flash").inner_text()
    assert not page.page.locator("form[data-zone-prompt]").count()
    assert _api(f"{fresh_local_url}/api/v1/profile")["timezone"] == "Asia/Tokyo"


def test_the_heat_map_fits_the_phone_and_opens_a_day_on_tap(phone):
    phone.goto("/history")
    heatmap = phone.page.locator(".phone-only svg.heatmap")
    box = heatmap.bounding_box()
    assert box["width"] <= PHONE["width"] and phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "no diary yet" in heatmap.inner_html()  # the demo diary began less than 11 weeks ago
    day = heatmap.locator("a").last
    label = day.get_attribute("aria-label")
    day.click()
    phone.page.wait_for_url(re.compile(r"/history\?kind=episodes&date=\d{4}-\d\d-\d\d$"))
    chosen = phone.page.get_by_test_id("history-day").inner_text()
    count = int(re.search(r": (\d+) twitch", label).group(1))
    assert phone.page.locator("table.records tbody tr").count() == count, (label, chosen)
    phone.shot("phone-history-one-day")


def test_words_people_read_on_the_phone(phone):
    phone.goto("/history?kind=days")
    text = phone.page.locator("table.records").inner_text()
    assert "sleep_h" not in text and "caffeine_mg" not in text and re.search(r"Sleep \d+(\.\d+)? h", text)
    nav = phone.page.locator(".phone-nav")
    assert [a.inner_text() for a in nav.locator("a").all()] == ["Log", "Day", "Overview", "Insights", "More"]
    assert phone.page.locator("header.site nav").is_hidden()
    assert not phone.page.locator("footer a", has_text="API").count()
    phone.page.get_by_role("link", name="More").click()
    assert phone.page.get_by_role("link", name="Data").is_visible()
