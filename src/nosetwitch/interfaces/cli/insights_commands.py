"""`nosetwitch insights`, `nosetwitch experiment start|report|stop` and `nosetwitch today`.

`insights CASE.json` reads a diary file and touches no database; without a
file it reads the stored diary. The statistics (numpy, scipy) and Rich are
imported inside the commands, so the CLI starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from nosetwitch.domain.clock import local_day_bounds
from nosetwitch.domain.vocabulary import DAYS_IN_A_ROW, NOT_A_DIAGNOSIS, factor_label, per_text, remedy_name
from nosetwitch.interfaces.cli.common import load_case_or_stored, now_in, open_service, parse_as_of, parse_date
from nosetwitch.interfaces.cli.root import BadInput, app, fail
from nosetwitch.services.errors import DiaryError, NotFound

if TYPE_CHECKING:
    from nosetwitch.insights import InsightsReport
    from nosetwitch.insights.experiments import Schedule
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.experiments import ExperimentService

experiment_app = typer.Typer(
    help="n-of-1 self-experiments: change one thing on randomly chosen days and see whether the twitching changes.",
    no_args_is_help=True,
)
app.add_typer(experiment_app, name="experiment")

_SPARKS = "▁▂▃▄▅▆▇█"


@app.command("insights")
def insights_command(
    case: Path | None = typer.Argument(None, help="A diary file (JSON). Without it: your stored diary.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (shared/spec/insights.md)."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of --json output and stop."),
    as_of: str | None = typer.Option(None, "--as-of", help="Analyse as of this moment, with an offset (default: the file's as_of, else its latest record; stored diary: now)."),
) -> None:
    """Why me? Which day factors went with more or less twitching, and which remedies helped."""
    from nosetwitch.insights import INSIGHTS_SCHEMA, compute_insights  # lazy: numpy and scipy (start-up time)

    if schema:
        typer.echo(json.dumps(INSIGHTS_SCHEMA, indent=2))
        return
    diary, instant = load_case_or_stored(case, parse_as_of(as_of))
    report = compute_insights(diary, instant)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        show_report(report)


def sparkline(values: list[int]) -> str:
    """One block character per value, scaled to the largest."""
    top = max(values, default=0) or 1
    return "".join(_SPARKS[round(v / top * (len(_SPARKS) - 1))] for v in values)


def show_report(report: InsightsReport) -> None:
    """The human view: sparkline, summary, associations with intervals, remedies, findings."""
    # lazy: rich, and numpy with the insights package (start-up time)
    from rich.console import Console
    from rich.table import Table

    from nosetwitch.insights.findings import plural

    console = Console(highlight=False, soft_wrap=True)
    data = report.to_dict()
    summary = data["summary"]
    console.print(f"[bold]Insights[/bold] as of {data['as_of']}: {plural(data['days_observed'], 'day')} in the diary, "
                  f"{plural(data['checkin_days'], 'complete day')} with a check-in.")
    if report.daily_counts:
        shown = report.daily_counts[-90:]
        console.print(f"Episodes per day, last {plural(len(shown), 'day')} (max {max(shown)}):")
        console.print(f"  [cyan]{sparkline(shown)}[/cyan]")
    median = summary["median_duration_s"]
    console.print(
        f"{plural(summary['episodes'], 'episode')} on {plural(summary['episode_days'], 'day')} · "
        f"{summary['episodes_per_day_7d']:g}/day last 7 days · {summary['episodes_per_day_30d']:g}/day last 30 · "
        f"{summary['current_streak_days']} {DAYS_IN_A_ROW} (longest {summary['longest_streak_days']}) · "
        f"median length {'—' if median is None else f'{median:g} s'}"
    )
    if report.associations:
        table = Table(title="Day factors and twitching: rate ratio per unit, 95 % interval", title_justify="left")
        for column in ("factor", "day", "per", "ratio", "interval", "q", ""):
            table.add_column(column, justify="left" if column in ("factor", "day", "") else "right", no_wrap=True)
        rows = sorted(report.associations, key=lambda r: (not r.significant, r.q))
        for row in rows[:12]:
            if row.factor.startswith("own:"):  # a factor of the person's own: its label travels on the row
                name = row.unit if row.kind == "yes_no" else row.factor.removeprefix("own:").replace("_", " ")
                label, unit = name.lower(), ("yes vs no" if row.kind == "yes_no" else row.unit)
            else:
                label, unit = factor_label(row.factor).lower(), per_text(row.factor, row.per).removeprefix("per ")
            table.add_row(
                label,
                "same" if row.lag_days == 0 else "before",
                unit,
                f"{row.rate_ratio:.2f}",
                f"{row.ci95[0]:.2f}–{row.ci95[1]:.2f}",
                f"{row.q:.3f}",
                "[bold]stands out[/bold]" if row.significant else "",
            )
        console.print(table)
        if len(rows) > 12:
            console.print(f"  ({len(rows) - 12} more rows in --json)")
    if data["remedies"]:
        table = Table(title="Remedies (said to help, 95 % interval)", title_justify="left")
        for column in ("remedy", "tried", "helped", "rate", "95 % interval"):
            table.add_column(column, justify="left" if column == "remedy" else "right")
        for row in data["remedies"]:
            rate = "—" if row["helped_rate"] is None else f"{row['helped_rate']:.0%}"
            interval = "—" if row["ci95"] is None else f"{row['ci95'][0]:.0%} – {row['ci95'][1]:.0%}"
            table.add_row(remedy_name(row["code"]), str(row["tried"]), f"{row['helped']}/{row['answered']}", rate, interval)
        console.print(table)
        console.print(f"[dim]{data['remedy_caution']}[/dim]")
    console.print("[bold]What stands out[/bold]")
    *points, disclaimer = data["findings"]  # the last finding is always the "not a diagnosis" line
    for finding in points:
        console.print(f"• {finding}")
    console.print(f"[italic]{disclaimer}[/italic]")


# --- experiments -------------------------------------------------------------------------------------


def _experiments() -> tuple[DiaryService, ExperimentService]:
    from nosetwitch.services.experiments import ExperimentService  # lazy: SQLAlchemy and numpy (start-up time)

    service = open_service()
    return service, ExperimentService(service)


@experiment_app.command("start")
def experiment_start(
    plan: str = typer.Argument(..., help="What to change on A days: caffeine, nicotine, alcohol, screen, sleep, water or stress."),
    days: int = typer.Option(28, "--days", help="Length in days (even, 8-84; from 22 a clear result is possible)."),
    start: str | None = typer.Option(None, "--start", help="First day: today (default), yesterday or YYYY-MM-DD."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the random schedule (default: random)."),
) -> None:
    """Start a randomised A/B experiment and print its schedule."""
    from nosetwitch.insights.experiments import PLANS  # lazy: numpy (start-up time)

    if plan not in PLANS:
        fail(f"unknown experiment {plan!r}; choose one of {', '.join(PLANS)}")
    service, experiments = _experiments()
    timezone = service.get_person().timezone
    first = parse_date(start, timezone, option="--start")
    try:
        schedule = experiments.start(plan, days, first, seed)
    except (ValueError, DiaryError) as exc:  # a bad --days, or one already running
        raise BadInput(str(exc)) from None
    _print_schedule(schedule, now_in(timezone).date())


def _print_schedule(schedule: Schedule, today: dt.date) -> None:
    # lazy: rich, and numpy with the experiments engine (start-up time)
    from rich.console import Console

    from nosetwitch.insights.experiments import PLANS, can_reach_a_verdict

    plan = PLANS[schedule.plan]
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]Experiment: {schedule.plan}[/bold], {schedule.start.isoformat()} to {schedule.end.isoformat()} ({schedule.days} days)")
    console.print(f"  A days: {plan.a}")
    console.print(f"  B days: {plan.b}")
    line = []
    for offset, arm in enumerate(schedule.arms):
        day = schedule.start + dt.timedelta(days=offset)
        text = f"{day.strftime('%a %d %b')}: {arm}"
        line.append(f"[reverse]{text}[/reverse]" if day == today else text)
    for i in range(0, len(line), 7):
        console.print("  " + "  ".join(line[i : i + 7]))
    if not can_reach_a_verdict(schedule.days):
        console.print(f"[bold]{schedule.days} days are too few for a clear result[/bold]: the coin has so few possible "
                      "schedules that even the clearest difference could be chance. 28 days (--days 28) can give one.")
    elif schedule.days < 28:
        console.print("[dim]A short experiment shows only a large difference; 28 days (--days 28) find smaller ones more often.[/dim]")
    console.print("The result comes when the last day is over, not before: daily looks would find chance differences.")
    console.print("Log a check-in every day (nosetwitch log day ...) and your twitches as usual; "
                  "'nosetwitch today' says what today is, 'nosetwitch experiment report' shows the result.")


@experiment_app.command("report")
def experiment_report(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Compare twitching on A and B days of the latest experiment (days that are over)."""
    from nosetwitch.insights.experiments import PLANS, analyse_experiment  # lazy: numpy (start-up time)

    service, experiments = _experiments()
    schedule = experiments.latest()
    if schedule is None:
        fail("no experiment yet; start one with 'nosetwitch experiment start caffeine --days 28'")
    now = dt.datetime.now(dt.timezone.utc)
    result = analyse_experiment(schedule, service.load_diary(as_of=now), now)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    data = result.to_dict()
    plan = PLANS[schedule.plan]
    console.print(f"[bold]Experiment: {schedule.plan}[/bold] ({data['start']} to {data['end']}), "
                  f"{data['days_done']} of {schedule.days} days over.")
    if data["episodes_per_day_a"] is not None and data["episodes_per_day_b"] is not None:
        console.print(f"  A days ({plan.a}): {data['episodes_per_day_a']:.2f} episodes a day over {data['days_a']} days")
        console.print(f"  B days ({plan.b}): {data['episodes_per_day_b']:.2f} episodes a day over {data['days_b']} days")
    adherence = data["adherence"]
    console.print(f"  A days kept, by your check-ins: {adherence['kept']} of {adherence['recorded']} with the factor recorded "
                  f"({adherence['a_days']} A days so far).")
    console.print(result.message)
    if data["rate_ratio"] is not None:
        low, high = data["rate_ratio_ci95"]
        console.print(f"  Rate ratio A/B: {data['rate_ratio']:.2f} (95 % interval {low:.2f} to {high:.2f}).")
    console.print(f"[italic]Days are compared by what was planned for them, whether or not it was kept. {data['caveat']} "
                  f"Patterns in your own diary are {NOT_A_DIAGNOSIS}.[/italic]")


