"""Alembic environment for nosetwitch.

Used two ways:
- by `nosetwitch.storage.database.upgrade_schema`, which hands over an open
  connection in `config.attributes["connection"]`;
- by hand: `alembic -c src/nosetwitch/storage/migrations/alembic.ini upgrade head`
  (database from `--db`-style `-x url=...`, else `$NOSETWITCH_DATABASE_URL`,
  else the default SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from nosetwitch.storage.database import default_database_url, normalize_url
from nosetwitch.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    return normalize_url(url) if url else default_database_url()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(_url())
    with engine.begin() as connection:
        _configure(connection)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
