"""Load on the web app over loopback: POST an episode and GET the overview, 50 at a time.

Starts `nosetwitch serve` (uvicorn, a fresh SQLite file) in a subprocess on a
free port, then runs 50 concurrent clients for 30 seconds (bounded also by
--max-requests), each alternating POST /api/v1/episodes and GET
/api/v1/overview. Prints p50/p95/p99 latency per request kind and overall,
the error count and the throughput. Targets: p99 under 50 ms, no errors.

    .venv/bin/python bench/web_load.py [--seconds 30] [--concurrency 50] [--page] [--rate R]
    .venv/bin/python bench/web_load.py --workers 4 --db postgresql+psycopg://postgres@127.0.0.1/nosetwitch_bench

`--workers N --db URL` is the scale-out comparison, all in one run: the
trivial-app floor (bench/web_floor.py's fastest stack), the single-worker
SQLite server, and `nosetwitch serve --workers N` on that database (a
PostgreSQL database is created when missing, and its local diary emptied
first), each under the same load, with the ratios between them.

`--page` fetches the HTML overview page (/overview) instead of the JSON one.

The default is the issue's test: a closed loop, where each client sends its
next request as soon as the last one is answered, so it measures the most the
server can take (and latency is about clients / throughput). `--rate R` is a
paced, open-loop run instead: requests arrive at random (Poisson) times, R per
second in all, and go out on the 50 connections; a request that finds every
connection busy waits, and that wait counts in its latency. That shows the
latency a person would see at a given load (a clinic of 10,000 people logging
10 twitches a day is about 1.2 requests/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_P99_MS = 50.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(home: Path, port: int, demo_days: int = 0, *, database: str | None = None, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "NOSETWITCH_HOME": str(home)}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    database = database or f"sqlite:///{home / 'load.sqlite3'}"
    if demo_days:
        subprocess.run([sys.executable, "-m", "nosetwitch", "--db", database, "demo", "--days", str(demo_days)], env=env, check=True, capture_output=True)
    command = [sys.executable, "-m", "nosetwitch", "--db", database, "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until_up(process, port, timeout_s=30 + 15 * workers)
    return process


def empty_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when missing, and empty its local diary."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from nosetwitch.services.diary import DiaryService

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).scalar() is None:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    DiaryService(url).clear()


def wait_until_up(process: subprocess.Popen, port: int, timeout_s: float = 30) -> None:
    """Wait until the server answers GET /api/v1/session."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/session", timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"server did not start:\n{process.stdout.read() if process.stdout else ''}")
            time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    The load generator shares the machine with the server, so it must cost
    as little CPU as possible; a general client (httpx) spends more time per
    request than the server does and would measure itself.
    """

    def __init__(self, port: int, cookie: str):
        self.port = port
        self.cookie = cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {self.cookie}\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1])


def session(port: int) -> tuple[str, str]:
    """(cookie header value, CSRF token) of a fresh session."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/session", timeout=5) as response:
        token = json.loads(response.read())["csrf_token"]
        cookie = response.headers["set-cookie"].split(";", 1)[0]
    return cookie, token


class Requests:
    """The two requests of the test, sent on a connection; results by kind."""

    BODY = json.dumps({"intensity": 2}).encode()

    def __init__(self, port: int, overview_path: str):
        self.port, self.overview_path = port, overview_path
        self.cookie, token = session(port)
        self.post_headers = f"Content-Type: application/json\r\nX-CSRF-Token: {token}\r\n"
        self.results: dict[str, list] = {"post_episode": [], "get_overview": [], "errors": []}

    def connection(self) -> Connection:
        return Connection(self.port, self.cookie)

    async def send(self, connection: Connection, kind: str, started: float) -> bool:
        """Send one request of `kind`; record its latency since `started` (or the error).
        False when the connection broke and must be replaced."""
        try:
            if kind == "post_episode":
                ok = await connection.request("POST", "/api/v1/episodes", self.BODY, self.post_headers) == 201
            else:
                ok = await connection.request("GET", self.overview_path) == 200
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            self.results["errors"].append(f"{kind}: {type(exc).__name__}")
            return False
        elapsed_ms = (time.perf_counter() - started) * 1000
        (self.results[kind] if ok else self.results["errors"]).append(elapsed_ms if ok else f"{kind}: bad status")
        return True


async def run_load(port: int, *, seconds: float, concurrency: int, max_requests: int, overview_path: str) -> dict[str, list]:
    requests = Requests(port, overview_path)
    stop_at = time.perf_counter() + seconds
    sent = 0

    async def worker(index: int) -> None:
        nonlocal sent
        connection = requests.connection()
        post_next = index % 2 == 0
        while time.perf_counter() < stop_at and sent < max_requests:
            sent += 1
            kind = "post_episode" if post_next else "get_overview"
            post_next = not post_next
            if not await requests.send(connection, kind, time.perf_counter()):
                connection = requests.connection()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return requests.results


async def run_paced(port: int, *, seconds: float, concurrency: int, max_requests: int, overview_path: str, rate: float, seed: int = 0) -> dict[str, list]:
    """Open loop: Poisson arrivals at `rate` per second, served by `concurrency` connections.

    Latency runs from a request's planned arrival time, so time spent waiting
    for a free connection (or behind a late generator) counts too.
    """
    requests = Requests(port, overview_path)
    arrivals: asyncio.Queue = asyncio.Queue()
    chance = random.Random(seed)

    async def produce() -> None:
        due = time.perf_counter()
        stop_at = due + seconds
        for number in range(max_requests):
            due += chance.expovariate(rate)
            if due >= stop_at:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            arrivals.put_nowait((due, "post_episode" if number % 2 == 0 else "get_overview"))
        for _ in range(concurrency):
            arrivals.put_nowait(None)

    async def worker() -> None:
        connection = requests.connection()
        while (arrival := await arrivals.get()) is not None:
            due, kind = arrival
            if not await requests.send(connection, kind, due):
                connection = requests.connection()

    await asyncio.gather(produce(), *(worker() for _ in range(concurrency)))
    return requests.results


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and all its descendants so far: Linux's /proc; None elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, seconds)
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # it ended meanwhile
                    continue
                stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    except OSError:
        return None
    if pid not in stats:
        return None
    family, total = {pid}, 0.0
    for _ in range(4):  # serve -> uvicorn's worker processes (and their threads' helpers)
        family |= {child for child, (parent, _) in stats.items() if parent in family}
    for member in family:
        total += stats[member][1]
    return total


