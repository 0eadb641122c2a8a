"""The questions of `nosetwitch check` and of the web *Check* page, as data (policy section
"The check questionnaire").

The CLI, the web page and the API all walk these questions and turn the
answers into diary records with `records_from_answers`; nothing else
decides what a check asks or stores.

First come the stroke-type signs in BE-FAST order (Balance, Eyes, Face,
Arm, Speech, then numbness, swallowing and headache). Each sign is asked
with a plain yes/no question; a yes is followed by the sign's detail (the
side of numbness, the kind of change in sight) and by how it started:

- *suddenly, within minutes* (onset `sudden`),
- *I woke up with it / I don't know when it started* (onset `unknown`),
- *slowly, over hours or days* (onset `gradual`).

The moment an answer makes a stroke sign (a stroke-type symptom with onset
`sudden` or `unknown`, noticed now: `triage.rules.stroke_sign` fires for
it), the questions stop and the emergency instruction is shown. After the
signs come pain, an eye forced shut, and the medicines taken. A check logs
no twitch episode: it records symptoms and medicines only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from nosetwitch.domain.models import (
    Medication,
    Onset,
    Region,
    Symptom,
    SymptomCode,
    SymptomSide,
    VisionDetail,
)
from nosetwitch.triage.rules import is_stroke_type

Kind = Literal["yes_no", "choice", "text"]

CHECK_NOTE = "nosetwitch check"
"""Every symptom a check records carries a note starting with this."""


@dataclass(frozen=True)
class Choice:
    """One answer to a choice question: the stored `value`, the words people read and type."""

    value: str
    label: str
    words: tuple[str, ...] = ()  # other words (and the number) understood as this choice


@dataclass(frozen=True)
class Question:
    """One question. `sign` names the stroke-type sign a question belongs to (its yes/no
    question, the detail and the onset); `ask_if` is (question id, answer) that must have
    been given for it to be asked."""

    id: str
    text: str
    kind: Kind = "yes_no"
    hint: str = ""
    sign: str | None = None
    choices: tuple[Choice, ...] = ()
    ask_if: tuple[str, Any] | None = None

    @property
    def emergency(self) -> bool:
        """A question about a stroke-type sign: an answer to it can mean 'call now'."""
        return self.sign is not None

    def choice(self, value: str) -> Choice:
        return next(c for c in self.choices if c.value == value)


@dataclass(frozen=True)
class Sign:
    """A symptom the check asks about: the yes/no question's id is the sign's id."""

    id: str
    code: SymptomCode
    region: Region | None = None
    stroke_type: bool = True  # asked with detail and onset


ONSET_CHOICES = (
    Choice("sudden", "Suddenly, within minutes", ("suddenly", "minutes", "1")),
    Choice("unknown", "I woke up with it, or I don't know when it started", ("woke", "don't know", "dont know", "not sure", "2")),
    Choice("gradual", "Slowly, over hours or days", ("slowly", "slow", "gradual", "hours", "days", "3")),
)
SIDE_CHOICES = (
    Choice("left", "Left side", ("l", "1")),
    Choice("right", "Right side", ("r", "2")),
    Choice("both", "Both sides", ("both sides", "3")),
    Choice("not_sure", "Not sure", ("not sure", "unsure", "don't know", "dont know", "4")),
)
VISION_CHOICES = (
    Choice("blurred", "Blurred", ("blurry", "blur", "1")),
    Choice("double", "Double", ("2",)),
    Choice("loss", "Lost, in part or all of what I see", ("lost", "gone", "dark", "3")),
)

SIGNS: tuple[Sign, ...] = (
    Sign("balance", SymptomCode.BALANCE_LOSS),
    Sign("vision", SymptomCode.VISION_CHANGE, Region.EYE),
    Sign("face", SymptomCode.FACIAL_DROOP, Region.FACE),
    Sign("weakness", SymptomCode.WEAKNESS),
    Sign("speech", SymptomCode.SPEECH_DIFFICULTY),
    Sign("numbness", SymptomCode.NUMBNESS),
    Sign("swallowing", SymptomCode.SWALLOWING_DIFFICULTY, Region.MOUTH),
    Sign("headache", SymptomCode.SEVERE_HEADACHE, Region.HEAD),
    Sign("pain", SymptomCode.PAIN, stroke_type=False),
    Sign("eyelid_closure", SymptomCode.EYELID_CLOSURE, Region.EYE, stroke_type=False),
)
_SIGN = {s.id: s for s in SIGNS}

_NOW = "now, or at any time today (even if it has passed)"


def _onset(sign: str, what: str) -> Question:
    return Question(f"{sign}_onset", f"How did the {what} start?", "choice", sign=sign, choices=ONSET_CHOICES, ask_if=(sign, True))


QUESTIONS: tuple[Question, ...] = (
    Question("balance", f"Balance: have you lost your balance, or become very dizzy or unsteady on your feet, {_NOW}?", sign="balance"),
    _onset("balance", "trouble with your balance"),
    Question("vision", f"Eyes: has your sight changed {_NOW}: blurred, double, or lost in one or both eyes?", sign="vision"),
    Question("vision_detail", "How has your sight changed?", "choice", sign="vision", choices=VISION_CHOICES, ask_if=("vision", True)),
    _onset("vision", "change in your sight"),
    Question(
        "face",
        f"Face: look in a mirror and smile. Does one side of your face droop or not move, {_NOW}?",
        hint="An eye that will not close, a crooked smile, or food or drink escaping from one side of the mouth count too.",
        sign="face",
    ),
    _onset("face", "drooping"),
    Question(
        "weakness",
        f"Arms and legs: lift both arms and hold them there. Does one drift down, or is an arm or a leg weak, {_NOW}?",
        sign="weakness",
    ),
    _onset("weakness", "weakness"),
    Question(
        "speech",
        f"Speech: is your speech slurred or muddled, is it hard to find words or to understand others, or are you confused, {_NOW}?",
        sign="speech",
    ),
    _onset("speech", "trouble with speaking or understanding"),
    Question("numbness", f"Do you have numbness or tingling in your face, an arm or a leg, {_NOW}?", sign="numbness"),
    Question("numbness_side", "On which side is the numbness or tingling?", "choice", sign="numbness", choices=SIDE_CHOICES, ask_if=("numbness", True)),
    _onset("numbness", "numbness or tingling"),
    Question("swallowing", f"Is swallowing difficult, {_NOW}?", sign="swallowing"),
    _onset("swallowing", "trouble swallowing"),
    Question("headache", f"Do you have a very bad headache, the worst you have ever had, {_NOW}?", sign="headache"),
    _onset("headache", "headache"),
    Question("pain", "Do you have pain in your face, eye, ear or head?"),
    Question("eyelid_closure", "Does the twitching force your eye shut?"),
    Question("medicines", "Which medicines do you take regularly? Names separated by commas, or leave empty.", "text"),
)
_BY_ID = {q.id: q for q in QUESTIONS}

YES = frozenset({"yes", "y", "yeah", "yep", "yup", "sure", "ja", "j", "oui", "si", "sí", "1", "true"})
NO = frozenset({"no", "n", "nope", "nah", "nein", "non", "0", "false"})


def question(question_id: str) -> Question:
    return _BY_ID[question_id]


def understood_yes_no(raw: str) -> bool | None:
    """yes/y/yeah/yep/sure/ja/1 -> True, no/n/nope/nein/0 -> False, in any case and with
    spaces or a full stop around; anything else -> None."""
    text = raw.strip().strip(".!").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def parse_answer(q: Question, raw: str) -> Any:
    """The answer typed for a question as a value, or ValueError saying what is expected."""
    if q.kind == "yes_no":
        answer = understood_yes_no(raw)
        if answer is None:
            raise ValueError("please answer yes or no (y/n)")
        return answer
    if q.kind == "text":
        return raw.strip()
    text = " ".join(raw.strip().strip(".").lower().replace("_", " ").replace("’", "'").split())
    text = text.removeprefix("i ")  # "I woke up", "I don't know"
    for c in q.choices:
        if text and text in (c.value.replace("_", " "), c.label.lower().removeprefix("i "), *c.words):
            return c.value
    # "over hours or days", "I woke up with it": the one choice whose own words appear
    fitting = {c.value for c in q.choices for word in (c.value.replace("_", " "), *c.words) if len(word) > 2 and word in text}
    if len(fitting) == 1:
        return fitting.pop()
    expected = "; ".join(f"{n} {c.label}" for n, c in enumerate(q.choices, 1))
    raise ValueError(f"please answer with a number or a word: {expected}")


def _sign_symptom(sign: Sign, answers: dict[str, Any], now: dt.datetime) -> Symptom | None:
    """The symptom a sign's answers describe, or None when it was answered no (or not yet)."""
    if answers.get(sign.id) is not True:
        return None
    side = answers.get("numbness_side") if sign.id == "numbness" else None
    detail = answers.get("vision_detail") if sign.id == "vision" else None
    onset = answers.get(f"{sign.id}_onset") if sign.stroke_type else None
    return Symptom(
        id=f"check-{sign.id}",
        code=sign.code,
        # An onset not given yet counts as unknown, the safe side: with `now` it is a stroke sign.
        onset=Onset(onset) if onset else Onset.UNKNOWN,
        started_at=now,
        side=SymptomSide(side) if side in ("left", "right", "both") else None,
        region=sign.region,
        detail=VisionDetail(detail) if detail else None,
        note=f"{CHECK_NOTE}: {sign.id}",
    )


