"""Draw the app's PNG icons (192 and 512 px, for the web app manifest) from static/icon.svg.

Run after changing icon.svg: `.venv/bin/python scripts/make-icons.py`. It uses the
browser the browser tests use (Debian's chromium through Playwright), so the
PNGs look exactly like the SVG in a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "src" / "nosetwitch" / "interfaces" / "web" / "static"
CHROMIUM = os.environ.get("NOSETWITCH_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    svg = (STATIC / "icon.svg").read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for size in (192, 512):
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f'<html><body style="margin:0">{sized}</body></html>')
            page.screenshot(path=str(STATIC / f"icon-{size}.png"), omit_background=True)
            page.close()
            print(f"wrote {STATIC / f'icon-{size}.png'}")
        browser.close()


if __name__ == "__main__":
    main()
