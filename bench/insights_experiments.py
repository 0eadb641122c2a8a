"""Validation of the n-of-1 experiment report by simulation.

For experiments of 14 and 28 days (caffeine plan: no caffeine on A days) it
simulates N people each (default 300) from `nosetwitch.simulate`, with the
usual weekday pattern, drifting baseline and overdispersion, either without
any caffeine effect or with one of 0.5 log rate ratio per SD, and prints how
often the report's 95 % interval for the A-B difference excludes zero:
the false-alarm rate (should be near 5 %) and the power.

Usage: python bench/insights_experiments.py [--people 300] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import time

from nosetwitch.insights.experiments import analyse_experiment, propose_schedule
from nosetwitch.simulate import simulate_following

START = dt.date(2026, 5, 4)


def run_one(job: tuple[int, int, float]) -> tuple[bool, bool] | None:
    """(interval excludes zero, A days lower) for one simulated person, None without a result."""
    days, seed, effect = job
    schedule = propose_schedule("caffeine", days, START, seed)
    sim = simulate_following(schedule.start, schedule.arms, factor="caffeine_mg", effect=effect, seed=seed)
    as_of = dt.datetime.combine(schedule.end + dt.timedelta(days=1), dt.time(12), tzinfo=sim.diary.tz)
    report = analyse_experiment(schedule, sim.diary, as_of)
    if report.difference_ci95 is None:
        return None
    low, high = report.difference_ci95
    return (low > 0 or high < 0), high < 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"{args.people} simulated people per row")
    print(f"{'days':>5} {'caffeine effect':>16} {'interval excludes 0':>20} {'A days lower':>13}")
    with multiprocessing.Pool(args.workers) as pool:
        for days in (14, 28):
            for effect in (0.0, 0.5):
                results = [r for r in pool.map(run_one, [(days, s, effect) for s in range(args.people)], chunksize=10) if r]
                excludes = sum(r[0] for r in results) / len(results)
                lower = sum(r[1] for r in results) / len(results)
                label = "none" if effect == 0 else f"{effect:g} per SD"
                print(f"{days:>5} {label:>16} {excludes:>19.1%} {lower:>12.1%}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