def is_emergency_symptom(symptom: Symptom) -> bool:
    """A symptom noticed now that `stroke_sign` makes an emergency: stroke-type with onset sudden or unknown."""
    return is_stroke_type(symptom) and symptom.onset in (Onset.SUDDEN, Onset.UNKNOWN)


_PROBE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def emergency_sign(answers: dict[str, Any]) -> Sign | None:
    """The sign whose complete answers make an emergency, if any (side and onset given)."""
    for sign in SIGNS:
        if not sign.stroke_type or answers.get(sign.id) is not True or f"{sign.id}_onset" not in answers:
            continue
        symptom = _sign_symptom(sign, answers, _PROBE)
        if symptom is not None and is_emergency_symptom(symptom):
            return sign
    return None


def emergency_question(answers: dict[str, Any]) -> Question | None:
    """The yes/no question of the sign that made an emergency (what the person said yes to)."""
    sign = emergency_sign(answers)
    return None if sign is None else _BY_ID[sign.id]


def is_asked(q: Question, answers: dict[str, Any]) -> bool:
    return q.ask_if is None or answers.get(q.ask_if[0]) == q.ask_if[1]


def next_question(answers: dict[str, Any]) -> Question | None:
    """The next question to ask, or None when done (or an emergency answer ended it)."""
    if emergency_sign(answers) is not None:
        return None
    return next((q for q in QUESTIONS if q.id not in answers and is_asked(q, answers)), None)


def asked_so_far(answers: dict[str, Any]) -> int:
    return sum(1 for q in QUESTIONS if q.id in answers and is_asked(q, answers))


@dataclass(frozen=True)
class CheckRecords:
    """What a check's answers add to the diary: symptoms and medicines, never a twitch episode."""

    symptoms: tuple[Symptom, ...] = ()
    medications: tuple[Medication, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.symptoms and not self.medications


def records_from_answers(answers: dict[str, Any], now: dt.datetime) -> CheckRecords:
    """Diary records for the answers given at `now` (an aware instant).

    A symptom (started now, still there) for every sign answered yes, with its
    detail, side and onset; a medication (start unknown) for every name given.
    The symptoms' ids are placeholders (`check-<sign>`): the service that stores
    them gives them the diary's own ids.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a UTC offset")
    symptoms = tuple(s for s in (_sign_symptom(sign, answers, now) for sign in SIGNS) if s is not None)
    names = [n.strip() for n in str(answers.get("medicines") or "").split(",") if n.strip()]
    by_lower = {name.lower(): name for name in reversed(names)}
    medications = tuple(Medication(name=by_lower[name.lower()]) for name in dict.fromkeys(n.lower() for n in names))
    return CheckRecords(symptoms, medications)
