"""The `check` questions as data, and how answers become diary records."""

from __future__ import annotations

import datetime as dt

import pytest

from nosetwitch.domain.models import Diary, Onset, Person, SymptomCode
from nosetwitch.triage import Level, triage
from nosetwitch.triage.questionnaire import (
    EMERGENCY_QUESTIONS,
    QUESTIONS,
    next_question,
    parse_answer,
    question,
    records_from_answers,
)
from nosetwitch.triage.rules import is_stroke_type

NOW = dt.datetime(2026, 3, 10, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _diary(records) -> Diary:
    return Diary(person=Person(timezone="Europe/Berlin"), episodes=[records.episode], symptoms=list(records.symptoms),
                 medications=list(records.medications))


def test_emergency_questions_come_first_in_be_fast_order() -> None:
    assert QUESTIONS[: len(EMERGENCY_QUESTIONS)] == EMERGENCY_QUESTIONS
    assert not any(q.emergency for q in QUESTIONS[len(EMERGENCY_QUESTIONS):])
    starts = [q.text.split(":")[0] for q in EMERGENCY_QUESTIONS[:4]]
    assert starts == ["Balance", "Eyes", "Face", "Arms"]
    assert any(q.text.startswith("Speech") for q in EMERGENCY_QUESTIONS)
    covered = {q.symptom for q in EMERGENCY_QUESTIONS}
    assert covered == {c for c in SymptomCode if c not in (SymptomCode.PAIN, SymptomCode.EYELID_CLOSURE, SymptomCode.OTHER)}


@pytest.mark.parametrize("emergency", EMERGENCY_QUESTIONS, ids=lambda q: q.id)
def test_any_emergency_yes_ends_the_questions_and_triages_as_emergency(emergency) -> None:
    answers = {}
    while (q := next_question(answers)) is not None:
        answers[q.id] = q is emergency if q.kind == "yes_no" else q.default
    assert list(answers)[-1] == emergency.id  # nothing asked after the yes
    records = records_from_answers(answers, NOW)
    (symptom,) = records.symptoms
    assert symptom.onset is Onset.SUDDEN and is_stroke_type(symptom)
    assert triage(_diary(records), NOW).level is Level.EMERGENCY


def test_all_no_is_self_care_with_one_nose_episode() -> None:
    answers = {}
    while (q := next_question(answers)) is not None:
        answers[q.id] = False if q.kind == "yes_no" else q.default
    assert "numb_side" not in answers  # only asked after a yes to numbness
    records = records_from_answers(answers, NOW)
    assert records.symptoms == () and [s.value for s in records.episode.sites] == ["nose"]
    assert triage(_diary(records), NOW).level is Level.SELF_CARE


def test_slow_facial_weakness_is_urgent_and_numbness_side_is_kept() -> None:
    answers = {q.id: False for q in EMERGENCY_QUESTIONS}
    answers.update(face_slow=True, numb_slow=True, numb_side="both", sites=("nose", "eyelid", "mouth"), side="left",
                   interferes=("speaking",), medicines="Zyprexa, Zyprexa, vitamin D")
    records = records_from_answers(answers, NOW)
    codes = {s.code: s for s in records.symptoms}
    assert codes[SymptomCode.NUMBNESS].side.value == "both"
    assert [m.name for m in records.medications] == ["Zyprexa", "vitamin D"]
    result = triage(_diary(records), NOW)
    assert result.level is Level.URGENT
    assert set(result.reason_codes) >= {"facial_weakness", "accompanying_symptom", "hemifacial_pattern", "interferes", "medication_review"}


def test_parse_answer_accepts_what_people_type_and_explains_the_rest() -> None:
    assert parse_answer(question("face"), " Y ") is True
    assert parse_answer(question("face"), "no") is False
    with pytest.raises(ValueError, match="yes or no"):
        parse_answer(question("face"), "maybe")
    assert parse_answer(question("sites"), "nose, Eyelid,nose") == ("nose", "eyelid")
    assert parse_answer(question("sites"), "") == ("nose",)
    with pytest.raises(ValueError, match="elbow"):
        parse_answer(question("sites"), "nose, elbow")
    assert parse_answer(question("side"), "RIGHT") == "right"
    with pytest.raises(ValueError, match="choose one of"):
        parse_answer(question("side"), "up")


def test_now_must_carry_an_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        records_from_answers({}, dt.datetime(2026, 3, 10, 21, 0))
