"""`nosetwitch import-health` beside `healthkit-to-sqlite` on one large Apple Health export.

Writes a realistic export.zip (several years of heart rate, energy, steps,
distance, stand and exercise minutes, sleep stages from a watch and a phone,
dietary records and mindful sessions; the XML inside is at least --mb MB) to
a temporary folder, installs healthkit-to-sqlite from PyPI into a virtual
environment of its own there, runs both commands on the same file (each in
its own process, niced), and prints wall time and peak memory (ru_maxrss of
the child, from os.wait4) of each. Everything is deleted afterwards.

Targets: nosetwitch at least 3x faster than healthkit-to-sqlite, and under
200 MB peak memory. CPU seconds (user + system) are printed beside the wall
time: on a machine shared with other work they compare the two more steadily.

    python bench/health_import.py [--mb 520] [--years 4] [--keep-venv DIR] [--their-limit SECONDS]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

SPEEDUP_TARGET = 3.0
MEMORY_TARGET_MB = 200.0

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ATTLIST Me HKCharacteristicTypeIdentifierDateOfBirth CDATA #REQUIRED HKCharacteristicTypeIdentifierBiologicalSex CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED sourceVersion CDATA #IMPLIED device CDATA #IMPLIED creationDate CDATA #IMPLIED startDate CDATA #REQUIRED endDate CDATA #REQUIRED>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2025-01-02 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-05-05" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
WATCH = 'sourceName="Anna’s Apple Watch" sourceVersion="10.2" device="&lt;&lt;HKDevice: 0x2837c5e40&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, software:10.2&gt;"'
PHONE = 'sourceName="Anna’s iPhone" sourceVersion="17.2"'
APP = 'sourceName="WaterMinder" sourceVersion="5.3"'


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S %z")


def day_records(day: dt.date, zone, rng: random.Random) -> list[str]:
    out: list[str] = []
    add = out.append
    midnight = dt.datetime.combine(day, dt.time(), zone)

    def at(minutes: float) -> dt.datetime:
        return (midnight + dt.timedelta(minutes=minutes)).astimezone(zone)

    def rec(kind, unit, value, start, end, source=WATCH, meta=""):
        s, e = stamp(start), stamp(end)
        body = f' <Record type="{kind}" {source} unit="{unit}" creationDate="{e}" startDate="{s}" endDate="{e}" value="{value}"'
        add(body + (f">\n{meta} </Record>\n" if meta else "/>\n"))

    # heart rate every ~3 minutes while awake and worn, with its motion context
    minute = 7 * 60.0
    while minute < 23 * 60:
        t = at(minute)
        rec("HKQuantityTypeIdentifierHeartRate", "count/min", rng.randint(55, 140), t, t,
            meta=f'  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="{rng.randint(0, 2)}"/>\n')
        minute += rng.uniform(2, 4)
    # energy, steps and distance in short intervals
    for kind, unit, per_day, lo, hi in (
        ("HKQuantityTypeIdentifierActiveEnergyBurned", "kcal", 360, 0.05, 4.0),
        ("HKQuantityTypeIdentifierBasalEnergyBurned", "kcal", 320, 0.5, 1.5),
        ("HKQuantityTypeIdentifierStepCount", "count", 120, 5, 300),
        ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", 120, 0.002, 0.2),
    ):
        step = 16 * 60 / per_day
        for i in range(per_day):
            start = at(7 * 60 + i * step)
            rec(kind, unit, f"{rng.uniform(lo, hi):.4f}", start, start + dt.timedelta(minutes=step * 0.9))
    for hour in range(8, 22):
        start = at(hour * 60)
        rec("HKQuantityTypeIdentifierAppleStandTime", "min", rng.randint(1, 5), start, start + dt.timedelta(minutes=5))
    # exercise minutes: one record per minute of a workout
    begin = rng.randint(17 * 60, 19 * 60)
    for m in range(rng.randint(0, 50)):
        start = at(begin + m)
        rec("HKQuantityTypeIdentifierAppleExerciseTime", "min", 1, start, start + dt.timedelta(minutes=1))
    # sleep stages of the night that ends the next morning, from the watch, plus the phone's in-bed span
    bed = begin_sleep = at(22 * 60 + rng.randint(0, 90))
    t = begin_sleep
    for _ in range(rng.randint(18, 30)):
        stage = rng.choice(["AsleepCore", "AsleepCore", "AsleepDeep", "AsleepREM", "Awake"])
        end = t + dt.timedelta(minutes=rng.randint(5, 40))
        rec("HKCategoryTypeIdentifierSleepAnalysis", "", f"HKCategoryValueSleepAnalysis{stage}", t, end)
        t = end
    rec("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisInBed", bed, t, source=PHONE)
    # what was drunk and eaten
    for _ in range(rng.randint(1, 4)):
        start = at(rng.randint(7 * 60, 17 * 60))
        rec("HKQuantityTypeIdentifierDietaryCaffeine", "mg", rng.choice([63, 95, 47, 80]), start, start, source=APP)
    for _ in range(rng.randint(3, 8)):
        start = at(rng.randint(7 * 60, 22 * 60))
        rec("HKQuantityTypeIdentifierDietaryWater", "mL", rng.choice([200, 250, 330, 500]), start, start, source=APP)
    noon = at(12 * 60)
    rec("HKQuantityTypeIdentifierDietaryMagnesium", "mg", rng.randint(150, 400), noon, noon, source=APP)
    rec("HKQuantityTypeIdentifierDietaryPotassium", "mg", rng.randint(1500, 3500), noon, noon, source=APP)
    rec("HKQuantityTypeIdentifierDietaryCalcium", "mg", rng.randint(400, 1200), noon, noon, source=APP)
    if rng.random() < 0.3:
        start = at(rng.randint(6 * 60, 21 * 60))
        rec("HKCategoryTypeIdentifierMindfulSession", "", "HKCategoryValueNotApplicable", start, start + dt.timedelta(minutes=10), source=PHONE)
    return out


def write_export(path: Path, target_mb: float, years: int) -> tuple[int, int, int]:
    """export.zip with apple_health_export/export.xml of at least target_mb MB; (xml bytes, records, days)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    rng = random.Random(16)
    first = dt.date(2025, 1, 1) - dt.timedelta(days=365 * years)
    written = records = days = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("apple_health_export/export.xml", "w", force_zip64=True) as out:
            head = HEAD.encode()
            out.write(head)
            written += len(head)
            day = first
            while written < target_mb * 2**20 or day < first + dt.timedelta(days=365 * years):
                chunk = day_records(day, zone, rng)
                data = "".join(chunk).encode()
                out.write(data)
                written += len(data)
                records += len(chunk)
                days += 1
                day += dt.timedelta(days=1)
            tail = b"</HealthData>\n"
            out.write(tail)
            written += len(tail)
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    return written, records, days


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float
    exit_code: int | None
    output: str
    finished: bool = True
    fraction: float = 1.0  # of the archive read when it was stopped

    @property
    def cpu_estimate(self) -> float:
        return self.cpu_s / self.fraction

    @property
    def wall_estimate(self) -> float:
        return self.wall_s / self.fraction


