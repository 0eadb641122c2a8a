"""Use cases the CLI and the web share live in `services/`: which diary an engine reads
(a file or the store), the demo diary, and a check's answers."""

from __future__ import annotations

import datetime as dt

import pytest

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.domain.problems import FieldProblem
from nosetwitch.services.check import next_step, read_answers
from nosetwitch.services.demo import load_demo_if_empty
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.diary_source import diary_and_moment

LAST = dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.timezone.utc)


def _no_store() -> DiaryService:
    raise AssertionError("a file is read without opening the stored diary")


def _file(as_of: dt.datetime | None = None) -> Diary:
    return Diary(person=Person(timezone="UTC"), as_of=as_of, episodes=[Episode(id="e1", started_at=LAST)])


def test_a_file_is_read_at_its_own_moment_and_never_opens_the_store():
    given = dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.timezone.utc)
    assert diary_and_moment(_file(), _no_store, given)[1] == given
    assert diary_and_moment(_file(as_of=given), _no_store)[1] == given
    assert diary_and_moment(_file(), _no_store)[1] == LAST  # insights and the report: its latest record
    now = diary_and_moment(_file(), _no_store, undated_file="now")[1]  # triage: the present
    assert abs(now - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)


def test_without_a_file_the_stored_diary_is_read(sqlite_url):
    service = DiaryService(sqlite_url)
    service.add_episode(id="e7", started_at=LAST)
    diary, moment = diary_and_moment(None, lambda: service, LAST + dt.timedelta(hours=1))
    assert [e.id for e in diary.episodes] == ["e7"] and moment == LAST + dt.timedelta(hours=1)


def test_a_record_stored_a_moment_ago_is_in_the_stored_diary_read_now(sqlite_url):
    """`nosetwitch check` then `nosetwitch triage` within one second: the sign the check
    stored (its time has microseconds) must count, or triage says self-care."""
    service = DiaryService(sqlite_url)
    just_now = dt.datetime.now(dt.timezone.utc)
    service.add_episode(id="e8", started_at=just_now)
    diary, moment = diary_and_moment(None, lambda: service)
    assert moment >= just_now and [e.id for e in diary.episodes] == ["e8"]


def test_the_demo_diary_fills_only_an_empty_store(sqlite_url):
    service = DiaryService(sqlite_url)
    summary = load_demo_if_empty(service, days=14)
    assert summary is not None and summary.totals().added > 14
    before = service.export_diary()
    assert load_demo_if_empty(service, days=14) is None
    assert service.export_diary() == before
    assert all(e.started_at <= dt.datetime.now(dt.timezone.utc) for e in before.episodes)  # nothing in the future


def test_answers_not_understood_are_problems_at_their_question_and_the_check_goes_on():
    answers, problems = read_answers({"face": "yeah", "vision": "perhaps", "wings": True})
    assert answers == {"face": True}
    assert [p.field for p in problems] == ["vision", "wings"]
    assert read_answers({"wings": True}, unknown_questions=False) == ({}, ())
    assert isinstance(problems[0], FieldProblem)
    step = next_step(None, answers, LAST, save=False, diary=_file())
    assert step.outcome is None and step.question is not None and step.question.id not in answers


@pytest.mark.parametrize("onset", ["suddenly", "I woke up with it"])
def test_an_emergency_answer_ends_the_check_with_its_outcome(onset):
    answers, problems = read_answers({"face": "yes", "face_onset": onset})
    assert problems == ()
    step = next_step(None, answers, LAST, save=False, diary=_file())
    assert step.question is None and step.outcome is not None and step.outcome.result.level.value == "emergency"
