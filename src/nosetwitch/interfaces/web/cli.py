"""`nosetwitch start` and `serve`: the web app on uvicorn (FastAPI is imported only here).

Local mode binds to 127.0.0.1 and needs no login; `--multi-user` adds
accounts. The session secret comes from $NOSETWITCH_SECRET_KEY, else from a
file in the data folder (made on first use, readable only by its owner), so
sessions survive a restart.
"""

from __future__ import annotations

import gc
import ipaddress
import json
import logging
import os
import secrets
import sys
import threading
from typing import TYPE_CHECKING, Any

import typer

from nosetwitch.interfaces.cli.common import guard, open_service
from nosetwitch.interfaces.cli.root import app, fail, settings
from nosetwitch.storage.location import data_dir

if TYPE_CHECKING:
    import socket

    from fastapi import FastAPI

    from nosetwitch.interfaces.web.phone import LanMode

SECRET_ENV = "NOSETWITCH_SECRET_KEY"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_key() -> str:
    """$NOSETWITCH_SECRET_KEY, or a random key kept in the data folder."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = data_dir() / "web-secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def open_quietly(url: str) -> None:
    """Ask for a browser; on a headless machine (no browser, no display) do nothing."""
    try:
        import webbrowser

        webbrowser.open(url)
    except Exception:  # the printed URL is enough
        pass


def open_browser_later(url: str, delay_s: float = 1.0) -> None:
    """Open the URL once the server is up, without holding up the start."""
    timer = threading.Timer(delay_s, open_quietly, args=(url,))
    timer.daemon = True
    timer.start()


def _check_port_free(host: str, port: int) -> None:
    """Fail with one clear line, before any set-up, when the port is taken."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); is nosetwitch already running? Try --port {port + 1}")


def home_network_address() -> str | None:
    """This computer's address on its home network: the source address of its default route.

    Connecting a UDP socket sends nothing; it only asks the kernel which
    address it would send from. None when there is no network.
    """
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered, never sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def _listening_socket(host: str, port: int) -> socket.socket:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _show_pairing(lan: LanMode) -> None:
    """The QR code and the code, in an interactive terminal only: output that goes
    to a file or a log (not a terminal) never holds a pairing code."""
    from nosetwitch.interfaces.web.phone import qr_terminal  # lazy: FastAPI (start-up time)

    if not sys.stdout.isatty():
        typer.echo("To pair a phone, open Profile › Use on my phone on this computer (no code is printed: the output is not a terminal).")
        return
    pairing = lan.codes.new()
    typer.echo(qr_terminal(lan.pair_url(pairing)))
    typer.echo(f"Scan it with your phone, or open {lan.url}/pair and type {pairing.grouped} (it works once, for {max(1, round(lan.codes.lifetime_s / 60))} minutes).")
    typer.echo("A new code any time: Profile › Use on my phone, on this computer.")


WORKER_CONFIG_ENV = "NOSETWITCH_WORKER_CONFIG"
"""How `serve --workers N` hands the app's settings to its worker processes (JSON)."""


def worker_app() -> FastAPI:
    """The app of one worker process of `serve --workers N` (uvicorn calls it in each)."""
    from nosetwitch.interfaces.web import create_app  # lazy: FastAPI (start-up time)

    options = json.loads(os.environ[WORKER_CONFIG_ENV])
    if options["access_log"]:  # a spawned process starts without the parent's logging set-up
        _log_requests_to_stdout()
    app = create_app(**options, secret_key=secret_key())
    _tune_garbage_collector()
    return app


def _log_requests_to_stdout() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout, force=True)


def _tune_garbage_collector() -> None:
    # Everything made so far (modules, the app, the knowledge base) lives as long as the
    # server: keep it out of the collector's full passes, which would otherwise walk
    # those objects again and again and stall requests for tens of milliseconds.
    gc.collect()
    gc.freeze()
    # Collect young objects every 10,000 allocations, not every 700: under load the
    # objects of requests still in flight are otherwise promoted so often that
    # they set off full passes over the whole diary in memory (100 ms each with
    # 30,000 episodes, bench/web_load.py); every cycle of garbage is still found.
    gc.set_threshold(10_000, 10, 10)


