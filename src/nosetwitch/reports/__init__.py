"""The doctor's report: a PDF of one to three pages from a diary.

`render_report(diary, start=..., end=..., as_of=...)` is the one entry point
(CLI and web call it). It runs triage and insights on the diary as of
`as_of`, gathers the figures (`content.gather`), draws the charts
(`charts`, matplotlib) and lays them out (`pdf`, fpdf2). Heavy imports happen
inside the functions (`# lazy:`) so importing this package stays cheap: the
`report` command imports it when the CLI starts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from nosetwitch.domain.models import Diary

if TYPE_CHECKING:
    from nosetwitch.reports.content import ReportContent

DEFAULT_DAYS = 14


def default_period(diary: Diary, as_of: dt.datetime, days: int = DEFAULT_DAYS) -> tuple[dt.date, dt.date]:
    """The last `days` calendar days ending on the local date of `as_of`."""
    end = as_of.astimezone(diary.tz).date()
    return end - dt.timedelta(days=days - 1), end


def default_filename(end: dt.date) -> str:
    """The file name a downloaded or written report gets: nosetwitch-report-2026-03-14.pdf."""
    return f"nosetwitch-report-{end.isoformat()}.pdf"


def _medicine_class_of(name: str) -> str | None:
    from nosetwitch.knowledge import knowledge  # lazy: see the module's docstring

    found = knowledge().medicine_class_of(name)
    return found.id if found is not None else None


def render_report(
    diary: Diary,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.datetime | None = None,
    triage_result: Any = None,
    insights: dict[str, Any] | None = None,
    generated_on: dt.date | None = None,
) -> bytes:
    """The PDF report for the local days start..end (default: the 14 days up to `as_of`);
    the other arguments as for `report_content`."""
    from nosetwitch.reports.pdf import render_pdf  # lazy: fpdf2 and matplotlib

    content = report_content(diary, start=start, end=end, as_of=as_of, triage_result=triage_result, insights=insights)
    return render_pdf(content, diary.tz, generated_on=generated_on)


def report_content(
    diary: Diary,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.datetime | None = None,
    triage_result: Any = None,
    insights: dict[str, Any] | None = None,
) -> ReportContent:
    """What the report shows (a `content.ReportContent`): the PDF and the print-friendly web page
    both lay out this one object, so they say the same.

    `as_of` defaults to the diary's own `as_of`, else now. `triage_result`
    (a TriageResult) and `insights` (the insights JSON as a dict) are computed
    when not given.
    """
    from nosetwitch.reports.content import gather  # lazy: the statistics module

    as_of = as_of or diary.as_of or dt.datetime.now(dt.timezone.utc)
    default_start, default_end = default_period(diary, as_of)
    end = end or default_end
    start = start or (end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if triage_result is None:
        from nosetwitch.triage import triage  # lazy: the knowledge base

        triage_result = triage(diary, as_of)
    if insights is None:
        from nosetwitch.insights import compute_insights  # lazy: numpy and scipy

        insights = compute_insights(diary, as_of).to_dict()
    return gather(
        diary, start=start, end=end, as_of=as_of, triage_result=triage_result, insights=insights,
        medicine_class_of=_medicine_class_of,
    )
