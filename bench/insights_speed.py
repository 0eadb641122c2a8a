"""Speed of the full insights analysis, in-process.

Targets (issue 15): a 10-year diary (3,650 days, ~15,000 episodes) under 1 s,
a 120-day diary under 50 ms. Prints the median of several runs after one warm-up call
(the warm-up pays for importing numpy/scipy once; its time is printed too), as
wall-clock time and as the process's CPU time (the latter is what a busy,
shared machine does not inflate).

Usage: python bench/insights_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from nosetwitch.insights import compute_insights
from nosetwitch.simulate import simulate_diary

TARGETS = {120: 0.05, 3650: 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    ok = True
    for days, target in TARGETS.items():
        diary = simulate_diary(days=days, seed=1, end=dt.date(2026, 5, 4))
        started = time.perf_counter()
        report = compute_insights(diary)
        first = time.perf_counter() - started
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            compute_insights(diary)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        median, median_cpu = statistics.median(times), statistics.median(cpu)
        ok &= median < target
        print(
            f"{days:>5} days, {len(diary.episodes):>6} episodes, {len(report.associations):>2} association rows: "
            f"median {median * 1000:7.1f} ms wall, {median_cpu * 1000:7.1f} ms CPU over {args.runs} runs "
            f"(first call {first * 1000:.0f} ms); target < {target * 1000:.0f} ms: {'met' if median < target else 'NOT met'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