@experiment_app.command("stop")
def experiment_stop() -> None:
    """Stop the running experiment today (today and later are left out of its report)."""
    service, experiments = _experiments()
    today = now_in(service.get_person().timezone).date()
    try:
        schedule = experiments.stop(today)
    except NotFound:
        fail("no experiment is running")
    typer.echo(f"Stopped the {schedule.plan} experiment after {schedule.days} days.")


@app.command("today")
def today_command() -> None:
    """What today is in a running experiment (A or B day), and today's episodes so far."""
    from nosetwitch.insights.experiments import PLANS  # lazy: numpy (start-up time)

    service, experiments = _experiments()
    timezone = service.get_person().timezone
    today = now_in(timezone).date()
    schedule = experiments.current(today)
    if schedule is None:
        typer.echo(f"{today.isoformat()}: no experiment is running "
                   "(start one with 'nosetwitch experiment start caffeine --days 28').")
    else:
        plan = PLANS[schedule.plan]
        arm = schedule.arm_on(today)
        day_number = (today - schedule.start).days + 1
        what = plan.a if arm == "A" else plan.b
        typer.echo(f"{today.isoformat()}: day {day_number} of {schedule.days} of the {schedule.plan} experiment: "
                   f"an {arm} day, {what}.")
    begin, end = local_day_bounds(today, timezone)
    count = service.list_episodes(since=begin, until=end, limit=1).total
    typer.echo(f"Twitch episodes logged today: {count}.")
