"""Readable views of the diary for the terminal: `list` and the `start` summary.

Rich is imported here, not by the command modules, so logging stays fast.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from nosetwitch.domain.clock import local_day_bounds, zone
from nosetwitch.domain.vocabulary import NOT_A_DIAGNOSIS, factor_value, remedy_name, side_name, symptom_name
from nosetwitch.triage.wording import emergency_safety_net

if TYPE_CHECKING:
    from nosetwitch.services.diary import DiaryService

_MANY = 100_000


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _local(instant: dt.datetime, tz: dt.tzinfo) -> str:
    return instant.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def print_recent(service: DiaryService, days: int) -> None:
    """A table of everything in the last `days` calendar days (today included), oldest first."""
    person = service.get_person()
    tz = zone(person.timezone)
    today = dt.datetime.now(tz).date()
    first_day = today - dt.timedelta(days=days - 1)
    since, _ = local_day_bounds(first_day, tz)
    rows: list[tuple[dt.datetime, str, str, str, str]] = []
    for e in service.list_episodes(since=since, limit=_MANY).items:
        details = [", ".join(s.value for s in e.sites)]
        details += [f"{e.duration_s:g} s"] if e.duration_s else []
        details += [f"intensity {e.intensity}"] if e.intensity else []
        details += [f"side: {side_name(e.side.value).lower()}"] if e.side else []
        details += ["got in the way of " + ", ".join(i.value for i in e.interferes_with)] if e.interferes_with else []
        details += [e.note] if e.note else []
        rows.append((e.started_at, _local(e.started_at, tz), "twitch", e.id, "; ".join(details)))
    for s in service.list_symptoms(since=since, limit=_MANY).items:
        ended = f"until {_local(s.ended_at, tz)}" if s.ended_at else "still there"
        details = [symptom_name(s.code.value), f"{s.onset.value} onset", ended] + ([s.note] if s.note else [])
        rows.append((s.started_at, _local(s.started_at, tz), "symptom", s.id, "; ".join(details)))
    for keyed in service.list_remedies(since=since, limit=_MANY).items:
        r = keyed.record
        outcome = {True: "helped", False: "did not help", None: "outcome not noted"}[r.helped]
        details = [remedy_name(r.code.value), outcome] + ([f"during {r.episode_id}"] if r.episode_id else []) + ([r.note] if r.note else [])
        rows.append((r.at, _local(r.at, tz), "remedy", str(keyed.key), "; ".join(details)))
    for day in service.list_days(since=first_day, limit=_MANY).items:
        factors = ", ".join(factor_value(name, value) for name, value in day.factors().items())
        start, _ = local_day_bounds(day.date, tz)
        rows.append((start, day.date.strftime("%a %Y-%m-%d"), "day", day.date.isoformat(), "; ".join(filter(None, [factors, day.note]))))
    console = _console()
    if not rows:
        console.print(f"Nothing recorded in the last {days} day(s). Log a twitch with: nosetwitch log twitch")
        return
    table = Table(title=f"Last {days} day(s), {person.timezone} time", title_justify="left")
    for column in ("When", "Kind", "Id", "Details"):
        table.add_column(column, overflow="fold")
    for _, when, kind, key, text in sorted(rows, key=lambda row: (row[0], row[2] != "day")):
        table.add_row(when, kind, key, text)
    console.print(table)
    active = service.list_medications(active_on=today, limit=_MANY).items
    if active:
        console.print("Taking now: " + ", ".join(m.record.name + (f" ({m.record.dose})" if m.record.dose else "") for m in active))


def print_summary(service: DiaryService) -> None:
    """What `nosetwitch start` shows: where the diary is, what it holds, the last two weeks."""
    console = _console()
    diary = service.load_diary()
    tz = diary.tz
    today = dt.datetime.now(tz).date()
    url = service.engine.url.render_as_string(hide_password=True)
    console.print(f"[bold]nosetwitch[/bold]: your nose-twitch diary. It does not diagnose: what it shows is {NOT_A_DIAGNOSIS}.")
    console.print(f"Diary: {url}  (time zone {diary.person.timezone})")
    console.print(
        f"Holds {len(diary.episodes)} twitch episodes, {len(diary.days)} day check-ins, {len(diary.symptoms)} symptoms, "
        f"{len(diary.remedies)} remedies tried, {len(diary.medications)} medications."
    )
    per_day: dict[dt.date, int] = {}
    for episode in diary.episodes:
        day = episode.started_at.astimezone(tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    table = Table(title="Twitches per day, last 14 days", title_justify="left", show_edge=False)
    table.add_column("Day")
    table.add_column("Count", justify="right")
    table.add_column("")
    for offset in range(13, -1, -1):
        day = today - dt.timedelta(days=offset)
        count = per_day.get(day, 0)
        table.add_row(day.strftime("%a %d %b"), str(count), "#" * min(count, 40))
    console.print(table)
    recent = sum(per_day.get(today - dt.timedelta(days=i), 0) for i in range(30))
    before = sum(per_day.get(today - dt.timedelta(days=i), 0) for i in range(30, 60))
    console.print(f"Last 30 days: {recent / 30:.1f} a day on average (the 30 days before: {before / 30:.1f}).")
    console.print(
        "Next: [bold]nosetwitch log twitch[/bold] (now, on the nose) · [bold]nosetwitch log day --sleep 7 --coffee 2[/bold] · "
        "[bold]nosetwitch list[/bold] · [bold]nosetwitch --help[/bold] for everything."
    )
    console.print(f"[bold red]{emergency_safety_net()}[/bold red]")
