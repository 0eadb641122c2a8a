"""Honest personal statistics from a twitch diary.

`compute_insights(diary, as_of)` is pure: a diary in, an `InsightsReport`
out, whose `to_dict()` is the JSON of `shared/spec/insights.md` and validates
against `INSIGHTS_SCHEMA`. The n-of-1 self-experiments live in
`nosetwitch.insights.experiments`.
"""

from nosetwitch.insights.report import MIN_CHECKIN_DAYS, MIN_EPISODES, InsightsReport, compute_insights
from nosetwitch.insights.schema import INSIGHTS_SCHEMA

__all__ = ["INSIGHTS_SCHEMA", "MIN_CHECKIN_DAYS", "MIN_EPISODES", "InsightsReport", "compute_insights"]
