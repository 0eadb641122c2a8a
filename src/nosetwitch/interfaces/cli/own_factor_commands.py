"""Own factors: `nosetwitch factor add|list|rename|remove` (`log day --own KEY=VALUE` values: `common.parse_own_values`).

A person may track factors of their own besides the built-in ones
(format version 2): yes/no ("antihistamine"), a 0-10 scale ("cold
weather"), or a number with a unit ("hours of driving"). They are declared
once here, recorded per day with `nosetwitch log day --own KEY=VALUE`, and
analysed by insights like the built-in factors.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from nosetwitch.domain.models import OwnFactor, OwnFactorKind
from nosetwitch.interfaces.cli.common import guard, open_service, parse_choice
from nosetwitch.interfaces.cli.root import BadInput, app

factor_app = typer.Typer(help="Factors of your own to track each day (yes/no, 0-10, or a number).", no_args_is_help=True)
app.add_typer(factor_app, name="factor")

_KINDS = {"yes_no": "yes or no", "scale": "0-10 scale", "number": "a number"}


def _describe(factor: OwnFactor) -> str:
    kind = _KINDS[factor.kind.value] + (f" in {factor.unit}" if factor.unit else "")
    return f"{factor.key}: {factor.label} ({kind})"


@factor_app.command("add")
def factor_add(
    key: str = typer.Argument(..., help="A short name: lower-case letters, digits and _, e.g. antihistamine."),
    label: str | None = typer.Option(None, "--label", help="How you call it (default: the key)."),
    kind: str = typer.Option("yes_no", "--kind", help="yes_no, scale (0-10) or number."),
    unit: str | None = typer.Option(None, "--unit", help="For --kind number: e.g. hours, km, cups."),
) -> None:
    """Start tracking a factor of your own."""
    fields: dict[str, Any] = {
        "key": key.strip(),
        "label": (label if label is not None else key).strip(),
        "kind": parse_choice(kind, OwnFactorKind, option="--kind"),
        "unit": unit.strip() if unit else None,
    }
    factor = guard(lambda: open_service().add_own_factor(**fields))
    typer.echo(f"Tracking {_describe(factor)}. Record it with: nosetwitch log day --own {factor.key}=VALUE")


@factor_app.command("list")
def factor_list() -> None:
    """Show your own factors."""
    factors = open_service().get_person().own_factors
    if not factors:
        typer.echo("No factors of your own yet. Add one with: nosetwitch factor add antihistamine --label Antihistamine")
    for factor in factors:
        typer.echo(_describe(factor))


@factor_app.command("rename")
def factor_rename(
    key: str = typer.Argument(..., help="The factor's key (see `nosetwitch factor list`)."),
    label: str = typer.Option(..., "--label", help="The new name."),
) -> None:
    """Give an own factor another name (its values stay)."""
    factor = guard(lambda: open_service().update_own_factor(key, label=label.strip()))
    typer.echo(f"Renamed: {_describe(factor)}.")


@factor_app.command("remove")
def factor_remove(
    key: str = typer.Argument(..., help="The factor's key (see `nosetwitch factor list`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask; needed when not run interactively."),
) -> None:
    """Stop tracking an own factor and forget its values on every day."""
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("factor remove: this deletes the factor's values on every day; add --yes to confirm")
        typer.confirm(f"Remove {key!r} and its value on every day?", abort=True)
    days = guard(lambda: open_service().remove_own_factor(key))
    typer.echo(f"Removed {key!r} (it had a value on {days} day{'s' if days != 1 else ''}).")
