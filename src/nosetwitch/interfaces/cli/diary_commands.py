"""Diary commands: log, med, list, edit, delete, import, export, demo, profile.

Every command opens the local user's diary through `common.open_service()`
(the `--db` option, `$NOSETWITCH_DATABASE_URL` or the default SQLite file).
Bad input ends in one stderr line and exit code 2 before anything is
written. Heavy imports (SQLAlchemy, rich tables, the simulator, the FHIR writer)
happen inside the commands that need them, marked `# lazy:`, so `nosetwitch log
twitch` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError

from nosetwitch.domain.models import (
    DayCheckIn,
    Diary,
    Interference,
    Onset,
    Region,
    RemedyCode,
    Sex,
    Side,
    Site,
    SymptomCode,
    SymptomSide,
    VisionDetail,
)
from nosetwitch.domain.vocabulary import factor_value, own_factor_value
from nosetwitch.interfaces.cli.common import (
    guard,
    open_service,
    opened,
    parse_choice,
    parse_choices,
    parse_date,
    parse_duration,
    parse_instant,
    parse_own_values,
)
from nosetwitch.interfaces.cli.root import BadInput, app, settings
from nosetwitch.interfaces.interchange.csv_export import diary_to_csv_zip
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, diary_to_json, load_diary_file
from nosetwitch.services import episodes
from nosetwitch.services.errors import InvalidRecord

if TYPE_CHECKING:
    pass

log_app = typer.Typer(help="Write to the diary: a twitch, a day's check-in, a symptom, a remedy.", no_args_is_help=True)
med_app = typer.Typer(help="Medicines you take (some can go with twitching).", no_args_is_help=True)
app.add_typer(log_app, name="log")
app.add_typer(med_app, name="med")

EMERGENCY_LINE = (
    "If this came on suddenly and is happening now, call your local emergency number "
    "(112 / 911 / 999). nosetwitch does not diagnose."
)


def _when(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M") + f" ({instant.strftime('%z')[:3]}:{instant.strftime('%z')[3:]})"


# --- log --------------------------------------------------------------------------------------


@log_app.command("twitch")
def log_twitch(
    at: str | None = typer.Option(None, "--at", help="When: now (default), '10 min ago', '21:30', 'yesterday 21:30', ISO."),
    duration: str | None = typer.Option(None, "--duration", "-d", help="How long: 30s, 2m, 1m30s, or seconds."),
    intensity: int | None = typer.Option(None, "--intensity", "-i", help="1 barely noticeable ... 5 strong, visible jerking."),
    side: str | None = typer.Option(None, "--side", help="left, right, both or center (your own left/right)."),
    site: str | None = typer.Option(None, "--site", help="Where, comma-separated (default nose): nose,eyelid,cheek,..."),
    interferes: str | None = typer.Option(None, "--interferes", help="What it got in the way of: eating,speaking,sleeping,seeing."),
    visible: bool | None = typer.Option(None, "--visible/--not-visible", help="Could others see it?"),
    note: str | None = typer.Option(None, "--note", "-n", help="Anything worth remembering."),
) -> None:
    """Log a twitch episode. `nosetwitch log twitch` alone means: now, on the nose."""
    # The service picks the quickest way into the diary (plain sqlite3 skips loading
    # SQLAlchemy: start-up time) and validates the twitch itself.
    with opened(episodes.local_store(settings.db_url)) as store:
        fields: dict[str, Any] = {
            "started_at": parse_instant(at, store.timezone()),
            "duration_s": parse_duration(duration),
            "intensity": intensity,
            "side": parse_choice(side, Side, option="--side"),
            "interferes_with": parse_choices(interferes, Interference, option="--interferes"),
            "visible": visible,
            "note": note,
        }
        if site is not None:
            fields["sites"] = parse_choices(site, Site, option="--site")
        episode = guard(lambda: episodes.log_twitch(store, fields))
    where = ", ".join(s.value for s in episode.sites)
    typer.echo(f"Logged twitch {episode.id} at {_when(episode.started_at)}: {where}.")


@log_app.command("day")
def log_day(
    date: str | None = typer.Option(None, "--date", help="The day: today (default), yesterday or YYYY-MM-DD."),
    sleep: float | None = typer.Option(None, "--sleep", help="Hours slept the night before (0-24)."),
    caffeine: float | None = typer.Option(None, "--caffeine", help="Caffeine in mg (added to any drinks given)."),
    coffee: float | None = typer.Option(None, "--coffee", help="Cups of filter coffee (mg per drink: docs/diary.md)."),
    espresso: float | None = typer.Option(None, "--espresso", help="Single espressos."),
    tea: float | None = typer.Option(None, "--tea", help="Cups of black tea."),
    cola: float | None = typer.Option(None, "--cola", help="Cans of cola."),
    energy_drink: float | None = typer.Option(None, "--energy-drink", help="Cans of energy drink."),
    nicotine: float | None = typer.Option(None, "--nicotine", help="Cigarettes, pouches or vape sessions."),
    alcohol: float | None = typer.Option(None, "--alcohol", help="Standard drinks of alcohol."),
    stress: int | None = typer.Option(None, "--stress", help="Stress, 0-10."),
    water: float | None = typer.Option(None, "--water", help="Litres of fluid."),
    magnesium: float | None = typer.Option(None, "--magnesium", help="Magnesium in mg, incl. supplements."),
    potassium: float | None = typer.Option(None, "--potassium", help="Potassium in mg."),
    calcium: float | None = typer.Option(None, "--calcium", help="Calcium in mg."),
    facial_strain: int | None = typer.Option(None, "--facial-strain", help="Repetitive facial effort, 0-10."),
    screen: float | None = typer.Option(None, "--screen", help="Hours of screen time."),
    exercise: float | None = typer.Option(None, "--exercise", help="Minutes of exercise."),
    note: str | None = typer.Option(None, "--note", "-n", help="A note for the day."),
    own: list[str] = typer.Option([], "--own", help="A factor of your own, KEY=VALUE (repeatable), e.g. --own antihistamine=yes."),
) -> None:
    """Record (or add to) a day's check-in. Only the options you give are changed.

    Drinks are turned into mg of caffeine with the knowledge base's table
    (knowledge/drinks.toml, the one the web page uses); the answer shows the sum."""
    from nosetwitch.services.diary import caffeine_from_drinks, caffeine_per_serving  # lazy: SQLAlchemy (start-up time)

    service = open_service()
    day = parse_date(date, service.get_person().timezone)
    given_drinks = (("coffee", coffee), ("espresso", espresso), ("tea", tea), ("cola", cola), ("energy_drink", energy_drink))
    drinks = {name: count for name, count in given_drinks if count is not None}
    if drinks:
        caffeine = (caffeine or 0.0) + guard(lambda: caffeine_from_drinks(**drinks))
    values = {
        "sleep_h": sleep, "caffeine_mg": caffeine, "nicotine_units": nicotine, "alcohol_units": alcohol,
        "stress": stress, "water_l": water, "magnesium_mg": magnesium, "potassium_mg": potassium,
        "calcium_mg": calcium, "facial_strain": facial_strain, "screen_h": screen, "exercise_min": exercise, "note": note,
    }  # fmt: skip
    given: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
    if own:
        given["own"] = parse_own_values(own, service.get_person().own_factors)
    if not given:
        raise BadInput("log day: give at least one factor, e.g. --sleep 6.5 or --coffee 2")
    checkin = guard(lambda: _checkin(DayCheckIn, day, given))
    stored, created = guard(lambda: service.upsert_day(checkin))
    declared = {factor.key: factor for factor in service.get_person().own_factors}
    own_text = [
        own_factor_value(declared[key].label, value, declared[key].kind.value, declared[key].unit) if key in declared else own_factor_value(key, value)
        for key, value in stored.own.items()
    ]
    factors = ", ".join([*(factor_value(name, value) for name, value in stored.factors().items()), *own_text])
    typer.echo(f"{'Recorded' if created else 'Updated'} {day.isoformat()}: {factors or 'note only'}.")
    if drinks:
        per_serving = caffeine_per_serving()
        sums = " + ".join(f"{count:g} {name.replace('_', ' ')} x {per_serving[name]:g} mg" for name, count in drinks.items())
        typer.echo(f"Caffeine from drinks: {sums} = {caffeine_from_drinks(**drinks):g} mg.")


def _checkin(model: type[DayCheckIn], day: dt.date, given: dict[str, Any]) -> DayCheckIn:
    try:
        return model(date=day, **given)
    except ValidationError as exc:
        raise InvalidRecord.of(exc, f"day {day.isoformat()}") from None


@log_app.command("symptom")
def log_symptom(
    code: str = typer.Argument(..., help="facial_droop, weakness, numbness, vision_change, pain, speech_difficulty, ..."),
    onset: str = typer.Option("unknown", "--onset", help="sudden (within minutes), gradual or unknown."),
    at: str | None = typer.Option(None, "--at", help="When it started (default now)."),
    ended: str | None = typer.Option(None, "--ended", help="When it ended (leave out if still there)."),
    side: str | None = typer.Option(None, "--side", help="left, right or both."),
    region: str | None = typer.Option(None, "--region", help="face, eye, arm, leg, head, mouth, ear or body."),
    severity: int | None = typer.Option(None, "--severity", help="0-10."),
    detail: str | None = typer.Option(None, "--detail", help="For vision_change: blurred, double or loss."),
    note: str | None = typer.Option(None, "--note", "-n"),
) -> None:
    """Log something felt besides the twitch."""
    service = open_service()
    timezone = service.get_person().timezone
    fields: dict[str, Any] = {
        "code": parse_choice(code, SymptomCode, option="CODE"),
        "onset": parse_choice(onset, Onset, option="--onset"),
        "started_at": parse_instant(at, timezone),
        "ended_at": parse_instant(ended, timezone, option="--ended") if ended else None,
        "side": parse_choice(side, SymptomSide, option="--side"),
        "region": parse_choice(region, Region, option="--region"),
        "severity": severity,
        "detail": parse_choice(detail, VisionDetail, option="--detail"),
        "note": note,
    }
    symptom = guard(lambda: service.add_symptom(**fields))
    typer.echo(f"Logged symptom {symptom.id} ({symptom.code.value}, {symptom.onset.value}) at {_when(symptom.started_at)}.")
    from nosetwitch.triage.rules import is_stroke_type  # lazy: the knowledge base (start-up time); the one definition of stroke-type

    if is_stroke_type(symptom) and symptom.onset is not Onset.GRADUAL:
        typer.secho(EMERGENCY_LINE, fg="red", bold=True, err=True)


@log_app.command("remedy")
def log_remedy(
    code: str = typer.Argument(..., help="massage, warm_compress, deep_breathing, mindfulness, hydration, reduce_caffeine, ..."),
    episode: str | None = typer.Option(None, "--episode", "-e", help="The episode it was tried during (id, or 'last')."),
    helped: bool | None = typer.Option(None, "--helped/--no-helped", help="Did the twitching settle afterwards?"),
    at: str | None = typer.Option(None, "--at", help="When (default now)."),
    note: str | None = typer.Option(None, "--note", "-n"),
) -> None:
    """Log a remedy you tried, and whether it helped."""
    service = open_service()
    remedy_code = parse_choice(code, RemedyCode, option="CODE")
    instant = parse_instant(at, service.get_person().timezone)
    if episode == "last":
        latest = service.list_episodes(limit=1).items
        if not latest:
            raise BadInput("--episode last: there is no episode yet")
        episode = latest[0].id
    keyed = guard(lambda: service.add_remedy(code=remedy_code, at=instant, episode_id=episode, helped=helped, note=note))
    linked = f" during {episode}" if episode else ""
    outcome = {True: ", helped", False: ", did not help", None: ""}[helped]
    typer.echo(f"Logged remedy {keyed.key} ({remedy_code.value}{linked}{outcome}).")


# --- medications -----------------------------------------------------------------------------------


@med_app.command("add")
def med_add(
    name: str = typer.Argument(..., help="Generic or brand name, e.g. atorvastatin or Lasix."),
    dose: str | None = typer.Option(None, "--dose", help="Free text, e.g. '20 mg daily'."),
    started: str | None = typer.Option(None, "--started", help="First day (default today; 'unknown' to leave it out)."),
) -> None:
    """Add a medicine you take."""
    service = open_service()
    start = None if started == "unknown" else parse_date(started, service.get_person().timezone, option="--started")
    keyed = guard(lambda: service.add_medication(name=name, dose=dose, started=start))
    typer.echo(f"Added medication {keyed.key}: {name}{f' ({dose})' if dose else ''}, since {start or 'unknown'}.")


@med_app.command("stop")
def med_stop(
    medicine: str = typer.Argument(..., help="The medication's number (see `med list`) or its name."),
    on: str | None = typer.Option(None, "--on", help="Day stopped (default today)."),
) -> None:
    """Mark a medicine as stopped."""
    service = open_service()
    day = parse_date(on, service.get_person().timezone, option="--on")
    if medicine.isdigit():
        key = int(medicine)
    else:
        active = [m for m in service.find_medications(medicine) if m.record.stopped is None]
        if not active:
            raise BadInput(f"med stop: no medication called {medicine!r} is being taken (see `nosetwitch med list`)")
        if len(active) > 1:
            raise BadInput(f"med stop: {len(active)} medications are called {medicine!r}; give the number from `med list`")
        key = active[0].key
    keyed = guard(lambda: service.update_medication(key, stopped=day))
    typer.echo(f"Stopped medication {keyed.key} ({keyed.record.name}) on {day.isoformat()}.")


@med_app.command("list")
def med_list() -> None:
    """Show every medication."""
    service = open_service()
    medications = service.list_medications(limit=1000).items
    if not medications:
        typer.echo("No medications recorded. Add one with: nosetwitch med add NAME --dose '20 mg'")
        return
    for keyed in medications:
        m = keyed.record
        period = f"since {m.started or 'unknown'}" + (f", stopped {m.stopped}" if m.stopped else "")
        typer.echo(f"{keyed.key:>4}  {m.name}{f' ({m.dose})' if m.dose else ''}  {period}")


# --- list, edit, delete --------------------------------------------------------------------------------


@app.command("list")
def list_records(days: int = typer.Option(7, "--days", min=1, max=36500, help="How many days back, today included.")) -> None:
    """Show the last days of the diary as a table (ids for `edit` and `delete`)."""
    from nosetwitch.interfaces.cli.diary_summary import print_recent  # lazy: rich (start-up time)

    service = open_service()
    print_recent(service, days)


_KINDS = ("episode", "symptom", "day", "remedy", "med")
_KIND_ALIASES = {"medication": "med", "twitch": "episode", "check-in": "day"}


def _kind(text: str) -> str:
    kind = _KIND_ALIASES.get(text.lower(), text.lower())
    if kind not in _KINDS:
        raise BadInput(f"unknown record kind {text!r} (choose from: {', '.join(_KINDS)})")
    return kind


def _key(kind: str, key: str, timezone: str) -> int | dt.date | str:
    if kind in ("remedy", "med"):
        if not key.isdigit():
            raise BadInput(f"{kind} {key!r}: give the number shown by `nosetwitch list` / `med list`")
        return int(key)
    if kind == "day":
        return parse_date(key, timezone, option="day")
    return key


@app.command("edit")
def edit(
    kind: str = typer.Argument(..., help="episode, symptom, day, remedy or med."),
    key: str = typer.Argument(..., help="The id (e3, s1), date (2026-03-10) or number shown by `list`."),
    changes: list[str] = typer.Argument(..., help="FIELD=VALUE pairs, e.g. intensity=4 note='at work' sites=nose,eyelid."),
) -> None:
    """Change fields of one record, e.g. `nosetwitch edit episode e3 intensity=4 duration_s=45s`."""
    service = open_service()
    kind = _kind(kind)
    timezone = service.get_person().timezone
    record_key = _key(kind, key, timezone)
    parsed = dict(_field_value(pair, timezone) for pair in changes)
    updates: dict[str, Callable[..., object]] = {
        "episode": service.update_episode,
        "symptom": service.update_symptom,
        "day": service.update_day,
        "remedy": service.update_remedy,
        "med": service.update_medication,
    }
    update = updates[kind]
    guard(lambda: update(record_key, **parsed))
    typer.echo(f"Updated {kind} {key}: {', '.join(parsed)}.")


_INSTANT_FIELDS = {"started_at", "ended_at", "at"}
_DATE_FIELDS = {"started", "stopped"}
_LIST_FIELDS = {"sites", "interferes_with"}
_BOOL_FIELDS = {"visible", "helped"}
_INT_FIELDS = {"intensity", "severity", "stress", "facial_strain"}
_TEXT_FIELDS = {"note", "dose", "name", "episode_id", "code", "onset", "side", "region", "detail", "source"}


def _field_value(pair: str, timezone: str) -> tuple[str, Any]:
    """Read one FIELD=VALUE of `edit`; the value's type follows the field ('none' clears it)."""
    name, sep, raw = pair.partition("=")
    name = name.strip()
    if not sep or not name:
        raise BadInput(f"edit: {pair!r} is not FIELD=VALUE")
    if raw.strip().lower() in ("none", "null", ""):
        return name, None
    if name in _INSTANT_FIELDS:
        return name, parse_instant(raw, timezone, option=name)
    if name in _DATE_FIELDS:
        return name, parse_date(raw, timezone, option=name)
    if name in _LIST_FIELDS:
        return name, [part.strip() for part in raw.split(",") if part.strip()]
    if name == "duration_s":
        return name, parse_duration(raw, option=name)
    if name in _BOOL_FIELDS:
        if raw.lower() not in ("true", "yes", "false", "no"):
            raise BadInput(f"{name}: {raw!r} is not yes/no")
        return name, raw.lower() in ("true", "yes")
    if name in _TEXT_FIELDS:
        return name, raw
    try:
        return name, int(raw) if name in _INT_FIELDS else float(raw)
    except ValueError:
        raise BadInput(f"{name}: {raw!r} is not a number") from None


