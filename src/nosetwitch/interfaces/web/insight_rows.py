"""The insights report in plain words, one row per factor: what the phone list and the
screen-reader text say instead of "× rate (95 % interval)".

Presentation only: it reads the insights JSON (spec insights.md: `associations`
with `rate_ratio`, `per`, `ci95`, `significant`, `n_days`; `remedies` with
`tried`, `helped`, `answered`, `ci95`) and never recomputes a statistic.

Each factor row gets one of four verdicts:
- "went with more twitching" / "went with less twitching": the row held up
  after allowing for the number of factors tested (`significant`);
- "too little data": too few days, or an interval so wide it says nothing;
- "no clear link": everything else, including a hint that could be chance.
Rows that held up and rows that could be chance are kept in separate groups,
and the summary sentence is built from the same rows, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nosetwitch.domain import vocabulary

MIN_DAYS = 14
"""Fewer days with both the factor and a count than this: "too little data"."""
WIDEST_USEFUL_INTERVAL = 4.0
"""An interval whose ends differ more than this factor ("from 70 % less to 4× more") says nothing."""


@dataclass(frozen=True)
class FactorRow:
    factor: str
    label: str  # "Caffeine, same day"
    verdict: str  # "went with more twitching", "went with less twitching", "no clear link", "too little data"
    held_up: bool
    detail: str  # the estimate and its interval in words
    days: int


def _change(ratio: float) -> tuple[float, str]:
    """1.29 -> (29, 'more'); 0.8 -> (20, 'less')."""
    percent = (ratio - 1.0) * 100.0
    return abs(percent), ("more" if percent >= 0 else "less")


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def interval_words(low: float, high: float) -> str:
    """(1.06, 1.58) -> 'between 6% and 58% more'; (0.8, 1.3) -> 'anywhere from 20% less to 30% more'."""
    low_size, low_way = _change(low)
    high_size, high_way = _change(high)
    if low_way == high_way == "more":
        return f"between {_percent(low_size)} and {_percent(high_size)} more"
    if low_way == high_way == "less":
        return f"between {_percent(high_size)} and {_percent(low_size)} less"
    return f"anywhere from {_percent(low_size)} less to {_percent(high_size)} more"


def factor_rows(associations: Sequence[Mapping]) -> list[FactorRow]:
    rows = []
    for row in associations:
        factor = str(row["factor"])
        lag = int(row.get("lag_days", 0))
        label = f"{vocabulary.factor_label(factor)}, {vocabulary.lag_words(lag)}"
        ratio = float(row["rate_ratio"])
        low, high = (float(v) for v in row["ci95"])
        days = int(row.get("n_days", 0) or 0)
        per = vocabulary.per_text(factor, row.get("per"))
        size, way = _change(ratio)
        when = "on the same day" if lag == 0 else "the day before"
        estimate = f"About {_percent(size)} {way} twitching {per} more {vocabulary.factor_label(factor).lower()} {when}".replace("  ", " ")
        likely = f"likely {interval_words(low, high)}"
        significant = bool(row.get("significant"))
        too_wide = low <= 0 or high / low > WIDEST_USEFUL_INTERVAL
        if significant:
            verdict = f"went with {way} twitching"
            detail = f"{estimate}; {likely}, over {vocabulary.counted(days, 'day')}."
        elif days < MIN_DAYS or too_wide:
            verdict = "too little data"
            detail = f"Only {vocabulary.counted(days, 'day')} to go on; the range is still {interval_words(low, high)}."
        else:
            verdict = "no clear link"
            if low > 1 or high < 1:  # a hint that did not survive testing many factors
                detail = f"{estimate}, {likely}. It did not hold up once all the factors were tested, so it could be chance."
            else:
                detail = f"The range, {interval_words(low, high)}, includes no change at all, over {vocabulary.counted(days, 'day')}."
        rows.append(FactorRow(factor, label, verdict, significant, detail, days))
    rows.sort(key=lambda r: (not r.held_up, r.verdict == "too little data", r.label))
    return rows


def summary_sentence(rows: Sequence[FactorRow]) -> str:
    """One sentence that agrees with the rows below it."""
    held = [r for r in rows if r.held_up]
    if not rows:
        return "No factor can be compared with the twitching yet: do the day check-in on more days."
    if not held:
        return (
            "No factor held up once chance was allowed for. "
            "The rows below could all be chance; more days of check-ins will tell."
        )
    named = ", ".join(f"{r.label.lower()} ({r.verdict.removeprefix('went with ')})" for r in held)
    return f"{vocabulary.counted(len(held), 'factor')} held up once chance was allowed for: {named}. The others could be chance."


@dataclass(frozen=True)
class RemedyRow:
    name: str
    text: str


def remedy_rows(remedies: Sequence[Mapping]) -> list[RemedyRow]:
    rows = []
    for row in remedies:
        answered = int(row.get("answered", row.get("tried", 0)) or 0)
        helped = int(row.get("helped", 0) or 0)
        text = f"Tried {vocabulary.counted(int(row.get('tried', 0)), 'time')}. Helped: {helped} of {vocabulary.counted(answered, 'answer')}"
        if row.get("ci95"):
            low, high = row["ci95"]
            text += f"; it likely helps between {_percent(100 * low)} and {_percent(100 * high)} of the time"
        rows.append(RemedyRow(vocabulary.remedy_name(str(row["code"])), text + "."))
    return rows
