"""Validation by simulation: power and false positives of the trigger analysis.

Simulates N diaries of 120 days (default 400) from `nosetwitch.simulate`:
half with 1-2 planted factors (log rate ratio 0.3-0.45 per SD, either sign),
half with none; all with weekday confounding (workdays: more caffeine, more
stress, more twitching for unrecorded reasons), a drifting autocorrelated
baseline, negative-binomial overdispersion and ~8 % missing check-in days.

For the project's method and for the consumer baseline (days above vs below
the factor's median, Welch t-test, no correction) it prints

- power: planted factors flagged with the right direction (same-day row);
- false-positive rate: factors with no planted effect flagged (any row).

Usage: python bench/insights_validation.py [--diaries 400] [--days 120] [--dispersion 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import time

import numpy as np

from nosetwitch.insights.daily import build_daily_table
from nosetwitch.insights.triggers import DEFAULT_METHOD, MIN_FACTOR_DAYS, Method, analyse_factors
from nosetwitch.simulate import SimulationParams, simulate

PLANTABLE = ("sleep_h", "caffeine_mg", "stress", "water_l", "screen_h", "facial_strain", "exercise_min", "alcohol_units")
END = dt.date(2026, 5, 4)


DISPERSION = 8.0
"""Negative-binomial shape k of the simulated counts (variance = mu + mu^2 / k)."""


def scenario(index: int, days: int, dispersion: float = DISPERSION) -> SimulationParams:
    """Diary `index`: even ones get 1-2 planted factors, odd ones none."""
    rng = np.random.default_rng(10_000 + index)
    effects: dict[str, float] = {}
    if index % 2 == 0:
        count = int(rng.integers(1, 3))
        for name in rng.choice(PLANTABLE, size=count, replace=False):
            effects[str(name)] = float(rng.uniform(0.3, 0.45) * rng.choice([-1, 1]))
    return SimulationParams(days=days, seed=index, end=END, effects=effects, dispersion=dispersion)


def consumer_baseline(table) -> dict[str, tuple[bool, str]]:
    """Above-vs-below-median t-test per factor, no correction: factor -> (flagged, direction)."""
    from scipy import stats

    out = {}
    for name, values in table.factors.items():
        use = table.checked_in & ~np.isnan(values)
        if use.sum() < MIN_FACTOR_DAYS:
            continue
        x, y = values[use], table.counts[use]
        high = x > np.median(x)
        if high.sum() < 3 or (~high).sum() < 3:
            continue
        result = stats.ttest_ind(y[high], y[~high], equal_var=False)
        out[name] = (bool(result.pvalue < 0.05), "up" if y[high].mean() > y[~high].mean() else "down")
    return out


def evaluate(job: tuple[int, int, float, Method]) -> dict:
    index, days, dispersion, method = job
    params = scenario(index, days, dispersion)
    sim = simulate(params)
    as_of = dt.datetime.combine(END, dt.time(23, 59, 59), tzinfo=sim.diary.tz)
    table = build_daily_table(sim.diary, as_of)
    rows = analyse_factors(table, method)
    planted = {name: ("up" if effect > 0 else "down") for (name, lag), effect in sim.planted.items()}
    result = {"power": [0, 0], "fp": [0, 0], "base_power": [0, 0], "base_fp": [0, 0]}
    tested = {r.factor for r in rows}
    for name in tested:
        mine = [r for r in rows if r.factor == name]
        if name in planted:
            hit = any(r.significant and r.lag_days == 0 and r.direction == planted[name] for r in mine)
            result["power"][0] += hit
            result["power"][1] += 1
        else:
            result["fp"][0] += any(r.significant for r in mine)
            result["fp"][1] += 1
    for name, (flagged, direction) in consumer_baseline(table).items():
        if name in planted:
            result["base_power"][0] += flagged and direction == planted[name]
            result["base_power"][1] += 1
        else:
            result["base_fp"][0] += flagged
            result["base_fp"][1] += 1
    # A planted factor that could not be tested at all counts as missed.
    for name in planted:
        if name not in tested:
            result["power"][1] += 1
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diaries", type=int, default=400)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dispersion", type=float, default=DISPERSION, help="negative-binomial shape k")
    parser.add_argument("--trend-days-per-df", type=float, default=DEFAULT_METHOD.trend_days_per_df)
    parser.add_argument("--no-hac", action="store_true")
    args = parser.parse_args(argv)
    method = Method(trend_days_per_df=args.trend_days_per_df, hac=not args.no_hac)
    jobs = [(i, args.days, args.dispersion, method) for i in range(args.diaries)]
    started = time.perf_counter()
    with multiprocessing.Pool(args.workers) as pool:
        results = pool.map(evaluate, jobs, chunksize=4)
    total = {key: [sum(r[key][0] for r in results), sum(r[key][1] for r in results)] for key in results[0]}
    elapsed = time.perf_counter() - started

    def pct(pair):
        return f"{100 * pair[0] / max(pair[1], 1):5.1f} % ({pair[0]}/{pair[1]})"

    print(
        f"{args.diaries} simulated diaries of {args.days} days, negative-binomial k={args.dispersion:g} "
        f"({elapsed:.1f} s, {args.workers} workers)"
    )
    print(f"method: {method.describe(0).replace('(0 df)', f'(1 df per {method.trend_days_per_df:g} days)')}")
    print(f"{'':28} {'power':>22} {'false positives':>22}")
    print(f"{'nosetwitch':28} {pct(total['power']):>22} {pct(total['fp']):>22}")
    print(f"{'consumer baseline (t-test)':28} {pct(total['base_power']):>22} {pct(total['base_fp']):>22}")
    power = total["power"][0] / max(total["power"][1], 1)
    fp = total["fp"][0] / max(total["fp"][1], 1)
    ok = power >= 0.85 and fp <= 0.025
    print(f"targets (power >= 85 %, false positives <= 2.5 %): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
