"""Validation by simulation: power and false positives of the trigger analysis,
on a grid of hard diaries, beside an oracle and the naive comparison.

The grid (36 cells): negative-binomial shape k = 2, 4, 8 (smaller = busier bad
days); 0.5, 1.5 and 3 twitches a day; 60, 90, 120 and 180 days. In every cell,
N diaries (default 200) from `nosetwitch.simulate`:

- every even diary has 1-2 planted factors (log rate ratio 0.3-0.45 per SD,
  either sign), two in three acting on the same day and one in three on the
  day after; every odd diary has none (nulls in every cell);
- a workday bump *and* a person's own day-by-day weekday pattern that the
  factors follow too (confounding beyond workday/weekend), a drifting
  baseline, factors whose level drifts, 20 % of check-ins missing, and every
  second person logs only 60 % of their twitches.

Methods, side by side:

- **nosetwitch**: `nosetwitch.insights.triggers.analyse_factors` (this tree);
- **oracle**: knows the simulated truth except the effects: the true baseline
  (drift, weekday pattern, logging share) as an offset and the true dispersion
  (negative-binomial weights, z tests); all factors at both lags in one model;
  Benjamini-Hochberg at 5 %;
- **naive**: days above vs below the factor's median, Welch t-test, no correction;
- **old**: the engine before issue 15 (git commit `OLD_REF`), loaded from git
  into a temp dir (with `--engines ...,old`).

Power = planted (factor, lag) flagged at its lag with the right direction (the
naive method: flagged same-day with the right direction); false positives =
factors without an effect flagged at either lag.

Targets: false positives <= 2.5 % in every cell; nosetwitch's power at least
90 % of the oracle's in the cells of 120 days and more.

Usage:
  python bench/insights_validation.py [--diaries 200] [--first 0] [--jobs 2] [--cells 'k2-r1.5-d120,k8-*']
                                      [--engines new,oracle,naive,old] [--method 'effective_df=false']
                                      [--detail] [--json out.json]

The full grid of 200 diaries takes about 2.5 minutes on one core (new, oracle, naive).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import importlib.util
import itertools
import json
import math
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nosetwitch.domain.models import DAY_FACTORS
from nosetwitch.insights.daily import DailyTable
from nosetwitch.insights.triggers import (
    DEFAULT_METHOD,
    MIN_FACTOR_DAYS,
    Method,
    analyse_factors,
    benjamini_hochberg,
    testable,
)
from nosetwitch.simulate import Simulation, SimulationParams, simulate

PLANTABLE = ("sleep_h", "caffeine_mg", "stress", "water_l", "screen_h", "facial_strain", "exercise_min", "alcohol_units")
END = dt.date(2026, 5, 4)
OLD_REF = "6779318"
DISPERSIONS = (2.0, 4.0, 8.0)
RATES = (0.5, 1.5, 3.0)
LENGTHS = (60, 90, 120, 180)
ENGINES = ("new", "oracle", "naive", "old")


def cell_name(k: float, rate: float, days: int) -> str:
    return f"k{k:g}-r{rate:g}-d{days}"


CELLS = {cell_name(k, r, d): (k, r, d) for d, k, r in itertools.product(LENGTHS[::-1], DISPERSIONS, RATES)}
"""The grid, longest diaries first (the cells the power target is about)."""


def scenario(cell: str, index: int) -> SimulationParams:
    """Diary `index` of a cell: even ones get 1-2 planted factors, odd ones none."""
    k, rate, days = CELLS[cell]
    rng = np.random.default_rng([int(k * 10), int(rate * 10), days, index])
    effects: dict[str, float] = {}
    lag1: dict[str, float] = {}
    if index % 2 == 0:
        for name in rng.choice(PLANTABLE, size=int(rng.integers(1, 3)), replace=False):
            size = float(rng.uniform(0.3, 0.45) * rng.choice([-1, 1]))
            (lag1 if rng.random() < 1 / 3 else effects)[str(name)] = size
    return SimulationParams(
        days=days,
        seed=1_000_003 * days + 1009 * int(k * 10) + 97 * int(rate * 10) + index,
        end=END,
        effects=effects,
        lag1_effects=lag1,
        base_rate=rate,
        dispersion=k,
        missing_rate=0.2,
        weekday_pattern_sd=0.15,
        factor_drift_sd=0.5,
        logged_share=0.6 if index % 4 >= 2 else 1.0,
        materialise=False,
    )


def table_of(sim: Simulation) -> DailyTable:
    """The engine's day table straight from the simulation (no episode objects needed)."""
    factors = {}
    for name in DAY_FACTORS:
        factors[name] = np.where(sim.recorded[name], sim.values[name], np.nan)
    as_of = dt.datetime.combine(sim.dates[-1], dt.time(23, 59, 59), tzinfo=dt.timezone.utc)
    return DailyTable(
        sim.dates[0], sim.dates[-1], as_of, np.asarray(sim.counts), sim.checked_in.copy(), factors,
        np.zeros(24, dtype=int), np.zeros(0), True,
    )


