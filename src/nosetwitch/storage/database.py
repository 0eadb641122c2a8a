"""Opening the database: where it lives, connection settings, schema upgrades.

`open_engine(url)` is the one entry point. It

- picks the default SQLite file when no URL is given (see `default_database_url`),
- switches SQLite to WAL mode with foreign keys on, for every connection,
- brings the schema to the newest Alembic revision. The fast path reads
  `alembic_version` with one query and compares it with `SCHEMA_HEAD`, so
  Alembic itself is only imported when there is something to upgrade (this
  keeps `nosetwitch log twitch` quick).

Engines are cached per URL for the life of the process.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from nosetwitch.storage import SCHEMA_HEAD, DatabaseError  # noqa: F401  (re-exported; both defined in storage/__init__.py)
from nosetwitch.storage.location import (  # noqa: F401  (re-exported)
    DATABASE_URL_ENV,
    DEFAULT_FILENAME,
    HOME_ENV,
    data_dir,
    default_database_url,
    normalize_url,
)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def open_engine(url: str | None = None, *, upgrade: bool = True) -> Engine:
    """The (cached) engine for a URL, with the schema at `SCHEMA_HEAD`."""
    url = normalize_url(url) if url else default_database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            if upgrade:
                ensure_schema(engine)
            _engines[url] = engine
    return engine


CHECKPOINT_EVERY_S = 0.5
"""How often, at most, the background thread of `checkpoint_in_background` copies the log back."""
SAFETY_CHECKPOINT_PAGES = 4000
"""The log length (16 MB) at which a commit still checkpoints itself, as SQLite does at 1,000."""


def checkpoint_in_background(engine: Engine) -> None:
    """For a long-running process on SQLite (the web server): its commits no longer copy
    the write-ahead log back into the database file; one background thread does that.

    SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000
    pages, fsync included: on the server's event loop that commit, and every request
    waiting behind it, stalled for 20 to 110 ms about once a second under load
    (bench/web_load.py's p99). Here a commit hands the copy to the thread instead, at
    most every `CHECKPOINT_EVERY_S`, as a PASSIVE checkpoint, which never waits for a
    reader or a writer nor holds one up. Under steady writing such a checkpoint never
    quite catches up, so the log could not start again from its beginning: at
    `SAFETY_CHECKPOINT_PAGES` a commit still checkpoints itself, copying only what the
    thread has not. Other processes on the same file (the CLI) keep SQLite's automatic
    one, and the last connection to close checkpoints as ever. Other databases and
    SQLite in memory: nothing to do. Once per engine."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or not database or ":memory:" in database or "mode=memory" in str(engine.url):
        return  # an in-memory database has no log (and closing its connection would lose it)
    with _checkpoint_lock:
        if engine in _checkpointers:
            return
        _checkpointers[engine] = _Checkpointer(engine)
    event.listen(engine, "engine_disposed", _forget_checkpointer)


class _Checkpointer:
    """The background checkpoints of one SQLite engine (`checkpoint_in_background`).

    A commit wakes a daemon thread, unless one is at work: it checkpoints, waits
    `CHECKPOINT_EVERY_S`, and goes round again while commits came meanwhile, so the
    last commits of a burst are copied too; then it ends."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._state = threading.Lock()
        self._committed_since = False  # a commit came since the thread last started a checkpoint
        self._working = False  # a thread is at work
        event.listen(engine, "connect", _with_fewer_automatic_checkpoints)
        engine.pool.dispose()  # connections opened before: closed, so every one opens with it
        event.listen(engine, "commit", self._committed)

    def _committed(self, _connection) -> None:
        with self._state:
            self._committed_since = True
            if self._working:
                return
            self._working = True
        threading.Thread(target=self._work, name="nosetwitch-checkpoint", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._state:
                if not self._committed_since or _checkpointers.get(self._engine) is not self:
                    self._working = False
                    return
                self._committed_since = False
            self._checkpoint()
            time.sleep(CHECKPOINT_EVERY_S)

    def _checkpoint(self) -> None:
        try:
            connection = self._engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                cursor.close()
            finally:
                connection.close()
        except Exception:  # noqa: BLE001  the next commit asks again; closing the last connection checkpoints too
            _log.debug("background checkpoint failed", exc_info=True)


def _with_fewer_automatic_checkpoints(dbapi_connection, _record) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")


def _forget_checkpointer(engine: Engine) -> None:
    with _checkpoint_lock:  # not `_lock`: dispose_engines holds that one while it disposes
        _checkpointers.pop(engine, None)


_checkpointers: dict[Engine, _Checkpointer] = {}
_checkpoint_lock = threading.Lock()
_log = logging.getLogger(__name__)


def dispose_engines() -> None:
    """Close every cached engine (tests call this before dropping a database)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise DatabaseError(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the folder for {database}: {exc.strerror or exc}") from None
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad options
        raise DatabaseError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web app read while the CLI writes; foreign keys are off in
    # SQLite unless asked for, and the schema relies on them (cascades).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # Python's sqlite3 only opens a transaction before a write, so the SELECTs
    # of one session would each see a different moment (a diary read while the
    # CLI writes could come back torn). Let SQLAlchemy's "begin" emit BEGIN
    # itself (_sqlite_begin), as the SQLAlchemy SQLite dialect docs advise.
    dbapi_connection.isolation_level = None


WRITE_OPTION = "nosetwitch_write"
"""Execution option marking an engine whose transactions will write (see `writer`)."""


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that will write.

    On SQLite these start with BEGIN IMMEDIATE: the write lock is taken up
    front, so a transaction that reads (say, the highest id) and then writes
    cannot be overtaken by another writer in between. Other databases get
    the ordinary BEGIN; `DiaryService` locks the owner's row there.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


def reader(engine: Engine) -> Engine:
    """The same engine, for transactions that read several tables as one moment.

    PostgreSQL's default READ COMMITTED takes a new snapshot per statement, so
    a diary loaded with several SELECTs could show an episode whose sites were
    not yet written; REPEATABLE READ gives the whole transaction one snapshot.
    SQLite already has that within the BEGIN that `_sqlite_begin` emits.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in `alembic_version`, or None for an empty database."""
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if _is_missing_table(exc):
            return None
        raise DatabaseError(f"cannot open the database: {_reason(exc)}") from None


def ensure_schema(engine: Engine) -> None:
    """Upgrade the schema to head unless it is already there (one query when it is)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    upgrade_schema(engine)


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations (imported here only, they are slow to import)."""
    from alembic import command

    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            raise DatabaseError(f"cannot set up the database: {_reason(exc)}") from None
        raise


def alembic_config():
    """An Alembic Config pointing at the migrations shipped inside the package."""
    from importlib.resources import files

    from alembic.config import Config

    location = files("nosetwitch.storage") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(location))
    return config


def _is_missing_table(exc: Exception) -> bool:
    message = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in message or ("alembic_version" in message and "does not exist" in message)


def _reason(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
