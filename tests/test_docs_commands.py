"""Every `nosetwitch ...` command shown in the README and in docs/ runs as written.

The commands are read from the ```sh blocks, in order, and run on a fresh data
folder: the quick start (`make run` is `nosetwitch start`), the CLI tours, the
report and export examples, and the web server examples (local and multi-user,
SQLite and PostgreSQL), which are started on a free port and asked for a page.
A documented option that the program does not take (say `--db` after `serve`)
fails here, not in a reader's terminal.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from nosetwitch.services.accounts import AccountError, AccountService

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
NOSETWITCH = str(Path(sys.executable).parent / "nosetwitch")
SERVERS = ("serve", "start")
# Examples that need what a test machine has not got: a home-network address, a
# certificate made for it, a health export of one's own (tested in their own modules).
NEEDS_THE_READERS_SETUP = ("--lan", "--lan-address", "--certfile", "import-health")
# For `nosetwitch check`: each question is asked up to three times, and any three lines
# in a row hold a no, a place and a side, so every question gets an answer it takes.
ANSWERS = "no\nnose\nleft\n" * 40


def documented_commands() -> list[tuple[str, str]]:
    """(document, command line) of every `nosetwitch` line in a shell block, continuations joined."""
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, flags=re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("make run"):
                    line = "nosetwitch start"  # the Makefile's run target is exactly this
                if line.startswith("nosetwitch "):
                    found.append((path.name, line))
        # server examples written inline in the text, e.g. `nosetwitch serve --multi-user ...`
        for span in re.findall(r"`(nosetwitch [^`]*\bserve\b[^`]*)`", text):
            found.append((path.name, " ".join(span.split())))
    return found


COMMANDS = documented_commands()


def test_the_documents_show_the_commands_this_test_must_cover():
    lines = [line for _, line in COMMANDS]
    assert any(line.startswith("nosetwitch start") for line in lines)  # the quick start
    assert any("--multi-user" in line for line in lines)  # the multi-user example
    assert sum(line.startswith("nosetwitch log ") for line in lines) >= 5  # the CLI tour


def _command_of(words: list[str]) -> str:
    """The command word, after the root options (`--db URL`)."""
    rest = list(words)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "--db" else rest[1:]
    return rest[0] if rest else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _expand(words: list[str], files: dict[str, Path]) -> list[list[str]]:
    """Placeholders made concrete: `json|csv|fhir` gives one command per choice, FILE and
    the example file names become files in the test's folder."""
    variants: list[list[str]] = [[]]
    for word in words:
        if re.fullmatch(r"[a-z]+(\|[a-z]+)+", word):
            variants = [v + [choice] for v in variants for choice in word.split("|")]
            continue
        word = files.get(word, word)
        variants = [v + [str(word)] for v in variants]
    return variants


@pytest.fixture(scope="module")
def postgres_or_sqlite(request, tmp_path_factory) -> str:
    """The documented PostgreSQL URL stands for a real test database when one is reachable."""
    try:
        return request.getfixturevalue("_postgres_database")
    except pytest.skip.Exception:
        return f"sqlite:///{tmp_path_factory.mktemp('pg-stand-in') / 'db.sqlite3'}"


def _serve(words: list[str], env: dict[str, str]) -> None:
    """Start the documented server command on a free port, ask it for a page, stop it."""
    port = str(_free_port())
    if "--port" in words:
        words[words.index("--port") + 1] = port
    else:
        words += ["--port", port]
    if _command_of(words) == "start" and "--no-browser" not in words:
        words.append("--no-browser")
    process = subprocess.Popen([NOSETWITCH, *words], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/session", timeout=5) as answer:
                    assert answer.status == 200
                return
            except OSError:
                if process.poll() is not None:
                    out, err = process.communicate()
                    pytest.fail(f"`nosetwitch {' '.join(words)}` exited with {process.returncode}: {err or out}")
                if time.monotonic() > deadline:
                    pytest.fail(f"`nosetwitch {' '.join(words)}` did not answer within 90 s")
                time.sleep(0.3)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_every_documented_command_runs_as_written(tmp_path, postgres_or_sqlite):
    env = {**os.environ, "NOSETWITCH_HOME": str(tmp_path / "home"), "BROWSER": "true", "COLUMNS": "120"}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    work = tmp_path / "work"
    work.mkdir()
    files = {name: work / name for name in ("FILE", "diary.zip", "bundle.json", "diary.fhir.json", "report.pdf", "march.pdf")}
    subprocess.run([NOSETWITCH, "demo", "--force", "--days", "60", "--seed", "2"], env=env, check=True, capture_output=True)
    subprocess.run([NOSETWITCH, "export", "--out", str(work / "diary.json")], env=env, check=True, capture_output=True)
    files.update({name: work / "diary.json" for name in ("diary.json", "case.json", "CASE.json")})
    # what the examples name: episode e3, a check-in on 2026-03-10, an account called alice
    person = json.loads((work / "diary.json").read_text())["person"]
    extra = {"format": "nosetwitch-diary", "version": 1, "person": person,
             "episodes": [{"id": "e3", "started_at": "2026-03-10T09:00:00+01:00"}], "days": [{"date": "2026-03-10", "sleep_h": 7}]}  # fmt: skip
    (work / "extra.json").write_text(json.dumps(extra))
    subprocess.run([NOSETWITCH, "import", str(work / "extra.json")], env=env, check=True, capture_output=True)
    try:
        AccountService(postgres_or_sqlite).register("alice", "a documented passphrase here")
    except AccountError:  # made by an earlier run on the same test database
        pass
    failures = []
    for document, line in COMMANDS:
        line = re.sub(r"postgresql(\+psycopg)?://\S+", postgres_or_sqlite, line)
        words = shlex.split(line, comments=True)[1:]
        if any(word in NEEDS_THE_READERS_SETUP for word in words):
            continue
        redirect = None
        if ">" in words:
            at = words.index(">")
            redirect, words = work / words[at + 1], words[:at]
        for variant in _expand(words, files):
            if _command_of(variant) in SERVERS:
                _serve(variant, env)
                continue
            result = subprocess.run([NOSETWITCH, *variant], env=env, cwd=work, input=ANSWERS, capture_output=True, text=True, timeout=300)
            if redirect is not None:
                redirect.write_text(result.stdout)
            if _command_of(variant) == "demo":  # a new diary: put back what the later examples name
                subprocess.run([NOSETWITCH, "import", str(work / "extra.json")], env=env, check=True, capture_output=True)
            if result.returncode != 0:
                failures.append(f"{document}: `nosetwitch {' '.join(variant)}` -> exit {result.returncode}: {result.stderr.strip()[:300]}")
    assert not failures, "\n".join(failures)
