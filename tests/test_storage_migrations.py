"""Alembic: migrations build the schema from nothing and agree with the models."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from nosetwitch.storage.database import SCHEMA_HEAD, alembic_config, current_revision, upgrade_schema
from nosetwitch.storage.models import Base


def test_schema_head_constant_matches_the_newest_migration():
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [SCHEMA_HEAD], "update SCHEMA_HEAD in storage/__init__.py after adding a migration"


def test_upgrade_head_from_empty_then_no_drift(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade_schema(engine, "head")
        assert current_revision(engine) == SCHEMA_HEAD
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table(db_url):
    from alembic import command

    engine = create_engine(db_url)
    try:
        upgrade_schema(engine, "head")
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_the_alembic_command_line_upgrades_an_empty_database(tmp_path):
    """`alembic -c src/nosetwitch/storage/migrations/alembic.ini upgrade head`, as docs/diary.md shows."""
    import subprocess
    import sys
    from pathlib import Path

    import nosetwitch.storage

    ini = Path(nosetwitch.storage.__file__).parent / "migrations" / "alembic.ini"
    url = f"sqlite:///{tmp_path / 'by-hand.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "-x", f"url={url}", "upgrade", "head"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    try:
        assert current_revision(engine) == SCHEMA_HEAD
        assert "episodes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
