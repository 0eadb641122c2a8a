"""Where a page sends the browser next: post/redirect/get with a flash message, same-site only.

Its own module because pages, the undo button and the phone pages all answer a
form this way (and `pages` imports `undo`, so `undo` cannot import `pages`).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse


def redirect(url: str, flash: str | None = None, request: Request | None = None) -> RedirectResponse:
    """A 303 to `url`; `flash` is shown once on the page it leads to."""
    if flash and request is not None:
        request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)


def safe_next(target: str) -> str:
    """Only same-site paths: a login link must not send people elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
