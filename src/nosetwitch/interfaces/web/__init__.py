"""The web app and JSON API (FastAPI + Jinja2), served by `nosetwitch serve`.

`create_app(database_url)` builds the app; everything it shows comes from the
services layer. FastAPI is imported on first use of `create_app`, not when
this package is, so registering the `serve` command keeps the CLI quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nosetwitch.interfaces.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from nosetwitch.interfaces.web.app import create_app  # lazy: FastAPI (start-up time of the CLI)

        return create_app
    raise AttributeError(name)
