"""`nosetwitch import-health`: fill day check-ins from Apple Health, Fitbit, Oura or a CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from nosetwitch.domain.vocabulary import FACTORS
from nosetwitch.interfaces.cli.common import open_service, parse_date
from nosetwitch.interfaces.cli.root import BadInput, app
from nosetwitch.services.errors import DiaryError

if TYPE_CHECKING:
    from nosetwitch.services.diary import DiaryService


def factor_words(factor: str, service: DiaryService) -> str:
    """'sleep (hours)', or an own factor's label ('Meditation (min)')."""
    if factor in FACTORS:
        return f"{FACTORS[factor].in_a_sentence} ({FACTORS[factor].unit_words})"
    own = service.get_person().own_factor(factor.removeprefix("own."))
    return f"{own.label} ({own.unit})" if own and own.unit else own.label if own else factor


@app.command("import-health")
def import_health(
    file: Path = typer.Argument(..., help="export.zip / export.xml (Apple Health), a Fitbit Takeout zip or folder, an Oura JSON/CSV, or a CSV with one row a day."),
    source: str = typer.Option("auto", "--source", help="auto, apple, fitbit, oura or csv."),
    since: str | None = typer.Option(None, "--from", help="Only days from this date on (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--to", help="Only days up to this date (YYYY-MM-DD)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show per factor how many days would be filled, changed or left; write nothing."),
    mapping: str | None = typer.Option(None, "--map", help="CSV columns for factors, e.g. sleep_h=Sleep,caffeine_mg=Caffeine."),
) -> None:
    """Fill day check-ins (sleep, caffeine, water, minerals, exercise) from another app's export.

    Values you typed are never overwritten; importing the same file again changes nothing.
    """
    # lazy: rich and the health readers load only for this command (start-up time)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from nosetwitch.interfaces.interchange.health import SOURCE_NAMES, HealthFileError, import_health_file
    from nosetwitch.interfaces.interchange.health.csv_days import parse_mapping

    service = open_service()
    timezone = service.get_person().timezone
    first = parse_date(since, timezone, option="--from") if since else None
    last = parse_date(until, timezone, option="--to") if until else None
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("Reading {task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )
    task = bar.add_task(file.name, total=None)
    try:
        with bar:
            result = import_health_file(
                service,
                file,
                source=source,
                label=str(file),
                mapping=parse_mapping(mapping) if mapping else None,
                since=first,
                until=last,
                dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (HealthFileError, DiaryError) as exc:
        raise BadInput(f"{exc}; nothing was imported" if "nothing was imported" not in str(exc) else str(exc)) from None
    verb = "would be" if dry_run else ""
    span = f", {result.first_day} to {result.last_day}" if result.first_day else ""
    head = "Dry run, nothing written" if dry_run else "Imported"
    typer.echo(f"{head}: {file} ({SOURCE_NAMES[result.source]}{span}).")
    if not result.factors:
        typer.echo("  No day check-in values found in it.")
    for factor, outcome in result.factors.items():
        text = outcome.describe()
        if verb:
            text = text.replace(" filled", " would be filled", 1).replace(" changed", " would be changed", 1).replace(" left", " would be left", 1)
        typer.echo(f"  {factor_words(factor, service):<20} {text}")
    for note in result.notes:
        typer.echo(f"  Note: {note}.")
