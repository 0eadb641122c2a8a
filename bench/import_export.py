"""Import and export of a 10-year diary (3,650 days, ~15,000 episodes) on SQLite.

Target: under 5 s each. "Import" is `nosetwitch import FILE` minus process
start: reading and validating the JSON file, then one bulk transaction into a
fresh database. "Export" is reading the whole diary back and writing JSON.
A second import of the same file (everything unchanged) is timed too.

    python bench/import_export.py [--days 3650] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    from nosetwitch.interfaces.interchange.diary_json import diary_to_json, load_diary_file
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.simulate import simulate_diary

    folder = Path(tempfile.mkdtemp(prefix="nosetwitch-bench-"))
    try:
        source = folder / "ten-years.json"
        diary = simulate_diary(days=args.days, seed=7, timezone="Europe/Berlin")
        source.write_text(diary_to_json(diary))
        size_mb = source.stat().st_size / 2**20
        url = args.url or f"sqlite:///{folder / 'diary.sqlite3'}"
        service = DiaryService(url, owner=f"bench-{time.time_ns()}")  # migrations happen here, not timed

        start = time.perf_counter()
        summary = service.import_diary(load_diary_file(source))
        import_s = time.perf_counter() - start

        start = time.perf_counter()
        again = service.import_diary(load_diary_file(source))
        reimport_s = time.perf_counter() - start

        target = folder / "export.json"
        start = time.perf_counter()
        target.write_text(diary_to_json(service.export_diary()))
        export_s = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    counts = {kind: c.added for kind, c in summary.kinds().items()}
    print(f"import_export: {args.days} days on {url.split(':')[0]}: {counts['episodes']:,} episodes, {counts['days']:,} day check-ins, "
          f"{counts['remedies']:,} remedies, file {size_mb:.1f} MB")
    print(f"  import   {import_s:.2f} s  (target < {TARGET_S:.0f} s: {'met' if import_s < TARGET_S else 'NOT met'})")
    print(f"  export   {export_s:.2f} s  (target < {TARGET_S:.0f} s: {'met' if export_s < TARGET_S else 'NOT met'})")
    print(f"  re-import of the same file {reimport_s:.2f} s ({again.totals().unchanged:,} unchanged, {again.totals().changed} changed)")


if __name__ == "__main__":
    main()