@app.command("delete")
def delete(
    kind: str = typer.Argument(..., help="episode, symptom, day, remedy or med."),
    key: str = typer.Argument(..., help="The id, date or number shown by `list`."),
) -> None:
    """Delete one record (remedies tried during a deleted episode are kept, unlinked)."""
    service = open_service()
    kind = _kind(kind)
    record_key = _key(kind, key, service.get_person().timezone)
    removals: dict[str, Callable[[Any], object]] = {
        "episode": service.delete_episode,
        "symptom": service.delete_symptom,
        "day": service.delete_day,
        "remedy": service.delete_remedy,
        "med": service.delete_medication,
    }
    remove = removals[kind]
    guard(lambda: remove(record_key))
    typer.echo(f"Deleted {kind} {key}.")


# --- import / export ------------------------------------------------------------------------------------


@app.command("import")
def import_file(file: Path = typer.Argument(..., help="A diary JSON file (format nosetwitch-diary, version 1).")) -> None:
    """Merge a diary file into the stored diary (records matched by id / date; all or nothing)."""
    try:
        diary = load_diary_file(file)
    except DiaryFormatError as exc:
        raise BadInput(f"{file}: {exc}") from None
    service = open_service()
    summary = guard(lambda: service.import_diary(diary))
    typer.echo(f"Imported {file}: {summary.describe()}.")


