"""The quick path of `nosetwitch log twitch`: one episode into a local SQLite diary.

Logging a twitch is the command people type most, and importing SQLAlchemy
alone takes longer than the whole command may (300 ms). So, for an SQLite
diary that already exists, is at the newest schema revision and has a
person record, this module appends the episode with the standard library's
`sqlite3`. It writes exactly the rows `DiaryService.add_episodes` writes (the
column values come from `storage.records`, a test compares the two paths).
In every other case `QuickLog.open` returns None and the caller uses the
full `DiaryService`. `services.episodes` chooses between the two and
validates; nothing here calls back into a service or an interface.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nosetwitch.domain.models import Episode
from nosetwitch.storage import SCHEMA_HEAD
from nosetwitch.storage import records as rec
from nosetwitch.storage.location import default_database_url

_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
# SQLAlchemy's storage format for DATETIME on SQLite; the two paths must agree.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_file(url: str | None) -> Path | None:
    """The file of a plain SQLite URL, or None for anything else (other databases, options, memory)."""
    url = url or default_database_url()
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if rest and "?" not in rest and rest != ":memory:" and not rest.startswith("file:"):
                return Path(rest)
    return None


def _column(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).strftime(_SQLITE_DATETIME)  # already UTC
    if isinstance(value, bool):
        return int(value)
    return value


class QuickLog:
    """An open SQLite diary of one owner, ready to take an episode."""

    def __init__(self, connection: sqlite3.Connection, owner_id: int, timezone: str) -> None:
        self.connection = connection
        self.owner_id = owner_id
        self._timezone = timezone

    @classmethod
    def open(cls, url: str | None, username: str = "local") -> QuickLog | None:
        """Open the diary if the quick path applies, else None (see the module docstring)."""
        path = sqlite_file(url)
        if path is None or not path.is_file():
            return None
        connection = sqlite3.connect(path, timeout=5, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=5000")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if revision is None or revision[0] != SCHEMA_HEAD:
                raise LookupError("schema needs an upgrade")
            row = connection.execute(
                "SELECT users.id, profiles.timezone FROM users JOIN profiles ON profiles.owner_id = users.id "
                "WHERE users.username = ?",
                (username,),
            ).fetchone()
            if row is None:
                raise LookupError("no user or person record yet")
        except (sqlite3.Error, LookupError):
            connection.close()
            return None
        return cls(connection, row[0], row[1])

    def timezone(self) -> str:
        """The person's time zone (what `log twitch` reads a time like '21:30' in)."""
        return self._timezone

    def add_episodes(self, episodes: Sequence[Episode], *, new_ids: Sequence[bool] = ()) -> list[Episode]:
        """Store new episodes in one transaction, each with the next `e<n>` id; returns them stored.

        The quick strategy of `services.episodes.log_twitches`, which
        validates them first. It only makes ids (`new_ids` all true): an
        episode with an id of its own goes through `DiaryService`.
        """
        if len(new_ids) != len(episodes) or not all(new_ids):
            raise ValueError("the quick path stores twitches with new ids only")
        if not episodes:
            return []
        db = self.connection
        db.execute("BEGIN IMMEDIATE")
        try:
            # As DiaryService.add_episodes: move the revision, take the next id numbers, and
            # record that this write only adds episodes (UserRow.appends_since), so readers'
            # copies fetch just these. SET reads the row as it was: `revision` is the old one.
            (last,) = db.execute(
                "UPDATE users SET revision = revision + 1, last_episode_number = last_episode_number + ?, "
                "appended_revision = revision + 1, "
                "appends_since = CASE WHEN appended_revision = revision THEN appends_since ELSE revision END "
                "WHERE id = ? RETURNING last_episode_number",
                (len(episodes), self.owner_id),
            ).fetchone()
            first = last - len(episodes) + 1
            if any(self._taken(f"e{n}") for n in range(first, last + 1)):  # ids given explicitly (an import) got there first
                ids = [
                    value
                    for (value,) in db.execute(
                        "SELECT id FROM episodes WHERE owner_id = ? UNION ALL SELECT id FROM symptoms WHERE owner_id = ?",
                        (self.owner_id, self.owner_id),
                    )
                ]
                first = int(rec.next_record_id(ids, "e")[1:])
                db.execute("UPDATE users SET last_episode_number = ? WHERE id = ?", (first + len(episodes) - 1, self.owner_id))
            stored = [episode.model_copy(update={"id": f"e{first + i}"}) for i, episode in enumerate(episodes)]
            for episode in stored:
                self._insert(episode)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return stored

    def _insert(self, episode: Episode) -> None:
        db = self.connection
        values = {name: _column(value) for name, value in rec.episode_values(episode).items()}
        columns = ["owner_id", *values]
        cursor = db.execute(
            f"INSERT INTO episodes ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [self.owner_id, *values.values()],
        )
        episode_pk = cursor.lastrowid
        db.executemany(
            "INSERT INTO episode_sites (episode_pk, position, owner_id, site) VALUES (?, ?, ?, ?)",
            [(episode_pk, i, self.owner_id, site) for i, site in enumerate(rec.episode_sites(episode))],
        )
        db.executemany(
            "INSERT INTO episode_interferences (episode_pk, position, owner_id, activity) VALUES (?, ?, ?, ?)",
            [(episode_pk, i, self.owner_id, a) for i, a in enumerate(rec.episode_interferences(episode))],
        )

    def _taken(self, record_id: str) -> bool:
        return (
            self.connection.execute(
                "SELECT 1 FROM episodes WHERE owner_id = ? AND id = ? UNION ALL SELECT 1 FROM symptoms WHERE owner_id = ? AND id = ?",
                (self.owner_id, record_id, self.owner_id, record_id),
            ).fetchone()
            is not None
        )

    def close(self) -> None:
        self.connection.close()
