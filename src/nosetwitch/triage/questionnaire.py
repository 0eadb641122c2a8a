"""The questions of `nosetwitch check` (and the web check page), as data.

The emergency questions come first, in BE-FAST order (Balance, Eyes, Face,
Arm, Speech, then the other sudden signs), one at a time: a single "yes"
ends the questionnaire and the emergency instruction is shown before
anything else. The remaining questions follow. `records_from_answers` turns
the answers into diary records (one episode, a symptom per "yes",
medicines named); it is pure, so the CLI and the web app share it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from nosetwitch.domain.models import (
    Episode,
    Interference,
    Medication,
    Onset,
    Region,
    Side,
    Site,
    Symptom,
    SymptomCode,
    SymptomSide,
    VisionDetail,
)

Kind = Literal["yes_no", "choice", "multi", "text"]


@dataclass(frozen=True)
class Question:
    """One question. A "yes" to a question with a `symptom` records that symptom."""

    id: str
    text: str
    kind: Kind = "yes_no"
    hint: str = ""
    emergency: bool = False  # a yes stops the questionnaire: call the emergency number
    symptom: SymptomCode | None = None
    onset: Onset = Onset.UNKNOWN
    region: Region | None = None
    detail: VisionDetail | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    ask_if_yes: str | None = None  # only asked when that question was answered yes


def _sudden(qid: str, text: str, code: SymptomCode, region: Region | None = None, hint: str = "", detail=None) -> Question:
    return Question(qid, text, hint=hint, emergency=True, symptom=code, onset=Onset.SUDDEN, region=region, detail=detail)


EMERGENCY_QUESTIONS: tuple[Question, ...] = (
    _sudden("balance", "Balance: did you suddenly lose your balance, or become very dizzy or unsteady on your feet?", SymptomCode.BALANCE_LOSS),
    _sudden("eyes", "Eyes: did you suddenly lose sight, or start seeing double, in one or both eyes?", SymptomCode.VISION_CHANGE, Region.EYE),
    _sudden(
        "face",
        "Face: look in a mirror and smile. Has one side of your face suddenly dropped, or does one side not move?",
        SymptomCode.FACIAL_DROOP,
        Region.FACE,
    ),
    _sudden(
        "arm",
        "Arms: lift both arms and hold them there. Does one drift down, or has an arm or leg suddenly become weak?",
        SymptomCode.WEAKNESS,
        Region.ARM,
    ),
    _sudden("numb", "Has numbness or tingling suddenly started on one side of your face or body?", SymptomCode.NUMBNESS),
    _sudden(
        "speech",
        "Speech: has your speech suddenly become slurred or muddled, or is it suddenly hard to find words or understand others?",
        SymptomCode.SPEECH_DIFFICULTY,
        Region.MOUTH,
    ),
    _sudden("swallow", "Has swallowing suddenly become difficult?", SymptomCode.SWALLOWING_DIFFICULTY, Region.MOUTH),
    _sudden("headache", "Did a sudden, very severe headache start: the worst you have ever had?", SymptomCode.SEVERE_HEADACHE, Region.HEAD),
)

OTHER_QUESTIONS: tuple[Question, ...] = (
    Question(
        "face_slow",
        "Over the last hours or days, has one side of your face become weak or droopy "
        "(an eye that will not close, a crooked smile, food or drink escaping from the mouth)?",
        symptom=SymptomCode.FACIAL_DROOP,
        onset=Onset.GRADUAL,
        region=Region.FACE,
    ),
    Question("numb_slow", "Do you have numbness or tingling that came on slowly?", symptom=SymptomCode.NUMBNESS, onset=Onset.GRADUAL),
    Question(
        "numb_side",
        "On which side is the numbness or tingling?",
        kind="choice",
        choices=("left", "right", "both", "not sure"),
        default="not sure",
        ask_if_yes="numb_slow",
    ),
    Question(
        "vision_slow",
        "Has your sight become blurred or double gradually?",
        symptom=SymptomCode.VISION_CHANGE,
        onset=Onset.GRADUAL,
        region=Region.EYE,
    ),
    Question("pain", "Do you have pain in your face, eye, ear or head?", symptom=SymptomCode.PAIN),
    Question("eyelid_closure", "Does the twitching force your eye shut?", symptom=SymptomCode.EYELID_CLOSURE, region=Region.EYE),
    Question(
        "sites",
        "Where is it twitching? Name one or more, separated by commas.",
        kind="multi",
        choices=tuple(site.value for site in Site),
        default=("nose",),
    ),
    Question(
        "side",
        "On which side of your face?",
        kind="choice",
        choices=("left", "right", "both", "center", "not sure"),
        default="not sure",
    ),
    Question(
        "interferes",
        "Does it get in the way of eating, speaking, sleeping or seeing? Name any, separated by commas, or leave empty.",
        kind="multi",
        choices=tuple(i.value for i in Interference),
        default=(),
    ),
    Question(
        "medicines",
        "Which medicines do you take regularly? Names separated by commas, or leave empty.",
        kind="text",
        default="",
    ),
)

QUESTIONS: tuple[Question, ...] = EMERGENCY_QUESTIONS + OTHER_QUESTIONS
_BY_ID = {q.id: q for q in QUESTIONS}

YES = frozenset({"y", "yes"})
NO = frozenset({"n", "no"})


def question(question_id: str) -> Question:
    return _BY_ID[question_id]


def parse_answer(q: Question, raw: str) -> Any:
    """The answer typed for a question as a value, or ValueError saying what is expected."""
    text = raw.strip().lower()
    if q.kind == "yes_no":
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError("please answer yes or no (y/n)")
    if q.kind == "text":
        return raw.strip()
    if not text:
        if q.default is None:
            raise ValueError(f"please choose one of: {', '.join(q.choices)}")
        return q.default
    if q.kind == "choice":
        if text in q.choices:
            return text
        raise ValueError(f"please choose one of: {', '.join(q.choices)}")
    picked = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [p for p in picked if p not in q.choices]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not one of {', '.join(q.choices)}")
    return picked


def emergency_yes(answers: dict[str, Any]) -> Question | None:
    """The emergency question answered yes, if any."""
    return next((q for q in EMERGENCY_QUESTIONS if answers.get(q.id) is True), None)


def next_question(answers: dict[str, Any]) -> Question | None:
    """The next question to ask, or None when done (or an emergency answer ended it)."""
    if emergency_yes(answers) is not None:
        return None
    for q in QUESTIONS:
        if q.id in answers:
            continue
        if q.ask_if_yes is not None and answers.get(q.ask_if_yes) is not True:
            continue
        return q
    return None


@dataclass(frozen=True)
class CheckRecords:
    """What a finished (or emergency-stopped) check adds to the diary."""

    episode: Episode
    symptoms: tuple[Symptom, ...] = ()
    medications: tuple[Medication, ...] = field(default=())


def records_from_answers(answers: dict[str, Any], now: dt.datetime, *, id_prefix: str = "check") -> CheckRecords:
    """Diary records for the answers given at `now` (an aware instant).

    One episode starting now (sites, side and interference as answered;
    the nose when the check stopped early), one symptom for every "yes" to a
    symptom question, and a medication (start unknown) for every name given.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a UTC offset")
    symptoms = []
    for q in QUESTIONS:
        if q.symptom is None or answers.get(q.id) is not True:
            continue
        side = None
        if q.id == "numb_slow" and answers.get("numb_side") in ("left", "right", "both"):
            side = SymptomSide(answers["numb_side"])
        symptoms.append(
            Symptom(
                id=f"{id_prefix}-s{len(symptoms) + 1}",
                code=q.symptom,
                onset=q.onset,
                started_at=now,
                side=side,
                region=q.region,
                detail=q.detail,
                note=f"nosetwitch check: {q.id}",
            )
        )
    side = answers.get("side")
    episode = Episode(
        id=f"{id_prefix}-e1",
        started_at=now,
        sites=[Site(s) for s in answers.get("sites") or ("nose",)],
        side=Side(side) if side in {s.value for s in Side} else None,
        interferes_with=[Interference(i) for i in answers.get("interferes") or ()],
        note="nosetwitch check",
    )
    names = [n.strip() for n in str(answers.get("medicines") or "").split(",") if n.strip()]
    medications = tuple(Medication(name=name) for name in dict.fromkeys(names))
    return CheckRecords(episode, tuple(symptoms), medications)
