"""`compute_insights`: a diary and a moment in, the insights report out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nosetwitch.domain.clock import zone
from nosetwitch.domain.models import Diary
from nosetwitch.insights.daily import build_daily_table, default_as_of
from nosetwitch.insights.early import Outlook, outlook
from nosetwitch.insights.findings import build_findings
from nosetwitch.insights.remedies import CAUTION, remedy_table
from nosetwitch.insights.summary import iso_in_zone, summarise
from nosetwitch.insights.triggers import DEFAULT_METHOD, Association, Method, analyse_factors

MIN_CHECKIN_DAYS = 28
"""Fewer complete days with a check-in than this: `status` is `insufficient_data`."""
MIN_EPISODES = 10
"""...and likewise with fewer episodes than this on those days."""


@dataclass
class InsightsReport:
    as_of: dt.datetime
    status: str
    days_observed: int
    summary: dict
    associations: list[Association]
    remedies: list[dict]
    findings: list[str]
    checkin_days: int
    timezone: str
    daily_counts: list[int] = field(default_factory=list)  # for sparklines, oldest first, ending on the as_of day
    outlook: Outlook | None = None  # what the data can and cannot show yet

    def to_dict(self) -> dict:
        """Exactly the JSON of `shared/spec/insights.md` (plus a few documented extras)."""
        return {
            "as_of": iso_in_zone(self.as_of, zone(self.timezone)),
            "status": self.status,
            "days_observed": self.days_observed,
            "checkin_days": self.checkin_days,
            "minimum_checkin_days": MIN_CHECKIN_DAYS,
            "summary": self.summary,
            "associations": [row.to_dict() for row in self.associations],
            "remedies": self.remedies,
            "remedy_caution": CAUTION,
            "findings": self.findings,
            **({"outlook": self.outlook.to_dict()} if self.outlook is not None else {}),
        }


def compute_insights(diary: Diary, as_of: dt.datetime | None = None, *, method: Method = DEFAULT_METHOD) -> InsightsReport:
    """The insights report of `diary` at `as_of` (default: the diary's own, else its latest record)."""
    if as_of is None:
        as_of = default_as_of(diary) or dt.datetime.now(dt.timezone.utc)
    elif as_of.tzinfo is None:
        raise ValueError("as_of must carry a UTC offset")
    table = build_daily_table(diary, as_of)
    summary = summarise(table)
    checkin_days = int(table.outcome_days.sum()) if table is not None else 0
    analysed_episodes = int(table.counts[table.outcome_days].sum()) if table is not None else 0
    enough = checkin_days >= MIN_CHECKIN_DAYS and analysed_episodes >= MIN_EPISODES
    status = "ok" if enough else "insufficient_data"
    associations = analyse_factors(table, method) if enough and table is not None else []
    remedies = remedy_table(diary, as_of)
    early = outlook(table, MIN_CHECKIN_DAYS)
    findings = build_findings(status, summary, associations, remedies, early)
    return InsightsReport(
        as_of=as_of,
        status=status,
        days_observed=table.n_days if table is not None else 0,
        summary=summary,
        associations=associations,
        remedies=remedies,
        findings=findings,
        checkin_days=checkin_days,
        timezone=diary.person.timezone,
        daily_counts=[int(c) for c in table.counts] if table is not None else [],
        outlook=early,
    )
