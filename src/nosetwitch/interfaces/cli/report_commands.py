"""`nosetwitch report`: the doctor's PDF, from the stored diary or a diary file.

matplotlib, fpdf2, triage and insights are imported only when a report is
drawn (`reports.render_report`), so `nosetwitch --help` and the logging
commands stay fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from nosetwitch.domain.models import Diary
from nosetwitch.interfaces.cli.common import open_service, parse_date
from nosetwitch.interfaces.cli.root import BadInput, app
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, load_diary_file
from nosetwitch.reports import DEFAULT_DAYS, default_filename, default_period, render_report


def _load(case: Path | None) -> tuple[Diary, dt.datetime]:
    """The diary and its "now": a file's own as_of (else its latest record), or the stored diary now."""
    if case is not None:
        try:
            diary = load_diary_file(case)
        except DiaryFormatError as exc:
            raise BadInput(f"{case}: {exc}") from None
        return diary, diary.as_of or _latest_record(diary) or dt.datetime.now(dt.timezone.utc)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return open_service().load_diary(as_of=now), now


def _latest_record(diary: Diary) -> dt.datetime | None:
    instants = [e.started_at for e in diary.episodes] + [s.started_at for s in diary.symptoms] + [r.at for r in diary.remedies]
    return max(instants, default=None)


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
    diary, as_of = _load(case)
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