def timed(command: list[str], env: dict[str, str], archive: Path, limit_s: float | None = None) -> Run:
    """Run one command niced; wall and CPU seconds and peak RSS (os.wait4 rusage of the child).

    With `limit_s`, a command still running then is stopped, and how far it
    had read `archive` (its file position, from /proc) is kept, so its full
    time can be estimated from the part it did.
    """
    start = time.perf_counter()
    process = subprocess.Popen(["nice", "-n", "10", *command], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # nice execs the command in the same process, so wait4 sees the command's own rusage
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()))
    reader.start()
    fraction, finished = 1.0, True
    size = archive.stat().st_size
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        fraction = _position(process.pid, archive) / size or fraction
        if limit_s is not None and time.perf_counter() - start > limit_s:
            fraction = max(_position(process.pid, archive) / size, 1e-6)
            finished = False
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.5)
    wall = time.perf_counter() - start
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    output = b"".join(chunks).decode(errors="replace").strip()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, output, finished, fraction if not finished else 1.0)


def _position(pid: int, archive: Path) -> int:
    """How far process `pid` has read into `archive` (its largest file offset there), 0 if unknown."""
    best = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == str(archive):
                    with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                        best = max(best, int(info.readline().split()[1]))
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        pass
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=520.0, help="size of export.xml to generate (MB)")
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--keep-venv", type=Path, help="reuse/keep healthkit-to-sqlite's virtual environment here")
    parser.add_argument(
        "--their-limit", type=float, default=None,
        help="stop healthkit-to-sqlite after this many seconds and estimate its whole run from the part of the archive it read",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nosetwitch-health-bench-"))
    free_gb = shutil.disk_usage(folder).free / 2**30
    print(f"temp folder {folder} ({free_gb:.1f} GB free)")
    if free_gb < 3:
        sys.exit("bench: needs about 3 GB free in the temp folder (the export, two databases)")
    try:
        venv = args.keep_venv or folder / "hk-venv"
        if not (venv / "bin" / "healthkit-to-sqlite").exists():
            print("installing healthkit-to-sqlite into", venv)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "healthkit-to-sqlite"], check=True)
        version = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "show", "healthkit-to-sqlite"], capture_output=True, text=True).stdout
        version = next((line.split(":", 1)[1].strip() for line in version.splitlines() if line.startswith("Version")), "?")

        export = folder / "export.zip"
        started = time.perf_counter()
        xml_bytes, records, days = write_export(export, args.mb, args.years)
        print(
            f"generated {export.name}: export.xml {xml_bytes / 2**20:,.0f} MB ({records:,} records, {days:,} days), "
            f"zip {export.stat().st_size / 2**20:,.0f} MB, in {time.perf_counter() - started:.0f} s"
        )

        env = dict(os.environ, TZ="Europe/Berlin", NOSETWITCH_HOME=str(folder / "home"))
        env.pop("NOSETWITCH_DATABASE_URL", None)
        ours = timed([sys.executable, "-m", "nosetwitch", "import-health", str(export)], env, export)
        theirs = timed(
            [str(venv / "bin" / "healthkit-to-sqlite"), str(export), str(folder / "healthkit.db"), "--silent"],
            env, export, args.their_limit,
        )
        print()
        print(f"{'command':<32} {'wall s':>8} {'CPU s':>8} {'peak MB':>9}  exit")
        for name, run in (("nosetwitch import-health", ours), (f"healthkit-to-sqlite {version}", theirs)):
            print(f"{name:<32} {run.wall_s:>8.1f} {run.cpu_s:>8.1f} {run.peak_mb:>9.0f}  {run.exit_code}")
        if ours.exit_code != 0:
            print(f"nosetwitch failed: {ours.output[-600:]}")
        if theirs.finished and theirs.exit_code != 0:
            print(f"healthkit-to-sqlite failed: {theirs.output[-600:]}")
        estimated = ""
        if not theirs.finished:
            estimated = " (estimated)"
            print(
                f"healthkit-to-sqlite was stopped after {args.their_limit:g} s, having read {theirs.fraction:.1%} of the archive "
                f"with {theirs.cpu_s:.0f} CPU s: its whole run would take about {theirs.cpu_estimate:.0f} CPU s "
                f"and {theirs.wall_estimate:.0f} s wall at this machine's load"
            )
        wall_speedup = theirs.wall_estimate / ours.wall_s
        cpu_speedup = theirs.cpu_estimate / ours.cpu_s
        print()
        print(f"speed-up, wall clock{estimated}: {wall_speedup:.1f}x (target >= {SPEEDUP_TARGET:g}x): {'met' if wall_speedup >= SPEEDUP_TARGET else 'NOT met'}")
        print(f"speed-up, CPU time{estimated} (steadier on a shared machine): {cpu_speedup:.1f}x: {'met' if cpu_speedup >= SPEEDUP_TARGET else 'NOT met'}")
        print(f"nosetwitch peak memory: {ours.peak_mb:.0f} MB (target < {MEMORY_TARGET_MB:g} MB): {'met' if ours.peak_mb < MEMORY_TARGET_MB else 'NOT met'}")
        print(f"nosetwitch: {xml_bytes / 2**20 / ours.cpu_s:.0f} MB of XML per CPU second; healthkit-to-sqlite{estimated}: {xml_bytes / 2**20 / theirs.cpu_estimate:.1f}")
        print("nosetwitch said:")
        print(ours.output)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
