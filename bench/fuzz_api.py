"""Fuzz the JSON API with schemathesis against a served app; print requests and failures by kind.

    .venv/bin/python bench/fuzz_api.py                      # both modes, ~5,000+ requests
    .venv/bin/python bench/fuzz_api.py --examples 10        # a quick run
    .venv/bin/python bench/fuzz_api.py --mode local         # local mode (SQLite) only
    .venv/bin/python bench/fuzz_api.py --postgres URL       # multi-user mode on that server

It starts `nosetwitch serve` (local mode on a fresh SQLite file; multi-user mode
on a fresh PostgreSQL database, logged in as a new account), then runs
`schemathesis run --checks all` from the OpenAPI document the app serves, with
the session cookie and the `X-CSRF-Token` header. The routes that end the
session (logout, password change, account deletion) run last, in a second pass
of their own, so they do not log the fuzzer out halfway. The figures come from
schemathesis' JSON report: requests sent, and failures grouped by check
(server error, undocumented status code or content type, valid request
rejected, invalid request accepted, `Allow` mismatch...). Exit code 1 when any
failure was found.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.cookiejar
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SESSION_ENDING = r"/(logout|password|account/delete)$"
LOGIN = r"/(login|register)$"
PASSWORD = "a fuzzing passphrase of some length"
LOG_DIR: Path | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served(database_url: str, *, multi_user: bool, home: Path):
    """`nosetwitch serve` on a free port until the block ends; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "NOSETWITCH_HOME": str(home)}
    command = [str(BIN / "nosetwitch"), "--db", database_url, "serve", "--port", str(port)]
    if multi_user:
        command.append("--multi-user")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/session", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start: {process.stderr.read().decode(errors='replace')}")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def session_headers(base: str, *, username: str | None = None) -> list[str]:
    """`Cookie` and `X-CSRF-Token` headers of a fresh session (registered and logged in when a name is given)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    csrf = json.load(opener.open(base + "/api/v1/session"))["csrf_token"]
    if username:
        request = urllib.request.Request(
            base + "/api/v1/register",
            data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        csrf = json.load(opener.open(request))["csrf_token"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRF-Token: {csrf}"]


def schemathesis(base: str, headers: list[str], *, examples: int, seed: int, report: Path, extra: list[str]) -> dict:
    """One `schemathesis run`; returns its JSON report."""
    command = [
        str(BIN / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml"), "run", base + "/api/v1/openapi.json",
        "--checks", "all", "--max-examples", str(examples), "--seed", str(seed), "--workers", "1", "--request-timeout", "60", "--max-response-time", "60",
        "--no-color", "--suppress-health-check", "all", "--generation-database", "none",
        "--report", "json,har", "--report-json-path", str(report), "--report-har-path", str(report.with_suffix(".har")),
        *headers, *extra,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, cwd=report.parent)
    if not report.exists():
        raise SystemExit(f"schemathesis wrote no report:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")
    data = json.loads(report.read_text())
    data["_output"] = output.stdout
    har = report.with_suffix(".har")
    data["_requests"] = len(json.loads(har.read_text())["log"]["entries"]) if har.exists() else data["test_cases"]["generated"]
    return data


def figures(report: dict) -> tuple[int, collections.Counter, list[str]]:
    """(requests sent, failures by kind, one line per kind naming the operations) of one run."""
    failures: collections.Counter = collections.Counter()
    lines: list[str] = []
    for failure in report.get("failures", []):
        kind = f"{failure['code']} {failure['title']}"
        failures[kind] += failure.get("count", 1)
        lines.append(f"{kind}: {', '.join(failure.get('operations', []))}")
    for error in report.get("errors", []):
        failures["errors"] += 1
        lines.append(f"error: {str(error)[:200]}")
    return report["_requests"], failures, lines


def run_mode(name: str, database_url: str, *, multi_user: bool, examples: int, seed: int, workdir: Path) -> tuple[int, collections.Counter, list[str]]:
    home = workdir / f"home-{name}"
    home.mkdir()
    total, failures, lines = 0, collections.Counter(), []
    with served(database_url, multi_user=multi_user, home=home) as base:
        user = f"fuzz{uuid.uuid4().hex[:8]}" if multi_user else None
        passes = [
            ("main", session_headers(base, username=user), ["--exclude-path-regex", f"{SESSION_ENDING}|{LOGIN}"], examples),
            ("login", session_headers(base), ["--include-path-regex", LOGIN], max(3, examples // 10)),
            ("session-ending", session_headers(base, username=f"{user}x" if user else None), ["--include-path-regex", SESSION_ENDING], max(3, examples // 10)),
        ]
        for label, headers, extra, count in passes:
            report = schemathesis(base, headers, examples=count, seed=seed, report=workdir / f"{name}-{label}.json", extra=extra)
            requests, found, described = figures(report)
            total += requests
            failures += found
            lines += [f"[{name}/{label}] {line}" for line in described]
            if LOG_DIR is not None:
                (LOG_DIR / f"{name}-{label}.txt").write_text(report["_output"])
            if not requests:
                print(report["_output"][-2000:], file=sys.stderr)
    return total, failures, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=60, help="test cases per operation and pass (default 60)")
    parser.add_argument("--mode", choices=["local", "multi-user", "both"], default="both")
    parser.add_argument("--postgres", default=os.environ.get("NOSETWITCH_FUZZ_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server URL; a fresh database is made on it and dropped afterwards")  # fmt: skip
    parser.add_argument("--seed", type=int, default=random.randrange(10**6))
    parser.add_argument("--log", type=Path, help="a folder to keep schemathesis' own output of each pass in")
    args = parser.parse_args(argv)
    global LOG_DIR
    LOG_DIR = args.log
    if LOG_DIR:
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    results = fuzz(examples=args.examples, mode=args.mode, postgres=args.postgres, seed=args.seed)
    print(f"schemathesis --checks all, {args.examples} examples per operation, seed {args.seed}")
    grand_requests, grand = 0, collections.Counter()
    for mode, (requests, failures, lines) in results.items():
        grand_requests += requests
        grand += failures
        print(f"{mode}: {requests} requests, {sum(failures.values())} failures" + (": " + ", ".join(f"{k} {v}" for k, v in failures.most_common()) if failures else ""))
        for line in sorted(set(lines))[:40]:
            print("   ", line)
    print(f"all: {grand_requests} requests, {sum(grand.values())} failures")
    return 1 if grand else 0


def fuzz(*, examples: int, mode: str, postgres: str, seed: int) -> dict[str, tuple[int, collections.Counter, list[str]]]:
    """Run the passes of the chosen modes; (requests, failures by kind, lines) per mode."""
    workdir = Path(tempfile.mkdtemp(prefix="nosetwitch-fuzz-"))
    results = {}
    try:
        if mode in ("local", "both"):
            results["local (SQLite)"] = run_mode("local", f"sqlite:///{workdir / 'local.sqlite3'}", multi_user=False, examples=examples, seed=seed, workdir=workdir)
        if mode in ("multi-user", "both"):
            with fresh_postgres(postgres) as url:
                results["multi-user (PostgreSQL)"] = run_mode("multi", url, multi_user=True, examples=examples, seed=seed, workdir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


@contextlib.contextmanager
def fresh_postgres(server_url: str):
    """A new, empty PostgreSQL database on the server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"nosetwitch_fuzz_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
