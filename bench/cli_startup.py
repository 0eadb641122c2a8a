"""Median wall time of a cold `nosetwitch log twitch` on a populated SQLite diary.

Target: under 300 ms. Each run is a fresh process (nothing cached in memory),
on a diary already holding a year of demo data, writing one episode.

    python bench/cli_startup.py [--runs 21] [--days 365]

If it is over, find the slow imports with:
    NOSETWITCH_HOME=/tmp/x python -X importtime -m nosetwitch log twitch 2> imports.txt
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 300.0


def command() -> list[str]:
    script = Path(sys.executable).with_name("nosetwitch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nosetwitch"]


def populate(home: Path, days: int) -> None:
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.simulate import simulate_diary

    url = f"sqlite:///{home / 'nosetwitch.sqlite3'}"
    DiaryService(url).import_diary(simulate_diary(days=days, seed=1, timezone="Europe/Berlin"))


def time_runs(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nosetwitch-bench-"))
    try:
        populate(home, args.days)
        env = {**os.environ, "NOSETWITCH_HOME": str(home)}
        env.pop("NOSETWITCH_DATABASE_URL", None)
        baseline = statistics.median(time_runs([sys.executable, "-c", "pass"], env, 5))
        time_runs(command() + ["log", "twitch"], env, 2)  # warm the OS file cache and .pyc files
        times = time_runs(command() + ["log", "twitch", "--note", "bench"], env, args.runs)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    median = statistics.median(times)
    print(f"cli_startup: `nosetwitch log twitch` on a {args.days}-day SQLite diary, {args.runs} cold runs")
    print(f"  median {median:.0f} ms  (min {min(times):.0f}, max {max(times):.0f}; bare python start {baseline:.0f} ms)")
    print(f"  target < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