def serve_app(
    database_url: str | None,
    *,
    host: str,
    port: int,
    open_browser: bool,
    multi_user: bool,
    allow_signup: bool = True,
    lan_address: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    access_log: bool = False,
    forwarded_allow_ips: str | None = None,
    workers: int = 1,
) -> None:
    """Build the app and run it until Ctrl-C. With `lan_address` (local mode) it listens on
    that home-network address as well as on `host` (loopback) and lets in paired devices.
    With `workers` > 1, uvicorn runs that many processes on the one port, each building
    the same app from `WORKER_CONFIG_ENV` (`worker_app`); the database is their only
    shared state (diary revisions, id counters, sessions)."""
    # lazy: uvicorn, FastAPI and SQLAlchemy load when the server starts, not with every command
    import uvicorn

    from nosetwitch.interfaces.web import create_app
    from nosetwitch.interfaces.web.phone import LanMode
    from nosetwitch.storage.database import DatabaseError, open_engine

    loopback = is_loopback(host)
    https = certfile is not None
    _check_port_free(host, port)
    if lan_address is not None:
        _check_port_free(lan_address, port)
    lan = LanMode(lan_address, port, "https" if https else "http") if lan_address else None
    allowed_hosts = [*LOOPBACK_NAMES, host, *([lan_address] if lan_address else [])] if loopback else None
    options: dict[str, Any] = {  # JSON: the workers of `--workers N` read it from WORKER_CONFIG_ENV
        "database_url": database_url, "multi_user": multi_user, "secure_cookies": https or not loopback,
        "allowed_hosts": allowed_hosts, "allow_signup": allow_signup, "access_log": access_log,
    }  # fmt: skip
    web_app: FastAPI | None = None
    try:
        if workers > 1:
            # Upgrade the schema and make the session secret once, here, before the
            # workers start (they would race to do both).
            open_engine(database_url)
            secret_key()
        else:
            web_app = create_app(**options, secret_key=secret_key(), lan=lan)
    except DatabaseError as exc:
        fail(str(exc))
    shown_host = f"[{host}]" if ":" in host else host
    url = f"{'https' if https else 'http'}://{shown_host}:{port}/"
    typer.echo(f"nosetwitch is running at {url}  (Ctrl-C stops it)")
    if lan is not None:
        typer.echo(f"On your home network at {lan.url}/ : paired devices only.")
        _show_pairing(lan)
    elif not loopback:
        typer.echo("Reachable from other machines: put it behind HTTPS (session cookies are marked Secure).")
    if open_browser:
        open_browser_later(url)
    _tune_garbage_collector()
    # uvicorn picks httptools and uvloop (the `fast` extra) by itself when they are installed.
    ssl_certfile, ssl_keyfile = (certfile, keyfile) if https else (None, None)
    log_level = "warning"  # requests are logged by our own AccessLog (JSON, no query strings)
    if access_log:
        _log_requests_to_stdout()
    if workers > 1:
        os.environ[WORKER_CONFIG_ENV] = json.dumps(options)
        uvicorn.run(
            f"{__name__}:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level, access_log=False,
            proxy_headers=bool(forwarded_allow_ips), forwarded_allow_ips=forwarded_allow_ips or "",
            ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
        )  # fmt: skip
        return
    assert web_app is not None  # one process: the app was built above
    if lan is None:
        # The client address (the login limit counts per address) comes from the
        # X-Forwarded-For header only when the connection is from a proxy named in
        # --forwarded-allow-ips; otherwise the header is ignored (anyone could write it).
        uvicorn.run(
            web_app, host=host, port=port, log_level=log_level, access_log=False,
            proxy_headers=bool(forwarded_allow_ips), forwarded_allow_ips=forwarded_allow_ips or "",
            ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
        )  # fmt: skip
        return
    # Two addresses, exactly: loopback and the home-network one (never 0.0.0.0). No proxy
    # headers: the client's own address decides whether it is the computer itself.
    config = uvicorn.Config(
        web_app, log_level=log_level, access_log=False, proxy_headers=False, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile
    )
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port), _listening_socket(lan.lan_address, port)])


