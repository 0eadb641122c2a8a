"""The installable app in a real browser at 375x812 (issue 14): the manifest, the
service worker, and twitches logged offline that are sent once, and only once."""

from __future__ import annotations

import json
import re
import struct
import urllib.request

import pytest

from .conftest import PHONE, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "Failed to fetch", "Failed to load resource")


def _total(server_url: str) -> int:
    with urllib.request.urlopen(f"{server_url}/api/v1/episodes?limit=1", timeout=10) as response:
        return json.loads(response.read())["total"]


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", body[16:24])


@pytest.fixture
def installed_phone(browser, server_url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, service_workers="allow")
    page = Page(context.new_page(), server_url)
    try:
        yield page, context
        errors = [e for e in page.errors if not any(noise in e for noise in OFFLINE_NOISE)]
        assert not errors, f"errors in the browser console: {errors}"
    finally:
        context.close()


def test_the_manifest_is_valid_and_linked(installed_phone, server_url):
    phone, context = installed_phone
    phone.goto("/overview")
    href = phone.page.locator('link[rel="manifest"]').get_attribute("href")
    manifest_response = context.request.get(server_url + href)
    assert manifest_response.ok and manifest_response.headers["content-type"].startswith("application/manifest+json")
    manifest = manifest_response.json()
    assert manifest["name"] and manifest["short_name"] and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"]) and re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    assert phone.page.locator('meta[name="theme-color"]').get_attribute("content") == manifest["theme_color"]
    sizes = {}
    for icon in manifest["icons"]:
        body = context.request.get(server_url + icon["src"])
        assert body.ok, icon
        if icon["type"] == "image/png":
            width, height = _png_size(body.body())
            assert icon["sizes"] == f"{width}x{height}"
            sizes[width] = icon["purpose"]
    assert {192, 512} <= set(sizes)
    # start_url opens the Log page
    phone.goto(manifest["start_url"])
    assert phone.page.get_by_role("button", name=re.compile("Twitching now")).is_visible()


def test_three_taps_offline_are_queued_then_stored_exactly_once(installed_phone, server_url):
    phone, context = installed_phone
    page = phone.page
    phone.goto("/")
    # the service worker is registered and controls the page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    before = _total(server_url)

    context.set_offline(True)
    page.reload()  # the Log page opens with no connection (from the service worker's copy)
    button = page.get_by_role("button", name=re.compile("Twitching now"))
    status = page.locator("[data-queue-status]")
    for n in (1, 2, 3):
        button.click()
        page.wait_for_function("n => document.querySelector('[data-queue-status]').dataset.waiting === String(n)", arg=n)
    assert "3 twitches waiting to be sent (the latest tapped at" in status.inner_text()
    assert status.is_visible()
    phone.shot("phone-offline-three-waiting")
    queued = page.evaluate("window.nosetwitchQueue.all()")
    assert len(queued) == 3 and len({tap["id"] for tap in queued}) == 3
    assert _total(server_url) == before  # nothing reached the server

    context.set_offline(False)  # back online: the queue is sent by itself
    page.wait_for_function("() => document.querySelector('[data-queue-status]').dataset.waiting === '0'", timeout=20000)
    assert "Sent 3 twitches" in status.inner_text()
    phone.shot("phone-offline-sent")
    assert _total(server_url) == before + 3
    stored = {item["id"]: item["started_at"] for item in json.loads(urllib.request.urlopen(f"{server_url}/api/v1/episodes?limit=10").read())["items"]}
    assert {tap["id"] for tap in queued} <= set(stored)  # each under the id made on the phone

    # replaying the same queue (a lost answer, a double send) stores nothing new
    page.evaluate("taps => Promise.all(taps.map(t => window.nosetwitchQueue.put(t)))", queued)
    assert page.evaluate("window.nosetwitchQueue.flush()") == 3  # each answered "already stored"
    assert page.evaluate("window.nosetwitchQueue.all()") == []
    assert _total(server_url) == before + 3


def test_a_tap_online_opens_the_new_twitch_as_before(installed_phone, server_url):
    phone, _ = installed_phone
    phone.goto("/")
    before = _total(server_url)
    phone.page.get_by_role("button", name=re.compile("Twitching now")).click()
    phone.page.wait_for_url(re.compile(r"/episodes/tap-[0-9a-f-]{36}\?new=1"))
    assert "Logged a twitch" in phone.page.locator(".flash").inner_text()
    assert phone.page.evaluate("window.nosetwitchQueue.all()") == []
    assert _total(server_url) == before + 1