def measure(label: str, port: int, load: dict, rate: float | None, server: subprocess.Popen | None = None) -> dict:
    cpu_before = cpu_seconds(server.pid) if server else None
    started = time.perf_counter()
    results = asyncio.run(run_paced(port, rate=rate, **load) if rate else run_load(port, **load))
    wall = time.perf_counter() - started
    cpu_after = cpu_seconds(server.pid) if server else None
    everything = results["post_episode"] + results["get_overview"]
    figures = {"label": label, "rps": len(everything) / wall, "p50": percentile(everything, 50), "p99": percentile(everything, 99), "errors": results["errors"]}
    print(f"== {label}")
    for kind in ("post_episode", "get_overview", "all"):
        values = everything if kind == "all" else results[kind]
        print(
            f"  {kind:13s} n={len(values):6d}  p50={percentile(values, 50):7.1f} ms  p95={percentile(values, 95):7.1f} ms  "
            f"p99={percentile(values, 99):7.1f} ms  max={max(values, default=float('nan')):7.1f} ms"
        )
    errors = results["errors"]
    print(f"  throughput {figures['rps']:.0f} requests/s; errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""), flush=True)
    if cpu_before is not None and cpu_after is not None and everything:
        # What the server spent per request, whatever else the machine did meanwhile: the
        # figure to compare between commits on a machine shared with others.
        used = cpu_after - cpu_before
        print(f"  server CPU {used / len(everything) * 1e6:.0f} us per request ({used / wall:.2f} cores busy)", flush=True)
    return figures


def run_server(label: str, args, load: dict, *, database: str | None = None, workers: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="nosetwitch-load-") as folder:
        port = free_port()
        server = start_server(Path(folder), port, args.demo_days, database=database, workers=workers)
        try:
            return measure(label, port, load, args.rate, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def floor(load: dict) -> dict:
    """The trivial app of bench/web_floor.py on its fastest stack, under the same load."""
    sys.path.insert(0, str(Path(__file__).parent))
    import web_floor

    # The fastest stack the machine has: what `nosetwitch serve` itself runs on (the `fast` extra).
    label, http, loop, style = next((stack for stack in web_floor.STACKS if stack[1:] == ("httptools", "uvloop", "async")), web_floor.STACKS[0])
    port = free_port()
    server = subprocess.Popen([sys.executable, web_floor.__file__, "--serve", str(port), http, loop, style])
    try:
        wait_until_up(server, port)
        return measure(f"floor: trivial FastAPI app ({label}), 1 process", port, load, None, server)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound on requests sent")
    parser.add_argument("--page", action="store_true", help="GET the HTML overview page instead of /api/v1/overview")
    parser.add_argument("--rate", type=float, default=None, help="paced open-loop run: Poisson arrivals, this many requests/s in all (default: closed loop)")
    parser.add_argument("--demo-days", type=int, default=0, help="start from a simulated diary of this many days (3650: ten years)")
    parser.add_argument("--workers", type=int, default=1, help="with --db: also run `serve --workers N` on that database (the scale-out comparison)")
    parser.add_argument("--db", default=None, help="the database for the --workers run, e.g. postgresql+psycopg://postgres@127.0.0.1/nosetwitch_bench")
    args = parser.parse_args()
    load = dict(
        seconds=args.seconds,
        concurrency=args.concurrency,
        max_requests=args.max_requests,
        overview_path="/overview" if args.page else "/api/v1/overview",
    )
    history = f", starting from a {args.demo_days}-day demo diary" if args.demo_days else ", starting from an empty diary"
    if args.rate:
        mode = f"PACED open loop, Poisson arrivals at {args.rate:g} requests/s over {args.concurrency} connections"
    else:
        mode = f"closed loop (the issue's test), {args.concurrency} concurrent clients"
    print(f"web load: {mode}, for {args.seconds:g} s each{history}, loopback, CPUs: {os.cpu_count()}", flush=True)

    runs = []
    if args.db and not args.rate:
        runs.append(floor(load))
    single = run_server("nosetwitch serve, 1 worker, SQLite", args, load)
    runs.append(single)
    if args.db:
        empty_database(args.db)
        runs.append(run_server(f"nosetwitch serve --workers {args.workers}, {args.db.split('://')[0]}", args, load, database=args.db, workers=args.workers))
        print("== side by side")
        for figures in runs:
            print(
                f"  {figures['label']:60s} {figures['rps']:7.0f} requests/s  p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms  "
                f"errors {len(figures['errors'])}  ({figures['rps'] / single['rps']:.2f}x the single worker)"
            )
    p99 = single["p99"]
    verdict = "meets" if p99 < TARGET_P99_MS and not single["errors"] else "misses"
    if args.rate:
        print(f"  (paced run: the issue's target applies to the closed-loop default; p99 {p99:.1f} ms at {args.rate:g} requests/s)")
        return
    print(f"  single worker, target p99 < {TARGET_P99_MS:.0f} ms with no errors: {verdict} (p99 {p99:.1f} ms)")


if __name__ == "__main__":
    main()
