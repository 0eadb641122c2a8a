"""`nosetwitch report`: the doctor's PDF, from the stored diary or a diary file.

matplotlib, fpdf2, triage and insights are imported inside the command, so
`nosetwitch --help` and the logging commands stay fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from nosetwitch.interfaces.cli.main import app, fail, settings


def _parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date in the form YYYY-MM-DD")


def _load(case: Path | None):
    """The diary and its "now": a file's own as_of (else its latest record), or the stored diary now."""
    if case is not None:
        from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, load_diary_file

        try:
            diary = load_diary_file(case)
        except DiaryFormatError as exc:
            fail(f"{case}: {exc}")
        return diary, diary.as_of or _latest_record(diary) or dt.datetime.now(dt.timezone.utc)
    from nosetwitch.services.diary import DiaryService

    now = dt.datetime.now(dt.timezone.utc)
    return DiaryService(settings.db_url).load_diary(as_of=now), now


def _latest_record(diary) -> dt.datetime | None:
    instants = [e.started_at for e in diary.episodes] + [s.started_at for s in diary.symptoms] + [r.at for r in diary.remedies]
    return max(instants, default=None)


@app.command("report")
def report(
    case: Path | None = typer.Argument(None, help="A diary file (JSON) instead of the stored diary.", show_default=False),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: 13 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (default: today in your time zone)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="PDF file to write (default: nosetwitch-report-<last day>.pdf)."),
) -> None:
    """Write a PDF summary for a doctor (1-3 pages; default: the last 14 days)."""
    from nosetwitch.reports import DEFAULT_DAYS, default_filename, default_period, render_report

    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    diary, as_of = _load(case)
    last = last or default_period(diary, as_of)[1]
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        fail(f"--to {last} is before --from {first}")
    target = out or Path(default_filename(last))
    if not target.parent.exists():
        fail(f"--out: folder {str(target.parent)!r} does not exist")
    pdf = render_report(diary, start=first, end=last, as_of=as_of)
    try:
        target.write_bytes(pdf)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    typer.echo(f"Wrote {target} ({first} to {last}). It is a summary of your own notes, not a diagnosis.")
