"""Triage speed: a 10-year diary (target < 50 ms) and public-case throughput (target >= 1,000/s).

    .venv/bin/python bench/triage.py

The 10-year diary comes from `nosetwitch.simulate.simulate_diary(days=3650)`
(about 15,000 episodes) with two stroke-type symptoms, remedies and linked
medicines added so every rule has work to do. Figures are the median of
repeated runs, in-process, parsing excluded (the diary is parsed once, as the
web app and CLI do).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

from nosetwitch.domain.models import Medication, RemedyAttempt, Symptom
from nosetwitch.interfaces.interchange.diary_json import load_diary_file
from nosetwitch.simulate import simulate_diary
from nosetwitch.triage import triage

PUBLIC = Path(__file__).resolve().parents[1].parent / "shared" / "cases" / "public"
OWN = Path(__file__).resolve().parents[1] / "tests" / "cases"


def ten_year_diary():
    diary = simulate_diary(days=3650, seed=1, end=dt.date(2026, 3, 10))
    as_of = max(e.started_at for e in diary.episodes)
    extra_symptoms = [
        Symptom(id="bench-s1", code="weakness", onset="sudden", started_at=as_of - dt.timedelta(days=3),
                ended_at=as_of - dt.timedelta(days=3, hours=-1), region="arm"),
        Symptom(id="bench-s2", code="pain", onset="gradual", started_at=as_of - dt.timedelta(days=1)),
    ]
    remedies = list(diary.remedies) + [
        RemedyAttempt(code="massage", at=as_of - dt.timedelta(days=6)),
        RemedyAttempt(code="warm_compress", at=as_of - dt.timedelta(days=5)),
    ]
    diary = diary.model_copy(update={
        "symptoms": list(diary.symptoms) + extra_symptoms,
        "remedies": remedies,
        "medications": list(diary.medications) + [Medication(name="Lipitor 20mg"), Medication(name="furosemide")],
    })
    return diary, as_of


def time_it(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    diary, as_of = ten_year_diary()
    triage(diary, as_of)  # warm-up: knowledge base loaded once per process
    times = time_it(lambda: triage(diary, as_of), 30)
    median_ms = statistics.median(times) * 1000
    result = triage(diary, as_of)
    print(f"10-year diary: {len(diary.episodes)} episodes, {len(diary.days)} check-ins, "
          f"{len(diary.remedies)} remedies -> level {result.level.value}, reasons {result.reason_codes}")
    print(f"  triage: median {median_ms:.1f} ms, worst {max(times) * 1000:.1f} ms over 30 runs (target < 50 ms)")

    folder = PUBLIC if PUBLIC.is_dir() else OWN
    cases = [load_diary_file(p) for p in sorted(folder.glob("*.json")) if not p.name.endswith(".expected.json")]
    rounds = max(1, 3000 // len(cases))
    start = time.perf_counter()
    for _ in range(rounds):
        for case in cases:
            triage(case, case.as_of)
    elapsed = time.perf_counter() - start
    rate = rounds * len(cases) / elapsed
    print(f"cases ({folder.name}, {len(cases)} files): {rate:,.0f} evaluations/s over {rounds * len(cases)} "
          f"(target >= 1,000/s)")
    ok = median_ms < 50 and rate >= 1000
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
