"""Shared pytest fixtures for every nosetwitch test module.

Use them by naming them as test arguments:

- ``db_url``: a database URL for a fresh, empty nosetwitch database, run once
  per backend: ``sqlite`` (a file under ``tmp_path``) and ``postgresql`` (the
  real server on 127.0.0.1:5432, or ``$NOSETWITCH_TEST_POSTGRES_URL``). Each
  pytest session and xdist worker creates its own uniquely named PostgreSQL
  database, dropped at the end; each test gets its own schema inside it (via
  ``search_path`` in the URL), so tests never see each other's rows. Open it
  with ``DiaryService(db_url)``. PostgreSQL tests carry the ``postgres`` marker
  and skip with a message when the server is unreachable, except with
  ``CI=true``, where they fail.
- ``sqlite_url``: the SQLite case alone (for tests that need not run twice).
- ``postgres_url``: the PostgreSQL case alone.
- ``cli``: runs the ``nosetwitch`` entry point in-process and returns
  ``(exit code, stdout, stderr)``, e.g. ``code, out, err = cli("--db",
  db_url, "log", "twitch")``. Outside fixtures import it as
  ``from nosetwitch.interfaces.cli.main import run_captured`` (never
  ``from conftest import ...``: tests/browser has a conftest of its own).
- ``shared_dir``: the ``../shared`` folder beside the checkout (specs, public
  cases); tests using it skip when it is absent.

Autouse: every test runs with ``NOSETWITCH_HOME`` pointing into its own
``tmp_path`` and without ``NOSETWITCH_DATABASE_URL``, so nothing ever touches
the developer's real diary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get(
    "NOSETWITCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
# Test set-up DDL must fail, not hang, when another session holds a lock.
_ADMIN_CONNECT_ARGS = {"connect_timeout": 10, "options": "-c lock_timeout=30s -c statement_timeout=60s"}


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOSETWITCH_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("NOSETWITCH_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent (the shared specs and cases sit beside the checkout)")
    return SHARED_DIR


@pytest.fixture
def cli():
    """`nosetwitch.interfaces.cli.main.run_captured`, as a fixture."""
    from nosetwitch.interfaces.cli.main import run_captured

    return run_captured


# --- PostgreSQL ------------------------------------------------------------------------------


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL tests need a server at {POSTGRES_ADMIN_URL}: {reason}"
    if IN_CI:
        pytest.fail(message + " (mandatory with CI=true)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _postgres_database(worker_id: str) -> Iterator[str]:
    """Create one uniquely named database for this session/worker; drop it afterwards.

    `worker_id` is pytest-xdist's fixture ('gw0', 'gw1'..., or 'master').
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"nosetwitch_test_{worker_id}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args=_ADMIN_CONNECT_ARGS)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # driver missing, server down, auth refused
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from nosetwitch.storage.database import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(_postgres_database: str) -> Iterator[str]:
    """A fresh schema in the session's database, selected through search_path."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_postgres_database, isolation_level="AUTOCOMMIT", connect_args=_ADMIN_CONNECT_ARGS)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{_postgres_database}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        from nosetwitch.storage.database import dispose_engines

        dispose_engines()
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


# --- SQLite ------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    from nosetwitch.storage.database import dispose_engines

    dispose_engines()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend in turn (see the module docstring)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")
