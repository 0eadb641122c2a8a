"""`nosetwitch triage` ("is this serious?") and `nosetwitch check` (questions for right now).

The emergency instruction is always the first thing printed when it
applies. The triage engine, Rich and the database are imported inside the
commands so the CLI starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from nosetwitch.interfaces.cli.common import open_service
from nosetwitch.interfaces.cli.main import app, fail

_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "consult": "bold blue",
    "self_care": "bold green",
}
_MAX_TRIES = 3
_ADVICE_TITLE = {
    "emergency": "For the twitching itself, later (get help first)",
    "urgent": "For the twitching itself, meanwhile",
    "consult": "What you can do yourself meanwhile",
}


def _parse_as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--as-of: {value!r} is not a date and time such as 2026-03-10T20:00:00+01:00")
    if instant.tzinfo is None:
        fail(f"--as-of: {value!r} has no UTC offset; add one, e.g. {value}+01:00 or {value}Z")
    if not dt.datetime(1899, 12, 31, tzinfo=dt.timezone.utc) <= instant <= dt.datetime(2200, 1, 2, tzinfo=dt.timezone.utc):
        fail(f"--as-of: {value!r} must lie in the years 1900 to 2199")
    return instant


@app.command("triage")
def triage_command(
    case: Path | None = typer.Argument(
        None, help="A diary file (JSON, e.g. a case file). Without it: your stored diary.", show_default=False
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Evaluate as of this moment, with an offset (default: the file's as_of, else now)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (policy nosetwitch-triage-1)."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of --json output and stop."),
) -> None:
    """Is this serious? Check the diary against the warning signs and say what to do."""
    if schema:
        from nosetwitch.triage.schema import result_schema

        typer.echo(json.dumps(result_schema(), indent=2))
        return
    from nosetwitch.triage import triage

    instant = _parse_as_of(as_of)
    if case is not None:
        from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, load_diary_file

        try:
            diary = load_diary_file(case)
        except DiaryFormatError as exc:
            fail(f"{case}: {exc}")
        instant = instant or diary.as_of or dt.datetime.now(dt.timezone.utc)
    else:
        instant = instant or dt.datetime.now(dt.timezone.utc)
        diary = open_service().load_diary(as_of=instant)
    result = triage(diary, instant)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        show_result(result)


def show_result(result) -> None:
    """The result for people: the level and what to do first, then why, then self-care and the safety net."""
    from rich.console import Console
    from rich.panel import Panel

    from nosetwitch.triage.wording import HEADLINE, INSTRUCTION, NOT_A_DIAGNOSIS

    console = Console(highlight=False)
    style = _STYLE[result.level.value]
    console.print(Panel(INSTRUCTION[result.level], title=HEADLINE[result.level], style=style, expand=True))
    if result.reasons:
        _section(console, "Why", [(f"[{_STYLE[r.level.value]}]{r.level.value.replace('_', ' ')}[/]", r.summary) for r in result.reasons])
    _section(
        console,
        _ADVICE_TITLE.get(result.level.value, "What you can do yourself"),
        [("*" if a.points_to_you else "-", f"[bold]{a.name}[/bold]: {a.how} {a.why}") for a in result.advice],
    )
    _section(console, "Get help sooner if", [("!", line) for line in result.safety_net])
    console.print(f"\n[italic]{NOT_A_DIAGNOSIS}[/italic]")


def _section(console, title: str, rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for marker, text in rows:
        grid.add_row(marker, text)
    console.print(f"\n[bold]{title}[/bold]")
    console.print(grid)


def _emergency_first(question) -> None:
    from rich.console import Console
    from rich.panel import Panel

    from nosetwitch.triage import Level
    from nosetwitch.triage.wording import HEADLINE, INSTRUCTION

    console = Console(highlight=False)
    console.print()  # start on a fresh line even when piped answers are not echoed
    console.print(
        Panel(
            f"{INSTRUCTION[Level.EMERGENCY]}\n\nYou answered yes to: {question.text}",
            title=HEADLINE[Level.EMERGENCY],
            style=_STYLE["emergency"],
        )
    )


def _ask(question) -> object:
    """Ask on stdout, read a line from stdin (works when answers are piped in)."""
    from nosetwitch.triage.questionnaire import parse_answer

    suffix = " [y/n]" if question.kind == "yes_no" else ""
    if question.kind in ("choice", "multi"):
        suffix = f" ({', '.join(question.choices)})"
    for _ in range(_MAX_TRIES):
        typer.echo(f"{question.text}{suffix} ", nl=False)
        try:
            raw = input()
        except EOFError:
            typer.echo("")
            fail("the answers ended before the questions did; nothing was saved")
        try:
            return parse_answer(question, raw)
        except ValueError as exc:
            typer.echo(f"  {exc}")
    fail(f"no usable answer to: {question.text}; nothing was saved")


@app.command("check")
def check_command(
    no_save: bool = typer.Option(
        False, "--no-save", help="Only look: evaluate these answers alone, store nothing and open no database."
    ),
) -> None:
    """Questions for someone whose nose is twitching right now; emergencies are asked first."""
    from nosetwitch.domain.models import Diary, Person
    from nosetwitch.triage import triage
    from nosetwitch.triage.questionnaire import next_question, records_from_answers

    typer.echo("A few questions about how you are right now. Answer y or n, or as asked.\n")
    answers: dict[str, object] = {}
    while (question := next_question(answers)) is not None:
        answers[question.id] = _ask(question)
        if question.emergency and answers[question.id] is True:
            _emergency_first(question)  # before anything else: no saving, no analysis first

    if no_save:
        from nosetwitch.services.diary import machine_timezone

        person = Person(timezone=machine_timezone())
        now = dt.datetime.now(dt.timezone.utc).astimezone()
        records = records_from_answers(answers, now)
        diary = Diary(
            person=person,
            episodes=[records.episode],
            symptoms=list(records.symptoms),
            medications=list(records.medications),
        )
    else:
        service = open_service()
        now = dt.datetime.now(dt.timezone.utc).astimezone()
        records = records_from_answers(answers, now)
        _save(service, records)
        diary = service.load_diary(as_of=now)
    typer.echo("")
    show_result(triage(diary, now))
    if not no_save:
        typer.echo("\nYour answers were saved in your diary.")


def _save(service, records) -> None:
    """Store the check's episode, symptoms and any medicine not yet in the diary (ids chosen by the service)."""
    service.add_episode(**records.episode.model_dump(exclude={"id"}))
    for symptom in records.symptoms:
        service.add_symptom(**symptom.model_dump(exclude={"id"}))
    for medication in records.medications:
        if not service.find_medications(medication.name):
            service.add_medication(medication)
