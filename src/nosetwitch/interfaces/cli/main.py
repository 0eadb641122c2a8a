"""The `nosetwitch` command: the root app (`root`) with every command module attached.

Start-up time matters (people log a twitch with one command), so command
modules import heavy libraries (SQLAlchemy, pandas, statsmodels, FastAPI,
matplotlib, rich) inside the functions that need them, never at module level;
each such import is marked `# lazy:` (tests/test_no_cycle_imports.py).
"""

from __future__ import annotations

import contextlib
import io
import sys

import click
import typer

# Each command module adds its commands to `root.app` when imported.
from nosetwitch.interfaces.cli import (
    diary_commands,  # noqa: F401
    health_commands,  # noqa: F401
    insights_commands,  # noqa: F401
    own_factor_commands,  # noqa: F401
    report_commands,  # noqa: F401
    triage_commands,  # noqa: F401
)
from nosetwitch.interfaces.cli.common import forget_services
from nosetwitch.interfaces.cli.root import BadInput, app
from nosetwitch.interfaces.web import cli as web_cli  # noqa: F401  (`serve`, `user`)

# Typer >= 0.20 ships its own copy of click; its usage errors (a bad option
# value, an unknown option) are not click.ClickException subclasses.
try:
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # older Typer: plain click
    _TyperClickException = click.ClickException  # type: ignore[misc, assignment]  # the same role under another name


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors become one line on stderr, exit 2."""
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


def run_captured(*args: str) -> tuple[int, str, str]:
    """Run `nosetwitch ARGS...` in this process; returns (exit code, stdout, stderr).

    For tests and notebooks: the same entry point as the console script, with
    its output captured and the service cache dropped first.
    """
    forget_services()
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()
