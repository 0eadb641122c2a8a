"""How long the doctor's PDF takes for a one-year diary (target: under 3 s).

Prints the time for the default 14-day report and for a report over the whole
year, each including triage, insights, the charts and the layout, as the CLI
and web app run it. Best of three runs after one warm-up (imports, fonts).
"""

from __future__ import annotations

import datetime as dt
import time

from nosetwitch.reports import render_report
from nosetwitch.simulate import simulate_diary

TARGET_S = 3.0


def _best_of(runs: int, make) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(make())
        best = min(best, time.perf_counter() - start)
    return best, size


def main() -> None:
    diary = simulate_diary(days=365, seed=1, end=dt.date(2026, 3, 14))
    as_of = dt.datetime(2026, 3, 14, 21, 0, tzinfo=diary.tz)
    print(f"1-year diary: {len(diary.episodes)} episodes, {len(diary.days)} check-ins, {len(diary.remedies)} remedies")
    cold, _ = _best_of(1, lambda: render_report(diary, as_of=as_of))  # first call pays imports and font loading
    print(f"report, default 14 days, first call in a fresh process: {cold:.2f} s")
    for label, period in (
        ("default 14 days", {}),
        ("whole year", {"start": dt.date(2025, 3, 15), "end": dt.date(2026, 3, 14)}),
    ):
        seconds, size = _best_of(3, lambda: render_report(diary, as_of=as_of, **period))
        verdict = "ok" if seconds < TARGET_S else "OVER TARGET"
        print(f"report, {label}: {seconds:.2f} s ({size / 1024:.0f} KiB PDF), target < {TARGET_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