@app.command("start")
def start(
    no_browser: bool = typer.Option(False, "--no-browser", help="Only print the address; do not open a browser."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port of the web app on this machine."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Only set up and print the summary (for scripts and tests)."),
) -> None:
    """Set up nosetwitch and open the web app (a demo diary when the database is empty)."""
    from nosetwitch.interfaces.cli.diary_summary import print_summary  # lazy: rich (start-up time)
    from nosetwitch.services.demo import DEMO_DAYS, load_demo_if_empty  # lazy: SQLAlchemy, numpy (start-up time)

    service = open_service()
    summary = guard(lambda: load_demo_if_empty(service))
    if summary is not None:
        typer.echo(f"Your diary was empty, so a {DEMO_DAYS}-day demo diary was loaded ({summary.totals().added} records).")
        typer.echo("Start afresh any time by pointing --db at a new file, or replace it with `nosetwitch demo --force`.\n")
    print_summary(service)
    if not no_serve:
        serve_app(settings.db_url, host="127.0.0.1", port=port, open_browser=not no_browser, multi_user=False)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    open_browser: bool = typer.Option(False, "--open", help="Open the app in a web browser."),
    multi_user: bool = typer.Option(False, "--multi-user", help="Accounts with passwords; each person sees only their own diary. PostgreSQL recommended."),
    no_signup: bool = typer.Option(False, "--no-signup", help="With --multi-user: refuse new accounts."),
    lan: bool = typer.Option(False, "--lan", help="Local mode: also listen on this computer's home-network address, for phones you pair (QR code)."),
    lan_address: str | None = typer.Option(None, "--lan-address", help="With --lan: the home-network address to listen on (default: found by itself)."),
    certfile: str | None = typer.Option(None, "--certfile", help="Serve HTTPS with this certificate (PEM); needs --keyfile."),
    keyfile: str | None = typer.Option(None, "--keyfile", help="The private key (PEM) of --certfile."),
    access_log: bool = typer.Option(False, "--access-log", help="Print a line per request (method, path, status; pairing codes never appear in it)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes on the one port (a clinic's server; they share only the database)."),
    forwarded_allow_ips: str | None = typer.Option(
        None, "--forwarded-allow-ips",
        help="Behind a reverse proxy: the proxy's addresses (comma-separated, e.g. 127.0.0.1), whose "
        "X-Forwarded-For header then gives the client's address. Without it the header is ignored.",
    ),
) -> None:
    """Serve the web app and the JSON API (/api/v1, docs at /api/docs)."""
    if not multi_user and not is_loopback(host):
        fail(f"local mode has no login, so it only listens on this machine; use --lan to pair phones, or --multi-user to serve {host}")
    if (certfile is None) != (keyfile is None):
        fail("--certfile and --keyfile go together: give both (the certificate and its private key)")
    for path in (certfile, keyfile):
        if path is not None and not os.path.isfile(path):
            fail(f"no such file: {path}")
    if lan_address is not None:
        lan = True
    if lan and workers > 1:
        fail("--workers is for a shared server; --lan (pairing a phone) runs one process")
    if lan:
        if multi_user:
            fail("--lan is for local mode (pairing instead of logins); a shared server uses --multi-user --host ADDRESS behind HTTPS")
        lan_address = lan_address or home_network_address()
        if lan_address is None:
            fail("found no home-network address on this computer; give one with --lan-address")
        try:
            parsed = ipaddress.ip_address(lan_address)
        except ValueError:
            fail(f"--lan-address: {lan_address!r} is not an IP address")
        if parsed.is_loopback or parsed.is_unspecified:
            fail(f"--lan-address: {lan_address} is not a home-network address (give the computer's address on the network, not 0.0.0.0 or loopback)")
    serve_app(
        settings.db_url, host=host, port=port, open_browser=open_browser, multi_user=multi_user, allow_signup=not no_signup,
        lan_address=lan_address if lan else None, certfile=certfile, keyfile=keyfile, access_log=access_log,
        forwarded_allow_ips=forwarded_allow_ips, workers=workers,
    )


user_app = typer.Typer(help="Accounts of a multi-user server (for the person who runs it).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("reset-password")
def reset_password(
    name: str = typer.Argument(..., help="The user name of the account."),
    url: str = typer.Option("http://127.0.0.1:8765", "--url", help="The address people reach the server at."),
) -> None:
    """Print a one-time link that lets the person set a new password (valid for an hour, once).

    Their sessions are not ended until the new password is set."""
    # lazy: SQLAlchemy and argon2 (start-up time)
    from nosetwitch.services.accounts import AccountService
    from nosetwitch.services.sessions import RESET, RESET_S, SessionStore
    from nosetwitch.storage.database import DatabaseError

    try:
        account = AccountService(settings.db_url).find(name)
        if account is None:
            fail(f"reset-password: there is no account {ascii(name.strip().lower())[1:-1]!r} in this database")
        token = SessionStore(settings.db_url).create(account.id, kind=RESET, lifetime_s=RESET_S, label="reset link")
    except DatabaseError as exc:
        fail(str(exc))
    typer.echo(f"{url.rstrip('/')}/reset-password?token={token}")
    typer.echo(f"Give this link to {account.username} only; it works once, within an hour.", err=True)