@app.command("export")
def export(
    format: str = typer.Option("json", "--format", "-f", help="json (the interchange format), csv (a zip of tables) or fhir."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of standard output."),
) -> None:
    """Write the whole diary out: JSON, CSV (zip of one table per record type) or FHIR."""
    writers = {"json": _export_json, "csv": _export_csv, "fhir": _export_fhir}
    if format not in writers:
        raise BadInput(f"--format: unknown format {format!r} (choose from: {', '.join(writers)})")
    if format == "csv" and out is None and sys.stdout.isatty():
        raise BadInput("--format csv writes a zip archive; give --out diary.zip or redirect standard output")
    data = writers[format](open_service().export_diary())
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {out} ({len(data):,} bytes).", err=True)


def _export_json(diary: Diary) -> bytes:
    return (diary_to_json(diary) + "\n").encode()


def _export_csv(diary: Diary) -> bytes:
    return diary_to_csv_zip(diary)


def _export_fhir(diary: Diary) -> bytes:
    """Hook for the FHIR writer (`nosetwitch.interfaces.interchange.fhir`)."""
    from nosetwitch.interfaces.interchange.fhir import diary_to_fhir_bundle  # lazy: the knowledge base and FHIR models (start-up time)

    return (json.dumps(diary_to_fhir_bundle(diary), indent=2, ensure_ascii=False) + "\n").encode()


# --- demo, profile -------------------------------------------------------------------------------------


@app.command("demo")
def demo(
    force: bool = typer.Option(False, "--force", help="Replace a diary that already holds records."),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="How many days to simulate."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the same seed gives the same diary)."),
) -> None:
    """Fill the diary with a realistic simulated one (to try nosetwitch out)."""
    from nosetwitch.services.demo import load_demo  # lazy: SQLAlchemy, numpy (start-up time)

    service = open_service()
    if not force and not service.is_empty():
        raise BadInput("demo: the diary already holds records; use --force to replace them with the demo diary")
    summary = guard(lambda: load_demo(service, days=days, seed=seed, replace=force))
    typer.echo(f"Loaded a {days}-day demo diary: {summary.describe()}.")


@app.command("profile")
def profile(
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone, e.g. Europe/Berlin (defines your calendar days)."),
    birth_year: int | None = typer.Option(None, "--birth-year", help="e.g. 1985"),
    sex: str | None = typer.Option(None, "--sex", help="female, male or other."),
) -> None:
    """Show or set your time zone, birth year and sex (only what the checks need)."""
    service = open_service()
    changes: dict[str, Any] = {}
    if timezone is not None:
        changes["timezone"] = timezone
    if birth_year is not None:
        changes["birth_year"] = birth_year
    if sex is not None:
        changes["sex"] = parse_choice(sex, Sex, option="--sex")
    person = guard(lambda: service.update_person(**changes)) if changes else service.get_person()
    typer.echo(f"Time zone: {person.timezone}")
    typer.echo(f"Birth year: {person.birth_year or 'not given'}")
    typer.echo(f"Sex: {person.sex.value if person.sex else 'not given'}")
