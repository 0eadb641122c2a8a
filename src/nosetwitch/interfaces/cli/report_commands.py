"""`nosetwitch report`: the doctor's PDF, from the stored diary or a diary file.

matplotlib, fpdf2, triage and insights are imported only when a report is
drawn (`reports.render_report`), so `nosetwitch --help` and the logging
commands stay fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from nosetwitch.interfaces.cli.common import load_case_or_stored, parse_date
from nosetwitch.interfaces.cli.root import BadInput, app
from nosetwitch.reports import DEFAULT_DAYS, default_filename, default_period, render_report

MAX_REPORT_DAYS = 366
"""As in the web API: a report covers at most a year (a longer one would take minutes to draw)."""


@app.command("report")
def report(
    case: Path | None = typer.Argument(None, help="A diary file (JSON) instead of the stored diary.", show_default=False),
    start: str | None = typer.Option(None, "--from", help="First day: YYYY-MM-DD, 'today' or 'yesterday' (default: 13 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day (default: today in your time zone; for a file, the day of its as_of)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="PDF file to write (default: nosetwitch-report-<last day>.pdf here)."),
) -> None:
    """Write a PDF summary for a doctor: 1-3 pages, by default the last 14 days. Not a diagnosis."""
    diary, as_of = load_case_or_stored(case)  # a file: its own as_of, else its latest record
    timezone = diary.person.timezone
    last = parse_date(end, timezone, option="--to") if end else default_period(diary, as_of)[1]
    first = parse_date(start, timezone, option="--from") if start else last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise BadInput(f"--from {first} to --to {last} is more than {MAX_REPORT_DAYS} days; a report covers at most a year")
    target = out or Path(default_filename(last))
    if not target.parent.is_dir():
        raise BadInput(f"--out: folder {str(target.parent)!r} does not exist")
    pdf = render_report(diary, start=first, end=last, as_of=as_of)
    try:
        target.write_bytes(pdf)
    except OSError as exc:
        raise BadInput(f"--out: cannot write {target}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {target} ({first} to {last}, {len(pdf) // 1024} KiB). A summary of your own diary, not a diagnosis.")
