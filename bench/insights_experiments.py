"""Validation of the n-of-1 experiment report by simulation, looking every day.

For experiments of 14 and 28 days (caffeine plan: no caffeine on A days) it
simulates N people each (default 300) from `nosetwitch.simulate`, with the
usual weekday pattern, drifting baseline and overdispersion, either without
any caffeine effect or with one of 0.5 log rate ratio per SD. Each person
opens the report **every day** of the experiment and once after it. Printed:

- false alarms (no effect) / power (with one): people who saw a verdict of
  a difference ("A days went with fewer/more episodes") at *any* daily look,
  and at the end only; the target is under 5 % false alarms across all looks;
- the old engine's way (a verdict from the model's 95 % interval as soon as
  3 A and 3 B days were over) for comparison, across the same looks.

Usage: python bench/insights_experiments.py [--people 300] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import time

from nosetwitch.insights.experiments import _compare, analyse_experiment, propose_schedule
from nosetwitch.simulate import simulate_following

START = dt.date(2026, 5, 4)


def _verdict(message: str) -> bool:
    return message.startswith("A days went with")


def run_one(job: tuple[int, int, float]) -> tuple[bool, bool, bool, bool]:
    """(a verdict at any look, a verdict at the end, the old way at any look, the old way at the end)."""
    import numpy as np

    days, seed, effect = job
    schedule = propose_schedule("caffeine", days, START, seed)
    sim = simulate_following(schedule.start, schedule.arms, factor="caffeine_mg", effect=effect, seed=seed)
    tz = sim.diary.tz
    any_look = old_any = False
    end = old_end = False
    for done in range(1, days + 1):
        as_of = dt.datetime.combine(START + dt.timedelta(days=done), dt.time(12), tzinfo=tz)
        report = analyse_experiment(schedule, sim.diary, as_of)
        verdict = _verdict(report.message)
        any_look |= verdict
        # The old report: the model's 95 % interval as soon as 3 A and 3 B days were over.
        old = False
        if report.days_a >= 3 and report.days_b >= 3:
            counts = np.zeros(done)
            for episode in sim.diary.episodes:
                offset = (episode.started_at.astimezone(tz).date() - START).days
                if 0 <= offset < done and episode.started_at <= as_of:
                    counts[offset] += 1
            arm_a = np.array([schedule.arms[i] == "A" for i in range(done)])
            workday = np.array([(START + dt.timedelta(days=i)).weekday() < 5 for i in range(done)], dtype=float)
            _compare(report, counts, arm_a, workday)
            if report.difference_ci95 is not None:
                low, high = report.difference_ci95
                old = low > 0 or high < 0
        old_any |= old
        if done == days:
            end, old_end = verdict, old
    return any_look, end, old_any, old_end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"{args.people} simulated people per row, each looking at the report every day")
    print(f"{'days':>5} {'caffeine effect':>16} {'verdict at any look':>20} {'at the end':>11} {'old: any look':>14} {'old: end':>9}")
    ok = True
    with multiprocessing.Pool(args.workers) as pool:
        for days in (14, 28):
            for effect in (0.0, 0.5):
                results = pool.map(run_one, [(days, s, effect) for s in range(args.people)], chunksize=10)
                share = [sum(r[i] for r in results) / len(results) for i in range(4)]
                label = "none" if effect == 0 else f"{effect:g} per SD"
                print(f"{days:>5} {label:>16} {share[0]:>19.1%} {share[1]:>10.1%} {share[2]:>13.1%} {share[3]:>8.1%}", flush=True)
                if effect == 0:
                    ok &= share[0] < 0.05
    print(f"target (false alarms across all daily looks < 5 %): {'met' if ok else 'NOT met'} ({time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
