"""Remedy effectiveness: how often each remedy was tried and said to help."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from nosetwitch.domain.models import Diary

Z95 = 1.959963984540054

CAUTION = (
    "Remedies tend to be tried on the strongest or longest episodes, which settle less easily "
    "whatever is done, and some twitching stops on its own; so these rates compare remedies "
    "with each other, not with doing nothing."
)


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion (None without trials)."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends, no rounding dust
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def remedy_table(diary: Diary, as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row per remedy code tried by `as_of`, most tried first.

    `helped_rate` and its interval count only attempts with an answer
    (`answered`); an attempt whose `helped` was left empty is still `tried`.
    """
    tally: dict[str, list[int]] = {}
    for attempt in diary.remedies:
        if attempt.at > as_of:
            continue
        row = tally.setdefault(attempt.code.value, [0, 0, 0])  # tried, helped, answered
        row[0] += 1
        if attempt.helped is not None:
            row[2] += 1
            row[1] += attempt.helped
    rows: list[dict[str, Any]] = []
    for code, (tried, helped, answered) in tally.items():
        interval = wilson_interval(helped, answered)
        rows.append(
            {
                "code": code,
                "tried": tried,
                "helped": helped,
                "answered": answered,
                "helped_rate": round(helped / answered, 3) if answered else None,
                "ci95": [round(interval[0], 3), round(interval[1], 3)] if interval else None,
            }
        )
    rows.sort(key=lambda r: (-r["tried"], r["code"]))
    return rows
