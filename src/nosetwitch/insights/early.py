"""Early, honest answers: what the diary already shows, and what it cannot show yet.

From the first days on, a person gets

- the plain comparison so far for the factors they record most (days with
  more of it against the other days, or yes days against no days), always
  marked "too early to tell" while the analysis cannot yet weigh it;
- the number of days with a check-in at which a factor of typical size
  would usually be detectable at *their own* twitch rate: a power
  calculation for the quasi-Poisson score test the analysis runs.

The power calculation. A factor standardised to SD 1 with a log rate ratio b
per SD, on n days of rate m and quasi-Poisson dispersion phi, has a score
test statistic of about b * sqrt(n * m * r * (1 - R2) / phi), where r is the
share of check-in days on which the factor is recorded and R2 the share of
its variation that the weekday and the trend explain. Solving for 80 % power
at the significance level the weighted Benjamini-Hochberg step needs for
one real effect among `TYPICAL_ROWS` rows gives the days needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from nosetwitch.domain.vocabulary import FACTORS
from nosetwitch.insights.daily import DailyTable
from nosetwitch.insights.triggers import ALPHA, DEFAULT_METHOD, factor_unit

TYPICAL_EFFECT = 0.35
"""A factor of typical size: log rate ratio 0.35 per SD (about 40 % more twitching per SD)."""
TYPICAL_ROWS = 20
"""About how many (factor, day) rows a full diary tests."""
RECORDED_SHARE = 0.85  # a factor is usually filled in on most check-in days
WEEKDAY_TREND_R2 = 0.3  # share of a factor's variation the weekday and the trend usually take
DEFAULT_K = 4.0  # negative-binomial shape assumed until the diary can show its own dispersion
POWER = 0.8
MAX_DAYS = 730
SHOWN_FACTORS = 3


@dataclass
class SoFar:
    """One factor's plain comparison so far (no test: too early to weigh it)."""

    factor: str
    label: str  # how a sentence names it
    kind: str  # "number", "scale", "yes_no"
    unit: str  # the unit of `split` ("mg", "h", "points"; "" for none)
    split: float | None  # the middle value separating "more" from "other" days (None for yes/no)
    days_high: int
    per_day_high: float
    days_low: int
    per_day_low: float

    def to_dict(self) -> dict:
        return {
            "factor": self.factor,
            "split": self.split,
            "days_high": self.days_high,
            "episodes_per_day_high": round(self.per_day_high, 2),
            "days_low": self.days_low,
            "episodes_per_day_low": round(self.per_day_low, 2),
        }

    def sentence(self) -> str:
        if self.kind == "yes_no":
            return (
                f"days with \u201c{self.label}\u201d averaged {self.per_day_high:.1f} twitches "
                f"({_days(self.days_high)}) and days without {self.per_day_low:.1f} ({_days(self.days_low)})"
            )
        assert self.split is not None  # only yes/no factors have no split
        return (
            f"days with more {self.label} (over {_over(self.split, self.unit)}) averaged {self.per_day_high:.1f} twitches "
            f"({_days(self.days_high)}) and the other days {self.per_day_low:.1f} ({_days(self.days_low)})"
        )


def _over(split: float, unit: str) -> str:
    value = f"{split:.3g}" if abs(split) < 1000 else f"{split:.0f}"
    return f"{value} {unit}" if unit else value


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def days_needed(rate: float, dispersion: float, effect: float = TYPICAL_EFFECT) -> int | None:
    """Days with a check-in after which a factor of size `effect` (log RR per SD) is found 80 % of the time.

    None when the rate is zero (nothing to compare) or the answer is beyond `MAX_DAYS`.
    """
    if rate <= 0:
        return None
    weight = DEFAULT_METHOD.lag_weights[0] / (sum(DEFAULT_METHOD.lag_weights) / 2)
    level = ALPHA * weight / TYPICAL_ROWS
    z = ndtri(1 - level / 2) + ndtri(POWER)
    n = z * z * dispersion / (rate * effect * effect * RECORDED_SHARE * (1 - WEEKDAY_TREND_R2))
    return None if n > MAX_DAYS else int(math.ceil(n / 7) * 7)


