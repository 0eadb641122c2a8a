"""`nosetwitch triage` ("is this serious?") and `nosetwitch check` (questions for right now).

The emergency instruction is always the first thing printed when it
applies. The triage engine, Rich and the database are imported inside the
commands so the CLI starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from nosetwitch.domain.models import Diary, Person
from nosetwitch.domain.vocabulary import IF_IT_COMES_BACK
from nosetwitch.interfaces.cli.common import load_case_or_stored, open_service, parse_as_of
from nosetwitch.interfaces.cli.root import app, fail
from nosetwitch.services.errors import NotFound

if TYPE_CHECKING:
    from rich.console import Console

    from nosetwitch.triage import TriageResult
    from nosetwitch.triage.questionnaire import Question

_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "consult": "bold blue",
    "self_care": "bold green",
}
_MAX_TRIES = 3


@app.command("triage")
def triage_command(
    case: Path | None = typer.Argument(
        None, help="A diary file (JSON, e.g. a case file). Without it: your stored diary.", show_default=False
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Evaluate as of this moment, with an offset (default: the file's as_of, else now)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (policy nosetwitch-triage-2)."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of --json output and stop."),
) -> None:
    """Is this serious? Check the diary against the warning signs and say what to do."""
    if schema:
        from nosetwitch.triage.schema import result_schema  # lazy: the knowledge base (start-up time)

        typer.echo(json.dumps(result_schema(), indent=2))
        return
    from nosetwitch.triage import triage  # lazy: the knowledge base (start-up time)

    # A file without its own as_of is triaged now: "is this serious?" is asked about the present.
    diary, instant = load_case_or_stored(case, parse_as_of(as_of), undated_file="now")
    result = triage(diary, instant)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        show_result(result)


def show_result(result: TriageResult) -> None:
    """The result for people: the level and what to do first, then why, then self-care and the safety net.

    At `emergency` the instruction to call is the first thing printed and the
    self-care advice comes after the reasons, headed as something for later.
    """
    # lazy: rich and the knowledge base (start-up time)
    from rich.console import Console
    from rich.panel import Panel

    from nosetwitch.triage.wording import ADVICE_HEADING, HEADLINE, INSTRUCTION, NOT_A_DIAGNOSIS

    console = Console(highlight=False)
    style = _STYLE[result.level.value]
    console.print(Panel(INSTRUCTION[result.level], title=HEADLINE[result.level], style=style, expand=True))
    if result.reasons:
        _section(console, "Why", [(f"[{_STYLE[r.level.value]}]{r.level.value.replace('_', ' ')}[/]", r.summary) for r in result.reasons])
    _section(console, "Get help sooner if", [("!", line) for line in result.safety_net])
    _section(
        console,
        ADVICE_HEADING[result.level],
        [("*" if a.points_to_you else "-", f"[bold]{a.name}[/bold]: {a.how} {a.why}") for a in result.advice],
    )
    console.print(f"\n[italic]{NOT_A_DIAGNOSIS}[/italic]")


def _section(console: Console, title: str, rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for marker, text in rows:
        grid.add_row(marker, text)
    console.print(f"\n[bold]{title}[/bold]")
    console.print(grid)


def _emergency_first(question: Question) -> None:
    # lazy: rich and the knowledge base (start-up time)
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


def _safety_net_first() -> None:
    """Printed when a check stops without a usable answer: the emergency safety net, before anything else."""
    # lazy: rich and the knowledge base (start-up time)
    from rich.console import Console
    from rich.panel import Panel

    from nosetwitch.triage.wording import emergency_safety_net

    console = Console(highlight=False)
    console.print()
    console.print(Panel(emergency_safety_net(), title="The check stopped before it was finished", style=_STYLE["emergency"]))


class _Stopped(Exception):
    """The check ended without a usable answer (input ended, or too many unusable answers)."""


def _prompt(question: Question) -> str:
    if question.kind == "yes_no":
        return f"{question.text} [y/n] "
    if question.kind == "choice":
        options = "\n".join(f"  {n}  {c.label}" for n, c in enumerate(question.choices, 1))
        return f"{question.text}\n{options}\nYour answer (a number or a word): "
    return f"{question.text} "


def _ask(question: Question) -> object:
    """Ask on stdout, read a line from stdin (works when answers are piped in)."""
    from nosetwitch.triage.questionnaire import parse_answer  # lazy: the knowledge base (start-up time)

    for _ in range(_MAX_TRIES):
        typer.echo(_prompt(question), nl=False)
        try:
            raw = input()
        except EOFError:
            typer.echo("")
            raise _Stopped("the answers ended before the questions did") from None
        try:
            return parse_answer(question, raw)
        except ValueError as exc:
            typer.echo(f"  {exc}")
    raise _Stopped(f"no usable answer to: {question.text}")


def dialogue(ask: Callable[[Question], object], on_emergency: Callable[[Question], None]) -> dict[str, object]:
    """The check's questions in order: `ask(question)` gives each answer; the moment the
    answers make an emergency, `on_emergency(question)` shows the instruction (before
    anything is saved or computed) and no more questions are asked."""
    from nosetwitch.triage.questionnaire import emergency_question, next_question  # lazy: the knowledge base (start-up time)

    answers: dict[str, object] = {}
    while (question := next_question(answers)) is not None:
        answers[question.id] = ask(question)
        if (emergency := emergency_question(answers)) is not None:
            on_emergency(emergency)
    return answers


@app.command("check")
def check_command(
    no_save: bool = typer.Option(
        False, "--no-save", help="Only look: evaluate these answers alone, store nothing and open no database."
    ),
    undo: str | None = typer.Option(
        None, "--undo", metavar="CHECK_ID", help="Remove exactly the records a check answered by mistake made (its id is printed after the check)."
    ),
) -> None:
    """Questions for someone whose nose is twitching right now; the signs of an emergency are asked first."""
    from nosetwitch.services.check import next_step  # lazy: SQLAlchemy (start-up time)

    if undo is not None:
        _undo(undo)
        return
    typer.echo("A few questions about how you are right now. Answer y or n, or as asked.\n")
    try:
        answers = dialogue(_ask, _emergency_first)
    except _Stopped as stop:
        _safety_net_first()  # before the exit: the person may be in the middle of an emergency
        fail(f"{stop}; nothing was saved")

    now = dt.datetime.now(dt.timezone.utc).astimezone().replace(microsecond=0)  # to the second, as every record's time
    if no_save:
        from nosetwitch.services.diary import machine_timezone  # lazy: SQLAlchemy (start-up time)

        end = next_step(None, answers, now, save=False, diary=Diary(person=Person(timezone=machine_timezone())))
    else:
        end = next_step(open_service(), answers, now, save=True)
    outcome = end.outcome
    assert outcome is not None, "the dialogue asks until no question is left"
    typer.echo("")
    show_result(outcome.result)
    saved = outcome.saved
    if saved is not None and not saved.empty:
        names = [s.id for s in saved.symptoms] + [m.record.name for m in saved.medications]
        typer.echo(f"\nYour answers were saved in your diary ({', '.join(names)}); a check logs no twitch.")
        typer.echo(f"Answered by mistake? `nosetwitch check --undo {saved.check_id}` removes exactly these records.")
    elif saved is not None:
        typer.echo("\nNothing to save: no symptom or medicine was named. A check logs no twitch.")


def _undo(check_id: str) -> None:
    try:
        removed = open_service().undo_check_answer(check_id)
    except NotFound:
        fail(f"--undo: no check answer {check_id!r} with records left to remove (already undone?)")
    names = [s.id for s in removed.symptoms] + [m.record.name for m in removed.medications]
    typer.echo(f"Removed what that check answer saved: {', '.join(names)}.")
    typer.echo(IF_IT_COMES_BACK)
