"""Where the diary lives: the default SQLite file and URL spelling (no SQLAlchemy here)."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "NOSETWITCH_DATABASE_URL"
HOME_ENV = "NOSETWITCH_HOME"
DEFAULT_FILENAME = "nosetwitch.sqlite3"


def data_dir() -> Path:
    """The folder of the default database: `$NOSETWITCH_HOME`, else the platform's user data folder."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("nosetwitch", appauthor=False))


def default_database_url() -> str:
    """`$NOSETWITCH_DATABASE_URL` if set, else the SQLite file in `data_dir()`."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return normalize_url(url)
    return f"sqlite:///{data_dir() / DEFAULT_FILENAME}"


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` / `postgres://` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