def personal_dispersion(counts: np.ndarray) -> float:
    """Quasi-Poisson dispersion of the days so far (variance / mean, at least 1);
    with fewer than 14 days the grid's middle value (k = 4) stands in."""
    mean = float(counts.mean()) if len(counts) else 0.0
    if len(counts) < 14 or mean <= 0:
        return 1.0 + mean / DEFAULT_K
    return max(1.0, float(counts.var(ddof=1)) / mean)


def so_far(table: DailyTable) -> list[SoFar]:
    """Plain comparisons for the factors recorded most often (at least 2 days on each side)."""
    use = table.outcome_days
    counts = table.counts
    out = []
    for name, values in table.factors.items():
        known = use & ~np.isnan(values)
        if known.sum() < 4:
            continue
        kind = factor_unit(name, table)[2]
        x = values[known]
        if kind == "yes_no":
            high, split = x > 0.5, None
        else:
            split = float(np.median(x))
            high = x > split
        if high.sum() < 2 or (~high).sum() < 2:
            continue
        y = counts[known]
        label, split_unit = _words(name, kind, table)
        out.append(
            SoFar(name, label, kind, split_unit, split, int(high.sum()), float(y[high].mean()), int((~high).sum()), float(y[~high].mean()))
        )
    # The person's own factors first (they chose to track them), then the most recorded.
    out.sort(key=lambda s: (not s.factor.startswith("own:"), -(s.days_high + s.days_low)))
    return out[:SHOWN_FACTORS]


def _words(name: str, kind: str, table: DailyTable) -> tuple[str, str]:
    """(what a sentence calls the factor, the unit of its values)."""
    if name in FACTORS:
        return FACTORS[name].in_a_sentence, FACTORS[name].value_unit
    label, _, unit = table.own.get(name) or (name.removeprefix("own:"), kind, None)
    return label, "points" if kind == "scale" else unit or ""


@dataclass
class Outlook:
    """What the diary can and cannot show yet."""

    checkin_days: int
    minimum_days: int
    rate: float  # episodes per analysed day so far
    days_needed: int | None  # for a factor of typical size at this rate
    comparisons: list[SoFar]

    def to_dict(self) -> dict:
        return {
            "checkin_days": self.checkin_days,
            "episodes_per_checkin_day": round(self.rate, 2),
            "typical_effect_detectable_after_days": self.days_needed,
            "so_far": [c.to_dict() for c in self.comparisons],
        }

    def sentences(self, analysed: bool) -> list[str]:
        """The early-days lines; `analysed`: the full analysis ran (enough days)."""
        days = _days(self.checkin_days).replace("day", "complete day", 1)
        needed = (
            f"at your rate of about {self.rate:.1f} twitches a day, a factor of typical size usually shows "
            f"after about {self.days_needed} days with a check-in"
            if self.days_needed
            else "at your rate so far, a factor of typical size would need more than two years of check-ins to show"
            if self.rate > 0
            else "with no twitches logged on those days there is nothing to compare yet"
        )
        if analysed:
            if self.days_needed and self.checkin_days >= self.days_needed:
                return []
            return [f"{days} with a check-in so far; {needed}, so a real factor may not stand out yet."]
        lines = [
            f"{days} with a check-in so far; looking for patterns needs at least {self.minimum_days} "
            f"(about {_weeks(self.minimum_days)}), and {needed}."
        ]
        if self.comparisons:
            parts = "; ".join(c.sentence() for c in self.comparisons)
            lines.append(f"Too early to tell whether any of this is more than chance, but so far {parts}.")
        elif self.checkin_days:
            lines.append("Too few days yet to compare any factor: keep logging your twitches and the day check-in.")
        return lines


def _weeks(days: int) -> str:
    return f"{round(days / 7)} weeks"


def outlook(table: DailyTable | None, minimum_days: int) -> Outlook:
    if table is None:
        return Outlook(0, minimum_days, 0.0, None, [])
    use = table.outcome_days
    counts = table.counts[use]
    rate = float(counts.mean()) if len(counts) else 0.0
    needed = days_needed(rate, personal_dispersion(counts)) if len(counts) else None
    return Outlook(int(use.sum()), minimum_days, rate, needed, so_far(table))
