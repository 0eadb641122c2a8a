"""Own factors: `nosetwitch factor add|list|rename|remove`, and `--own KEY=VALUE` values for `log day`.

A person may track factors of their own besides the built-in ones
(format version 2): yes/no ("antihistamine"), a 0-10 scale ("cold
weather"), or a number with a unit ("hours of driving"). They are declared
once here, recorded per day with `nosetwitch log day --own KEY=VALUE`, and
analysed by insights like the built-in factors.
"""

from __future__ import annotations

from typing import Any

import typer

from nosetwitch.interfaces.cli.common import open_service
from nosetwitch.interfaces.cli.diary_commands import _guard  # the one turning service refusals into CLI lines
from nosetwitch.interfaces.cli.main import BadInput, app

factor_app = typer.Typer(help="Factors of your own to track each day (yes/no, 0-10, or a number).", no_args_is_help=True)
app.add_typer(factor_app, name="factor")

_KINDS = {"yes_no": "yes or no", "scale": "0-10 scale", "number": "a number"}
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


def _describe(factor) -> str:
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
    from nosetwitch.domain.models import OwnFactorKind
    from nosetwitch.interfaces.cli.common import parse_choice

    fields: dict[str, Any] = {
        "key": key.strip(),
        "label": (label if label is not None else key).strip(),
        "kind": parse_choice(kind, OwnFactorKind, option="--kind"),
        "unit": unit.strip() if unit else None,
    }
    factor = _guard(lambda: open_service().add_own_factor(**fields))
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
    factor = _guard(lambda: open_service().update_own_factor(key, label=label.strip()))
    typer.echo(f"Renamed: {_describe(factor)}.")


@factor_app.command("remove")
def factor_remove(
    key: str = typer.Argument(..., help="The factor's key (see `nosetwitch factor list`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask; needed when not run interactively."),
) -> None:
    """Stop tracking an own factor and forget its values on every day."""
    if not yes:
        import sys

        if not sys.stdin.isatty():
            raise BadInput("factor remove: this deletes the factor's values on every day; add --yes to confirm")
        typer.confirm(f"Remove {key!r} and its value on every day?", abort=True)
    days = _guard(lambda: open_service().remove_own_factor(key))
    typer.echo(f"Removed {key!r} (it had a value on {days} day{'s' if days != 1 else ''}).")


def parse_own_values(pairs: list[str], factors) -> dict[str, bool | int | float]:
    """`KEY=VALUE` pairs of `log day --own`, each read by its factor's kind (yes/no, 0-10, number)."""
    declared = {factor.key: factor for factor in factors}
    values: dict[str, bool | int | float] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip(), text.strip().lower()
        if not sep or not key or not text:
            raise BadInput(f"--own: expected KEY=VALUE, e.g. --own antihistamine=yes (got {pair!r})")
        factor = declared.get(key)
        if factor is None:
            known = ", ".join(declared) or "none yet; add one with `nosetwitch factor add KEY`"
            raise BadInput(f"--own {key}: not one of your own factors (yours: {known})")
        values[key] = _own_value(factor, text)
    return values


def _own_value(factor, text: str) -> bool | int | float:
    import math

    kind = factor.kind.value
    if kind == "yes_no":
        if text in _YES or text in _NO:
            return text in _YES
        raise BadInput(f"--own {factor.key}: expected yes or no, got {text!r}")
    try:
        number = float(text)
    except ValueError:
        raise BadInput(f"--own {factor.key}: expected a number, got {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise BadInput(f"--own {factor.key}: expected a number of 0 or more, got {text!r}")
    if kind == "scale":
        if not number.is_integer() or number > 10:
            raise BadInput(f"--own {factor.key}: expected a whole number from 0 to 10, got {text!r}")
        return int(number)
    return int(number) if number.is_integer() else number
