"""The end of a check: save what the answers made (or not) and triage the diary with it.

The CLI (`nosetwitch check`), the web *Check* page and the API's check all
finish a check here, so the level a check shows is always `triage` of the
stored diary plus the records its answers made, and check answers are
stored only by `DiaryService.save_check_answer` (one id scheme: `s<n>`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nosetwitch.domain.models import Diary
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


def finish_check(service, answers: dict[str, Any], now: dt.datetime, *, save: bool, diary: Diary | None = None) -> CheckOutcome:
    """Save the answers' records through `service` (when `save`) and triage at `now`.

    `service` is a `DiaryService` (or the web's serialized one). Without saving,
    `diary` (default: the stored one) is triaged with the records added.
    """
    records = qn.records_from_answers(answers, now)
    saved = None
    if save:
        saved = service.save_check_answer(records.symptoms, records.medications, now)
        result = triage(service.load_diary(as_of=now), now)
    else:
        base = diary if diary is not None else service.load_diary(as_of=now)
        result = triage(diary_with(base, records), now)
    return CheckOutcome(answers, records, qn.emergency_question(answers), saved, result)
