"""The diary commands as a person types them: exit codes, messages, what gets stored."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile

import pytest

from nosetwitch.domain.clock import zone
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.services.diary import DiaryService

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def db(sqlite_url) -> str:
    return sqlite_url


def diary(db: str):
    return DiaryService(db).export_diary()


def ok(*args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, err
    return out


def refused(db: str, *args: str, mentions: str) -> None:
    """Exit code 2, one stderr line naming the problem, nothing written."""
    before = DiaryService(db).export_diary()
    code, out, err = cli("--db", db, *args)
    assert code == 2, (out, err)
    assert err.startswith("nosetwitch: error: ") and err.count("\n") == 1, err
    assert mentions in err, err
    assert DiaryService(db).export_diary() == before


def test_log_twitch_alone_means_now_on_the_nose(db):
    out = ok("--db", db, "log", "twitch")
    assert "Logged twitch e1" in out
    (episode,) = diary(db).episodes
    assert [s.value for s in episode.sites] == ["nose"]
    assert abs(dt.datetime.now(dt.timezone.utc) - episode.started_at) < dt.timedelta(minutes=1)


def test_log_twitch_with_every_option_in_the_persons_zone(db):
    ok("--db", db, "profile", "--timezone", "Asia/Kolkata")
    ok(
        "--db", db, "log", "twitch", "--at", "yesterday 21:30", "--duration", "1m30s", "--intensity", "4",
        "--side", "left", "--site", "nose,eyelid", "--interferes", "eating,speaking", "--visible", "--note", "at dinner",
    )  # fmt: skip
    (episode,) = diary(db).episodes
    yesterday = dt.datetime.now(zone("Asia/Kolkata")).date() - dt.timedelta(days=1)
    assert episode.started_at.isoformat() == f"{yesterday.isoformat()}T21:30:00+05:30"
    assert episode.duration_s == 90 and episode.intensity == 4 and episode.side.value == "left"
    assert [s.value for s in episode.sites] == ["nose", "eyelid"]
    assert [i.value for i in episode.interferes_with] == ["eating", "speaking"]
    assert episode.visible is True and episode.note == "at dinner"


@pytest.mark.parametrize(
    ("at", "expected_ago"),
    [("10 min ago", dt.timedelta(minutes=10)), ("2h ago", dt.timedelta(hours=2)), ("1 day ago", dt.timedelta(days=1))],
)
def test_relative_times(db, at, expected_ago):
    ok("--db", db, "log", "twitch", "--at", at)
    (episode,) = diary(db).episodes
    ago = dt.datetime.now(dt.timezone.utc) - episode.started_at
    assert abs(ago - expected_ago) < dt.timedelta(minutes=1)


def test_iso_times_keep_their_offset_and_durations_parse(db):
    ok("--db", db, "log", "twitch", "--at", "2026-03-10T21:30:00-04:00", "--duration", "30s")
    ok("--db", db, "log", "twitch", "--at", "2026-03-11T08:00:00Z", "--duration", "90")
    ok("--db", db, "log", "twitch", "--at", "2026-03-11T09:00:00+01:00", "--duration", "2m")
    episodes = diary(db).episodes
    assert [e.started_at.isoformat() for e in episodes] == [
        "2026-03-10T21:30:00-04:00", "2026-03-11T08:00:00+00:00", "2026-03-11T09:00:00+01:00",
    ]  # fmt: skip
    assert [e.duration_s for e in episodes] == [30, 90, 120]


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["log", "twitch", "--intensity", "9"], "intensity"),
        (["log", "twitch", "--intensity", "strong"], "--intensity"),
        (["log", "twitch", "--side", "up"], "--side: unknown value 'up'"),
        (["log", "twitch", "--site", "nose,ear"], "--site: unknown value 'ear'"),
        (["log", "twitch", "--interferes", "dancing"], "--interferes"),
        (["log", "twitch", "--at", "next tuesday"], "--at: cannot read"),
        (["log", "twitch", "--at", "2999-01-01T10:00:00+00:00"], "in the future"),
        (["log", "twitch", "--duration", "3x"], "--duration"),
        (["log", "twitch", "--duration", "0"], "--duration"),
        (["log", "twitch", "--bogus"], "--bogus"),
        (["log", "day", "--sleep", "30"], "sleep_h"),
        (["log", "day", "--stress", "11"], "stress"),
        (["log", "day", "--coffee", "-1"], "coffee"),
        (["log", "day", "--date", "2026-02-30", "--sleep", "7"], "--date"),
        (["log", "day"], "at least one factor"),
        (["log", "symptom", "sneezing"], "CODE: unknown value 'sneezing'"),
        (["log", "symptom", "pain", "--onset", "slow"], "--onset"),
        (["log", "symptom", "pain", "--at", "2026-03-10T10:00:00+00:00", "--ended", "2026-03-10T09:00:00+00:00"], "ended_at: is before started_at"),
        (["log", "remedy", "yoga"], "CODE: unknown value 'yoga'"),
        (["log", "remedy", "massage", "--episode", "e404"], "episode_id: 'e404' names no episode"),
        (["log", "remedy", "massage", "--episode", "last"], "no episode yet"),
        (["med", "stop", "aspirin"], "no medication called 'aspirin'"),
        (["med", "add", "x", "--started", "soon"], "--started"),
        (["delete", "episode", "e404"], "no episode e404"),
        (["delete", "thing", "e1"], "unknown record kind 'thing'"),
        (["delete", "remedy", "x"], "give the number"),
        (["edit", "episode", "e404", "intensity=2"], "no episode e404"),
        (["profile", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["profile", "--sex", "robot"], "--sex"),
        (["export", "--format", "xml"], "--format: unknown format 'xml'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(db, args, mentions):
    ok("--db", db, "log", "day", "--sleep", "7")
    refused(db, *args, mentions=mentions)


def test_log_day_upserts_and_converts_drinks(db):
    ok("--db", db, "log", "day", "--date", "2026-03-10", "--coffee", "2", "--tea", "1", "--sleep", "6.5")
    out = ok("--db", db, "log", "day", "--date", "2026-03-10", "--stress", "4", "--cola", "1", "--energy-drink", "1", "--caffeine", "10")
    assert out.startswith("Updated 2026-03-10")
    (day,) = diary(db).days
    assert day.sleep_h == 6.5 and day.stress == 4
    assert day.caffeine_mg == 40 + 80 + 10  # the second check-in's caffeine replaces the first's (2*90 + 50)


def test_symptom_remedy_and_emergency_line(db):
    ok("--db", db, "log", "twitch", "--at", "5 min ago")
    code, out, err = cli("--db", db, "log", "symptom", "facial_droop", "--onset", "sudden", "--side", "left", "--region", "face")
    assert code == 0 and "Logged symptom s1 (facial_droop, sudden)" in out
    assert "emergency number" in err
    code, out, err = cli("--db", db, "log", "symptom", "pain", "--onset", "gradual", "--severity", "3")
    assert code == 0 and err == ""
    ok("--db", db, "log", "remedy", "warm_compress", "--episode", "last", "--helped")
    (remedy,) = diary(db).remedies
    assert remedy.episode_id == "e1" and remedy.helped is True


def test_medications(db):
    ok("--db", db, "med", "add", "atorvastatin", "--dose", "20 mg", "--started", "2026-01-15")
    ok("--db", db, "med", "add", "Lasix", "--started", "unknown")
    assert "atorvastatin (20 mg)  since 2026-01-15" in ok("--db", db, "med", "list")
    ok("--db", db, "med", "stop", "Atorvastatin", "--on", "2026-03-01")
    ok("--db", db, "med", "stop", "2")
    statin, lasix = diary(db).medications
    assert statin.stopped == dt.date(2026, 3, 1) and lasix.started is None and lasix.stopped is not None


def test_list_edit_delete(db):
    ok("--db", db, "log", "twitch", "--at", "1h ago", "--intensity", "2")
    ok("--db", db, "log", "day", "--sleep", "5")
    ok("--db", db, "log", "remedy", "massage", "--episode", "e1", "--no-helped")
    listing = ok("--db", db, "list", "--days", "2")
    assert "e1" in listing and "massage" in listing and "Sleep 5 h" in listing
    ok("--db", db, "edit", "episode", "e1", "intensity=5", "sites=nose,cheek", "duration_s=45s", "note=at work")
    episode = DiaryService(db).get_episode("e1")
    assert (episode.intensity, episode.duration_s, episode.note) == (5, 45, "at work")
    assert [s.value for s in episode.sites] == ["nose", "cheek"]
    refused(db, "edit", "episode", "e1", "intensity=6", mentions="intensity")
    refused(db, "edit", "episode", "e1", "colour=red", mentions="colour")
    ok("--db", db, "delete", "episode", "e1")
    assert diary(db).episodes == [] and diary(db).remedies[0].episode_id is None
    ok("--db", db, "delete", "remedy", "1")
    ok("--db", db, "delete", "day", "today")
    assert DiaryService(db).is_empty()


def test_export_json_to_stdout_and_csv_zip(db, tmp_path, capsysbinary):
    ok("--db", db, "log", "twitch", "--at", "2026-03-10T21:30:00+01:00", "--site", "nose,eyelid")
    ok("--db", db, "log", "day", "--date", "2026-03-10", "--sleep", "6")
    from nosetwitch.interfaces.cli.main import run

    capsysbinary.readouterr()
    try:
        run(["--db", db, "export"])
    except SystemExit as exc:  # success may or may not end in SystemExit(0)
        assert exc.code in (0, None)
    document = json.loads(capsysbinary.readouterr().out)
    assert document["episodes"][0]["started_at"] == "2026-03-10T21:30:00+01:00"

    target = tmp_path / "diary.zip"
    ok("--db", db, "export", "--format", "csv", "--out", str(target))
    with zipfile.ZipFile(target) as archive:
        names = sorted(n.split("/")[-1] for n in archive.namelist())
        assert names == ["README.txt", "days.csv", "episodes.csv", "medications.csv", "own_factors.csv", "own_values.csv", "person.csv", "remedies.csv", "symptoms.csv"]
        episodes = archive.read("nosetwitch-diary/episodes.csv").decode().splitlines()
        days = archive.read("nosetwitch-diary/days.csv").decode().splitlines()
    assert episodes[0].startswith("id,started_at,local_date,duration_s")
    assert episodes[1].startswith("e1,2026-03-10T21:30:00+01:00,") and "nose;eyelid" in episodes[1]
    assert days[1].startswith("2026-03-10,6,")
    second = tmp_path / "again.zip"
    ok("--db", db, "export", "--format", "csv", "--out", str(second))
    assert second.read_bytes() == target.read_bytes()  # reproducible


def test_export_json_file_imports_into_a_new_database(db, tmp_path):
    ok("--db", db, "demo", "--days", "20")
    target = tmp_path / "diary.json"
    ok("--db", db, "export", "--out", str(target))
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    out = ok("--db", other, "import", str(target))
    assert "updated 0" in out
    assert diary(other) == diary(db)


def test_demo_refuses_a_diary_with_records_unless_forced(db):
    ok("--db", db, "log", "twitch", "--note", "my own")
    refused(db, "demo", mentions="--force")
    ok("--db", db, "demo", "--force", "--days", "14", "--seed", "5")
    stored = diary(db)
    assert len(stored.episodes) > 5 and all(e.note != "my own" for e in stored.episodes)
    now = dt.datetime.now(dt.timezone.utc)
    assert all(e.started_at <= now for e in stored.episodes)  # nothing in the future


def test_start_loads_the_demo_once_and_summarises(db):
    out = ok("--db", db, "start", "--no-serve")
    assert "demo diary was loaded" in out and "Twitches per day" in out and "does not diagnose" in out
    count = len(diary(db).episodes)
    assert count > 30
    out = ok("--db", db, "start", "--no-serve")
    assert "demo diary was loaded" not in out and len(diary(db).episodes) == count


def test_default_database_lives_in_nosetwitch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NOSETWITCH_HOME", str(tmp_path / "home"))
    ok("log", "twitch")
    assert (tmp_path / "home" / "nosetwitch.sqlite3").exists()
    monkeypatch.setenv("NOSETWITCH_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    ok("log", "twitch")
    assert len(DiaryService(f"sqlite:///{tmp_path / 'env.sqlite3'}").export_diary().episodes) == 1


def test_console_script_end_to_end(tmp_path):
    """The installed `nosetwitch` command in a real subprocess."""
    env = {**os.environ, "NOSETWITCH_HOME": str(tmp_path)}
    env.pop("NOSETWITCH_DATABASE_URL", None)
    command = [sys.executable, "-m", "nosetwitch"]
    done = subprocess.run([*command, "log", "twitch", "--intensity", "2"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Logged twitch e1" in done.stdout
    bad = subprocess.run([*command, "log", "twitch", "--intensity", "7"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert [line for line in bad.stderr.splitlines() if line] == ["nosetwitch: error: episode: intensity: cannot be more than 5"]


def test_postgres_url_works_from_the_cli(postgres_url):
    ok("--db", postgres_url, "log", "twitch", "--at", "2026-03-10T21:30:00+01:00")
    ok("--db", postgres_url, "log", "day", "--date", "2026-03-10", "--coffee", "1")
    stored = DiaryService(postgres_url).export_diary()
    assert stored.episodes[0].started_at.isoformat() == "2026-03-10T21:30:00+01:00" and stored.days[0].caffeine_mg == 90