def lagged(values: np.ndarray, lag: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    out[lag:] = values[: len(values) - lag]
    return out


def oracle(sim: Simulation, table: DailyTable) -> dict[tuple[str, int], tuple[bool, str]]:
    """Negative-binomial GLM with the true baseline as offset, the true k, all factors and lags jointly, BH 5 %."""
    from scipy.special import ndtr

    use = table.outcome_days
    y = table.counts[use].astype(float)
    offset = np.log(sim.baseline[use])
    columns, keys = [np.ones(int(use.sum()))], []
    for name in DAY_FACTORS:
        for lag in (0, 1):
            x = lagged(table.factors[name], lag)[use]
            known = ~np.isnan(x)
            if not testable(x[known]):
                continue
            mean, sd = x[known].mean(), x[known].std() or 1.0
            columns.append(np.where(known, (x - mean) / sd, 0.0))
            keys.append((name, lag))
    design = np.column_stack(columns)
    k = sim.params.dispersion or 1e9
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(max(y.mean(), 0.01) / np.exp(offset).mean())
    for _ in range(30):
        mu = np.exp(np.clip(offset + design @ beta, -30, 30))
        weight = mu / (1.0 + mu / k)
        working = design @ beta + (y - mu) / mu
        information = (design.T * weight) @ design
        try:
            new = np.linalg.solve(information, (design.T * weight) @ working)
        except np.linalg.LinAlgError:
            return {}
        if np.max(np.abs(new - beta)) < 1e-8:
            beta = new
            break
        beta = new
    mu = np.exp(np.clip(offset + design @ beta, -30, 30))
    try:
        cov = np.linalg.inv((design.T * (mu / (1.0 + mu / k))) @ design)
    except np.linalg.LinAlgError:
        return {}
    se = np.sqrt(np.diag(cov))[1:]
    z = beta[1:] / se
    q = benjamini_hochberg([float(2 * ndtr(-abs(v))) for v in z])
    return {key: (qv < 0.05, "up" if b > 0 else "down") for key, qv, b in zip(keys, q, beta[1:])}


def naive(table: DailyTable) -> dict[tuple[str, int], tuple[bool, str]]:
    """Above-vs-below-median t-test per factor (same day), no correction."""
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
        flagged = bool(result.pvalue < 0.05) if np.isfinite(result.pvalue) else False
        out[(name, 0)] = (flagged, "up" if y[high].mean() > y[~high].mean() else "down")
    return out


_OLD = None


def _load_old(ref: str):
    """The engine as it was at `ref`, imported from a temp dir (bench only)."""
    source = subprocess.run(
        ["git", "show", f"{ref}:src/nosetwitch/insights/triggers.py"],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="nosetwitch-old-engine-")) / "old_triggers.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_triggers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_triggers"] = module
    spec.loader.exec_module(module)
    return module


def _init(ref: str | None) -> None:
    global _OLD
    _OLD = _load_old(ref) if ref else None


def _rows(rows) -> dict[tuple[str, int], tuple[bool, str]]:
    return {(r.factor, r.lag_days): (r.significant, r.direction) for r in rows}


def score(flags: dict[tuple[str, int], tuple[bool, str]], sim: Simulation, same_day_only: bool = False) -> tuple[int, int, int, int]:
    """(hits, planted, false leads, null factors tested) for one method on one diary."""
    planted = {key: ("up" if v > 0 else "down") for key, v in sim.planted.items()}
    planted_factors = {name for name, _ in planted}
    hits = 0
    for (name, lag), direction in planted.items():
        flag = flags.get((name, 0 if same_day_only else lag))
        hits += bool(flag and flag[0] and flag[1] == direction)
    nulls = {name for name, _ in flags} - planted_factors
    false = sum(any(flags.get((name, lag), (False, ""))[0] for lag in (0, 1)) for name in nulls)
    return hits, len(planted), false, len(nulls)


