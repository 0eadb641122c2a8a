"""The floor under bench/web_load.py: how fast can *any* FastAPI app answer here?

Serves a trivial FastAPI app (POST returns 201, GET a small JSON; no database,
no session) with uvicorn and drives it with the very client and pattern of
bench/web_load.py (50 keep-alive clients alternating POST and GET, closed
loop). Each server stack is measured for --seconds (default 10):

- h11 + asyncio: uvicorn without its optional speed-ups
- httptools + uvloop: uvicorn[standard]'s parser and event loop
- the same with sync (`def`) endpoints, which FastAPI runs in its threadpool

The nosetwitch app can only be slower than this floor on the same machine.

    .venv/bin/python bench/web_floor.py [--seconds 10] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from web_load import free_port, percentile, run_load, wait_until_up  # noqa: E402  (same client, same pattern)

STACKS = [
    ("h11 + asyncio, async def", "h11", "asyncio", "async"),
    ("httptools + uvloop, async def", "httptools", "uvloop", "async"),
    ("httptools + uvloop, sync def (threadpool)", "httptools", "uvloop", "sync"),
]


def trivial_app(style: str):
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    def with_cookie():
        response = JSONResponse({"csrf_token": "t"})
        response.set_cookie("s", "x")  # web_load.session() reads the cookie
        return response

    app = FastAPI()
    if style == "async":

        @app.get("/api/v1/session")
        async def session():
            return with_cookie()

        @app.post("/api/v1/episodes", status_code=201)
        async def post():
            return {"id": "e1", "intensity": 2}

        @app.get("/api/v1/overview")
        async def get():
            return {"today": 3, "last_7_days": 12, "streak_days": 2}

    else:

        @app.get("/api/v1/session")
        def session():
            return with_cookie()

        @app.post("/api/v1/episodes", status_code=201)
        def post():
            return {"id": "e1", "intensity": 2}

        @app.get("/api/v1/overview")
        def get():
            return {"today": 3, "last_7_days": 12, "streak_days": 2}

    return app


def serve(port: int, http: str, loop: str, style: str) -> None:
    import uvicorn

    uvicorn.run(trivial_app(style), host="127.0.0.1", port=port, http=http, loop=loop, log_level="warning")


def measure(label: str, http: str, loop: str, style: str, seconds: float, concurrency: int) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), http, loop, style])
    try:
        wait_until_up(server, port)
        started = time.perf_counter()
        results = asyncio.run(run_load(port, seconds=seconds, concurrency=concurrency, max_requests=1_000_000, overview_path="/api/v1/overview"))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    done = results["post_episode"] + results["get_overview"]
    print(
        f"  {label:42s} {len(done) / wall:6.0f} requests/s  p50={percentile(done, 50):6.1f} ms  "
        f"p99={percentile(done, 99):6.1f} ms  errors: {len(results['errors'])}",
        flush=True,
    )


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), *sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    print(f"web floor: trivial FastAPI app, {args.concurrency} closed-loop clients for {args.seconds:g} s each, loopback, CPUs: {os.cpu_count()}", flush=True)
    for label, http, loop, style in STACKS:
        measure(label, http, loop, style, args.seconds, args.concurrency)


if __name__ == "__main__":
    main()
