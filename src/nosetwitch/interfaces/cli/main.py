"""The `nosetwitch` command: a root Typer app that the command modules attach to.

Start-up time matters (people log a twitch with one command), so command
modules import heavy libraries (pandas, statsmodels, FastAPI, matplotlib)
inside the functions that need them, never at module level.
"""

from __future__ import annotations

import sys

import click
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


def _register_commands() -> None:
    # Each module adds its commands to `app` when imported.
    from nosetwitch.interfaces.cli import (
        diary_commands,  # noqa: F401
        health_commands,  # noqa: F401
        insights_commands,  # noqa: F401
        own_factor_commands,  # noqa: F401
        report_commands,  # noqa: F401
        triage_commands,  # noqa: F401
    )
    from nosetwitch.interfaces.web import cli as web_cli  # noqa: F401


# Typer >= 0.20 ships its own copy of click; its usage errors (a bad option
# value, an unknown option) are not click.ClickException subclasses.
try:
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # older Typer: plain click
    _TyperClickException = click.ClickException


class BadInput(Exception):
    """Raised by commands for input the person must correct (exit code 2)."""


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and leave with exit code 2; nothing was written."""
    typer.echo(f"nosetwitch: error: {message}", err=True)
    raise typer.Exit(code=2)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors become one line on stderr, exit 2."""
    _register_commands()
    try:
        # Without standalone mode click catches Exit itself and returns its code.
        exit_code = app(args=argv, standalone_mode=False)
    except (click.exceptions.Abort, typer.Abort):
        typer.echo("nosetwitch: aborted", err=True)
        sys.exit(130)
    except (click.ClickException, _TyperClickException) as exc:
        message = exc.format_message()
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"nosetwitch: error: {message}{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BadInput as exc:
        typer.echo(f"nosetwitch: error: {exc}", err=True)
        sys.exit(2)
    if isinstance(exit_code, int) and exit_code:
        sys.exit(exit_code)