def details(flags: dict[tuple[str, int], tuple[bool, str]], sim: Simulation, same_day_only: bool = False) -> list[tuple[str, ...]]:
    """One line per planted effect and per flagged null row, for `--detail`:
    ("hit" | "miss", factor, lag, size band, logging) and ("false", factor, lag, "", logging)."""
    logging = "logs 60 %" if sim.params.logged_share < 1 else "logs all"
    out = []
    for (name, lag), size in sim.planted.items():
        flag = flags.get((name, 0 if same_day_only else lag))
        hit = bool(flag and flag[0] and flag[1] == ("up" if size > 0 else "down"))
        out.append(("hit" if hit else "miss", name, str(lag), "0.30-0.375" if abs(size) < 0.375 else "0.375-0.45", logging))
    planted_factors = {name for name, _ in sim.planted}
    for (name, lag), (flagged, _) in flags.items():
        if flagged and name not in planted_factors:
            out.append(("false", name, str(lag), "", logging))
    return out


def evaluate(job: tuple[str, int, tuple[str, ...], Method]) -> tuple[str, dict[str, tuple[int, ...]], dict[str, list]]:
    cell, index, engines, method = job
    sim = simulate(scenario(cell, index))
    table = table_of(sim)
    methods = {
        "new": lambda: _rows(analyse_factors(table, method)),
        "oracle": lambda: oracle(sim, table),
        "naive": lambda: naive(table),
        "old": lambda: _rows(_OLD.analyse_factors(table)),
    }
    out, detail = {}, {}
    for engine in engines:
        try:
            flags = methods[engine]()
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:  # counted and shown, not hidden
            out[engine] = (0, len(sim.planted), 0, 0, 1)
            detail[engine] = [("miss", name, str(lag), "", "failed", str(index)) for name, lag in sim.planted]
            print(f"{engine} failed on {cell} #{index}: {error!r}", file=sys.stderr)
            continue
        out[engine] = (*score(flags, sim, same_day_only=engine == "naive"), 0)
        detail[engine] = [(*line, str(index)) for line in details(flags, sim, same_day_only=engine == "naive")]
    return cell, out, detail


