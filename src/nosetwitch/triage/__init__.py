"""Triage: "is this serious?" per policy `nosetwitch-triage-2` (shared/spec/triage-policy.md).

`triage(diary, as_of)` is pure: a diary and an instant in, a `TriageResult`
out (level, reasons with evidence, ranked self-care advice, safety net).
The rules live one per function in `rules.py`; `questionnaire.py` holds the
questions of `nosetwitch check`.
"""

from nosetwitch.triage.engine import triage
from nosetwitch.triage.result import POLICY, Advice, Level, Reason, TriageResult

__all__ = ["POLICY", "Advice", "Level", "Reason", "TriageResult", "triage"]
