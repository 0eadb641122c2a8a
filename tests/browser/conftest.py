"""Browser tests: Playwright (sync API) driving Debian's chromium against a real server.

The server is `nosetwitch serve` in a subprocess on a free loopback port,
on a fresh SQLite diary filled by `nosetwitch demo`. Screenshots go to
`artifacts/screenshots/` (ignored by git) for people to look at. Without
chromium or Playwright the tests skip with a message, except with CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("NOSETWITCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (browser tests are mandatory with CI=true)", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nosetwitch(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nosetwitch", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120)


def _serve(home: Path, *options: str, demo: bool) -> Iterator[str]:
    env = {**os.environ, "NOSETWITCH_HOME": str(home), "TZ": "Europe/Berlin"}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    database = f"sqlite:///{home / 'browser.sqlite3'}"
    if demo:
        _nosetwitch("--db", database, "profile", "--timezone", "Europe/Berlin", env=env)
        _nosetwitch("--db", database, "demo", env=env)
    port = _free_port()
    process = _nosetwitch("--db", database, "serve", "--port", str(port), *options, env=env, background=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v1/session", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"nosetwitch serve did not start:\n{output}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running `nosetwitch serve` (local mode) on a demo diary; stopped after the session."""
    yield from _serve(tmp_path_factory.mktemp("web-home"), demo=True)


@pytest.fixture(scope="session")
def multi_user_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running `nosetwitch serve --multi-user` on an empty database."""
    yield from _serve(tmp_path_factory.mktemp("web-multi"), "--multi-user", demo=False)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A Playwright page that records console errors and takes named screenshots."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        return response

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _page(browser, server_url: str, viewport: dict, **options) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, **options)
    page = Page(context.new_page(), server_url)
    try:
        yield page
        assert not page.errors, f"errors in the browser console: {page.errors}"
    finally:
        context.close()


@pytest.fixture
def phone(browser, server_url: str) -> Iterator[Page]:
    yield from _page(browser, server_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def desktop(browser, server_url: str) -> Iterator[Page]:
    yield from _page(browser, server_url, DESKTOP)


@pytest.fixture
def phone_without_javascript(browser, server_url: str) -> Iterator[Page]:
    yield from _page(browser, server_url, PHONE, java_script_enabled=False)


@pytest.fixture
def phone_on_a_shared_server(browser, multi_user_url: str) -> Iterator[Page]:
    yield from _page(browser, multi_user_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture(scope="session")
def fresh_local_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running `nosetwitch serve` (local mode) on an empty diary: its zone is still the default Etc/UTC."""
    yield from _serve(tmp_path_factory.mktemp("web-fresh"), demo=False)


@pytest.fixture
def open_page(browser, server_url: str):
    """Open pages of any size and colour scheme: open_page(viewport, base_url=..., color_scheme="dark", ...).

    Each gets its own browser context (closed after the test) and must log no console errors."""
    made: list[tuple[object, Page]] = []

    def make(viewport: dict, base_url: str | None = None, **options) -> Page:
        context = browser.new_context(viewport=viewport, **options)
        page = Page(context.new_page(), base_url or server_url)
        made.append((context, page))
        return page

    try:
        yield make
        for _, page in made:
            assert not page.errors, f"errors in the browser console: {page.errors}"
    finally:
        for context, _ in made:
            context.close()