def print_detail(cell: str, engines: tuple[str, ...], lines: dict[str, list[tuple[str, ...]]]) -> None:
    """Power by timing, factor, effect size and logging share; false leads by timing and factor;
    and, planted effect by planted effect, where nosetwitch and the oracle disagree."""
    groups = (("lag", 2), ("factor", 1), ("size", 3), ("logging", 4))
    for title, position in groups:
        values = sorted({line[position] for line in lines[engines[0]] if line[0] != "false"})
        for value in values:
            text = f"    {title} {value:<18}"
            for engine in engines:
                chosen = [line for line in lines[engine] if line[0] != "false" and line[position] == value]
                hits = sum(line[0] == "hit" for line in chosen)
                text += f"   {engine} {hits:>3}/{len(chosen):<3} ({100 * hits / max(len(chosen), 1):5.1f} %)"
            print(text)
    for engine in engines:
        false = [line for line in lines[engine] if line[0] == "false"]
        by = {}
        for line in false:
            by[f"{line[1]}@{line[2]}"] = by.get(f"{line[1]}@{line[2]}", 0) + 1
        print(f"    false leads {engine}: {len(false)}: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    if {"new", "oracle"} <= set(engines):
        mine = {(line[5], line[1], line[2]): line[0] for line in lines["new"] if line[0] != "false"}
        best = {(line[5], line[1], line[2]): line[0] for line in lines["oracle"] if line[0] != "false"}
        only_new = [key for key in mine if mine[key] == "hit" and best.get(key) != "hit"]
        only_oracle = [key for key in mine if mine[key] != "hit" and best.get(key) == "hit"]
        for name, keys in (("nosetwitch only", only_new), ("oracle only", only_oracle)):
            lag0 = sum(key[2] == "0" for key in keys)
            print(f"    found by {name}: {len(keys)} ({lag0} same day, {len(keys) - lag0} day before)")


def _method(spec: str) -> Method:
    """`Method` from 'name=value;name=a,b' (the defaults for anything not named)."""
    settings = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, _, value = part.partition("=")
        default = getattr(DEFAULT_METHOD, name)
        if isinstance(default, tuple):
            settings[name] = tuple(float(v) for v in value.split(","))
        elif isinstance(default, bool):  # bool("False") would be True
            settings[name] = value.strip().lower() in ("1", "true", "yes")
        else:
            settings[name] = type(default)(value)
    return Method(**settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diaries", type=int, default=200, help="diaries per cell (half of them nulls)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--cells", default="*", help="comma-separated cell names or patterns, e.g. 'k2-r1.5-d120,k8-*'")
    parser.add_argument("--engines", default="new,oracle,naive", help=f"comma-separated, of {','.join(ENGINES)}")
    parser.add_argument("--old-ref", default=OLD_REF, help="git commit of the old engine (with --engines ...,old)")
    parser.add_argument("--first", type=int, default=0, help="index of the first diary of each cell (another sample of diaries)")
    parser.add_argument("--detail", action="store_true", help="power by timing, factor, effect size and logging; false leads by row")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--method", default="", help="override nosetwitch's settings, e.g. 'lag_weights=1,1;trend_days_per_df=45'"
    )
    args = parser.parse_args(argv)
    engines = tuple(e for e in args.engines.split(",") if e)
    unknown = set(engines) - set(ENGINES)
    patterns = [p.strip() for p in args.cells.split(",") if p.strip()]
    cells = [c for c in CELLS if any(fnmatch.fnmatch(c, p) for p in patterns)]
    if unknown or not cells:
        print(f"unknown engine {sorted(unknown)}" if unknown else f"no cell matches {args.cells!r}", file=sys.stderr)
        return 2
    method = _method(args.method)
    jobs = [(cell, i, engines, method) for cell in cells for i in range(args.first, args.first + args.diaries)]
    started = time.perf_counter()
    totals: dict[str, dict[str, list[int]]] = {c: {e: [0, 0, 0, 0, 0] for e in engines} for c in cells}

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:5.1f}" if b else "  -  "

    print(f"{args.diaries} diaries per cell (half nulls), {len(cells)} cells, {args.jobs} workers")
    print(f"nosetwitch: {method}")
    print("power % / false positives % per method; ratio = nosetwitch power / oracle power")
    print(f"{'cell':16}" + "".join(f"{e:>16}" for e in engines) + ("   ratio" if {"new", "oracle"} <= set(engines) else ""))
    ok = True
    report = {}
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, initializer=_init, initargs=(args.old_ref if "old" in engines else None,)) as pool:
        for cell in cells:  # one cell at a time, printed when done: a long run shows its figures as it goes
            lines: dict[str, list[tuple[str, ...]]] = {e: [] for e in engines}
            for _, result, detail in pool.imap_unordered(evaluate, [job for job in jobs if job[0] == cell], chunksize=4):
                for engine, figures in result.items():
                    totals[cell][engine] = [a + b for a, b in zip(totals[cell][engine], figures)]
                    lines[engine] += detail[engine]
            line = f"{cell:16}"
            for engine in engines:
                hits, planted, false, nulls, failed = totals[cell][engine]
                line += f"   {pct(hits, planted)} / {pct(false, nulls)}" + (f" ({failed} failed)" if failed else "")
            report[cell] = {e: dict(zip(("hits", "planted", "false", "nulls", "failed"), totals[cell][e])) for e in engines}
            if "new" in engines:
                hits, planted, false, nulls, _ = totals[cell]["new"]
                fp_ok = false <= 0.025 * nulls
                line += "" if fp_ok else "  FP!"
                ok &= fp_ok
                if "oracle" in engines:
                    oracle_power = totals[cell]["oracle"][0] / max(totals[cell]["oracle"][1], 1)
                    ratio = hits / max(planted, 1) / oracle_power if oracle_power else float("nan")
                    line += f"   {ratio:5.2f}"
                    if CELLS[cell][2] >= 120 and not ratio >= 0.9:
                        line += "  <0.9"
                        ok = False
            print(line, flush=True)
            if args.detail:
                print_detail(cell, engines, lines)
            if args.json:
                args.json.write_text(json.dumps({"diaries": args.diaries, "method": str(method), "cells": report}, indent=1))
    print(f"({time.perf_counter() - started:.0f} s)")
    print(f"targets (FP <= 2.5 % every cell; power >= 0.9 x oracle from 120 days): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
