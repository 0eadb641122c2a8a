"""`nosetwitch report` from the command line: a diary file, the stored diary, bad input."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from nosetwitch.interfaces.cli.common import forget_services
from nosetwitch.interfaces.cli.main import run


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    forget_services()
    with pytest.raises(SystemExit) as stopped:
        run(argv)
        raise SystemExit(0)
    captured = capsys.readouterr()
    return stopped.value.code or 0, captured.out, captured.err


def _text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_report_for_a_case_file_covers_the_14_days_up_to_its_as_of(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.pdf"
    code, stdout, _ = _run(["report", str(shared_dir / "cases/public/three-days-in-a-row.json"), "--out", str(out)], capsys)
    assert code == 0, stdout
    assert "Wrote" in stdout and "not a diagnosis" in stdout
    text = _text(out)
    assert "25 Feb 2026 to 10 Mar 2026 (14 days)" in text
    assert "Twitching on 3 days in a row" in text


def test_default_file_name_carries_the_last_day(shared_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(
        ["report", str(shared_dir / "cases/public/spread-to-eyelid.json"), "--from", "2026-03-01", "--to", "2026-03-07"], capsys
    )
    assert code == 0, err
    written = tmp_path / "nosetwitch-report-2026-03-07.pdf"
    assert "01 Mar 2026 to 07 Mar 2026 (7 days)" in _text(written)


def test_report_of_the_stored_diary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nosetwitch.domain.models import Person
    from nosetwitch.services.diary import DiaryService

    url = f"sqlite:///{tmp_path / 'diary.db'}"
    service = DiaryService(url)
    service.set_person(Person(timezone="Europe/Berlin", birth_year=1980, sex="male"))
    yesterday = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    for minutes in (0, 30, 60):
        service.add_episode(started_at=yesterday + dt.timedelta(minutes=minutes), duration_s=12.0, sites=["nose", "cheek"])
    out = tmp_path / "stored.pdf"
    code, stdout, err = _run(["--db", url, "report", "--out", str(out)], capsys)
    assert code == 0, err
    text = _text(out)
    assert "3 episodes on 1 of 14 days" in text or "3 episodes on 2 of 14 days" in text  # may straddle midnight
    assert "male" in text and "Twitching reached beyond the nose" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2026-02-30"], "--from: '2026-02-30' is not a date"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "--to 2026-03-01 is before --from 2026-03-10"),
        (["--out", "/no/such/folder/r.pdf"], "--out: folder '/no/such/folder' does not exist"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(shared_dir: Path, tmp_path: Path, monkeypatch, capsys, extra, message) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["report", str(shared_dir / "cases/public/spread-to-eyelid.json"), *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_case_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nosetwitch-diary", "version": 1, "person": {"timezone": "Mars/Olympus"}}')
    code, _, err = _run(["report", str(bad), "--out", str(tmp_path / "x.pdf")], capsys)
    assert code == 2
    assert "bad.json" in err and "Mars/Olympus" in err
    assert not (tmp_path / "x.pdf").exists()
