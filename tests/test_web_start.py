"""`nosetwitch start` and `nosetwitch serve` as a person runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from nosetwitch.interfaces.web import cli as web_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "NOSETWITCH_HOME": str(tmp_path / "home")}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    return env


def test_start_loads_the_demo_diary_and_serves_the_web_app(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nosetwitch", "start", "--no-browser", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/overview", timeout=2).read().decode()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "start did not serve the web app"
                time.sleep(0.3)
        assert "Days in a row" in page and "does not diagnose" in page
        episodes = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/episodes?limit=1", timeout=2).read()
        assert b'"total":' in episodes and b'"total":0' not in episodes  # the demo diary is there
        assert (tmp_path / "home" / "nosetwitch.sqlite3").exists()  # the embedded default database
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "demo diary was loaded" in output
    assert f"http://127.0.0.1:{port}/" in output


def test_local_mode_refuses_to_listen_beyond_this_machine(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nosetwitch", "serve", "--host", "0.0.0.0"], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--multi-user" in result.stderr and result.stderr.count("\n") == 1


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "nosetwitch", "serve", "--port", str(port)], env=_env(tmp_path), capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2
    assert f"--port {port + 1}" in result.stderr and "Traceback" not in result.stderr


def test_opening_a_browser_never_fails_on_a_headless_machine(monkeypatch):
    import webbrowser

    def no_browser(url):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "open", no_browser)
    web_cli.open_quietly("http://127.0.0.1:8765/")  # must not raise


def test_loopback_detection():
    assert web_cli.is_loopback("127.0.0.1") and web_cli.is_loopback("localhost") and web_cli.is_loopback("::1")
    assert not web_cli.is_loopback("0.0.0.0") and not web_cli.is_loopback("192.168.1.5")
