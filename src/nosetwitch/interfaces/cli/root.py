"""The root `nosetwitch` Typer app, the options every command sees, and how a command fails.

Every command module (and `interfaces.web.cli`) imports this module and adds
its commands to `app`; `main` imports all of them and runs the app. Nothing
here imports a command module, so the imports point one way only.
"""

from __future__ import annotations

from typing import NoReturn

import typer

from nosetwitch import __version__

app = typer.Typer(
    name="nosetwitch",
    help="A private diary, triage check and pattern finder for nose twitching. It does not diagnose.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """Options that every command sees (set by the root callback)."""

    db_url: str | None = None


settings = Settings()


class BadInput(Exception):
    """Raised by commands for input the person must correct (exit code 2)."""


def fail(message: str) -> NoReturn:
    """Print one line on stderr and leave with exit code 2; nothing was written."""
    typer.echo(f"nosetwitch: error: {message}", err=True)
    raise typer.Exit(code=2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nosetwitch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="NOSETWITCH_DATABASE_URL",
        help="Database URL (default: an SQLite file in your data folder). "
        "Example: postgresql+psycopg://user@localhost/nosetwitch",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    settings.db_url = db
