"""The check as a use case: answers -> records -> triage result, for every interface.

The CLI (`nosetwitch check`), the web *Check* page and the API's check all
read answers (`read_answers`), ask the next question or finish (`next_step`)
and finish a check (`finish_check`) here, so the level a check shows is
always `triage` of the stored diary plus the records its answers made, and
check answers are stored only by `DiaryService.save_check_answer` (one id
scheme: `s<n>`). The interfaces only ask and show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from nosetwitch.domain.models import Diary, Medication, Symptom
from nosetwitch.domain.problems import FieldProblem
from nosetwitch.services.diary import CheckAnswer
from nosetwitch.triage import TriageResult, triage
from nosetwitch.triage import questionnaire as qn


@dataclass(frozen=True)
class CheckOutcome:
    """A finished (or emergency-stopped) check."""

    answers: dict[str, Any]
    records: qn.CheckRecords  # what the answers made
    emergency: qn.Question | None  # the question of the sign that made it an emergency
    saved: CheckAnswer | None  # what was stored, None with save=False
    result: TriageResult  # triage of the diary plus the records, at the moment of the check


def diary_with(diary: Diary, records: qn.CheckRecords) -> Diary:
    """The diary plus a check's records (nothing stored)."""
    return diary.model_copy(
        update={
            "symptoms": [*diary.symptoms, *records.symptoms],
            "medications": [*diary.medications, *records.medications],
        }
    )


class CheckDiary(Protocol):
    """What a check needs of the person's diary: `DiaryService`, or the server's wrapper of it."""

    def save_check_answer(self, symptoms: Sequence[Symptom], medications: Sequence[Medication], answered_at: dt.datetime) -> CheckAnswer: ...

    def load_diary(self, as_of: dt.datetime | None = None) -> Diary: ...


def finish_check(service: CheckDiary | None, answers: dict[str, Any], now: dt.datetime, *, save: bool, diary: Diary | None = None) -> CheckOutcome:
    """Save the answers' records through `service` (when `save`) and triage at `now`.

    `service` is a `DiaryService` (or the web's serialized one). Without saving,
    `diary` (default: the stored one) is triaged with the records added.
    """
    records = qn.records_from_answers(answers, now)
    saved = None
    if service is None and (save or diary is None):
        raise ValueError("a check that is saved, or triaged with the stored diary, needs the diary's service")
    if save and service is not None:
        saved = service.save_check_answer(records.symptoms, records.medications, now)
        result = triage(service.load_diary(as_of=now), now)
    else:
        base = diary if diary is not None or service is None else service.load_diary(as_of=now)
        assert base is not None
        result = triage(diary_with(base, records), now)
    return CheckOutcome(answers, records, qn.emergency_question(answers), saved, result)


def raw_answer(value: object) -> str:
    """An answer as the text the questionnaire parses (true -> 'yes', a list -> 'a,b')."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def read_answers(raw: Mapping[str, object], *, unknown_questions: bool = True) -> tuple[dict[str, Any], tuple[FieldProblem, ...]]:
    """(the answers understood, a problem for each answer that was not), by question id.

    `unknown_questions`: whether an id that names no question is a problem (the
    API says so) or is left out (a page ignores stale or foreign fields: the
    questions decide what is asked)."""
    answers: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for question_id, value in raw.items():
        try:
            q = qn.question(question_id)
        except KeyError:
            if unknown_questions:
                problems.append(FieldProblem(question_id, "no such question (see GET /api/v1/check/questions)"))
            continue
        try:
            answers[q.id] = qn.parse_answer(q, raw_answer(value))
        except ValueError as exc:
            problems.append(FieldProblem(question_id, str(exc)))
    return answers, tuple(problems)


@dataclass(frozen=True)
class CheckStep:
    """Where a check stands after the answers so far: the next question, or the end."""

    answers: dict[str, Any]
    question: qn.Question | None  # asked next; None when the check is over
    outcome: CheckOutcome | None  # the end (saved unless save=False); None while questions remain


def next_step(service: CheckDiary | None, answers: dict[str, Any], now: dt.datetime, *, save: bool, diary: Diary | None = None) -> CheckStep:
    """The next question for these answers, or, when none is left (or an answer made an
    emergency), the finished check (`finish_check`)."""
    following = qn.next_question(answers)
    if following is not None:
        return CheckStep(answers, following, None)
    return CheckStep(answers, None, finish_check(service, answers, now, save=save, diary=diary))
