"""The words triage uses: level headlines, symptom names, dates people read.

Plain language, no diagnosis: we name the pattern and what to do, say
"can be a sign of", never "you have".
"""

from __future__ import annotations

import datetime as dt

from nosetwitch.domain import vocabulary
from nosetwitch.domain.models import Symptom, SymptomCode
from nosetwitch.domain.vocabulary import LEVEL_WORDS
from nosetwitch.knowledge import knowledge
from nosetwitch.triage.result import Level, TriageResult

HEADLINE = {level: LEVEL_WORDS[level.value].headline for level in Level}
INSTRUCTION = {level: LEVEL_WORDS[level.value].instruction for level in Level}
"""The level's words by `Level` (defined once, in `domain.vocabulary.LEVEL_WORDS`)."""

NOT_A_DIAGNOSIS = (
    f"This is {vocabulary.NOT_A_DIAGNOSIS}: it only reflects what is in your diary. "
    "If you are worried, get help whatever this says."
)

SYMPTOM_NAME = {
    SymptomCode.FACIAL_DROOP: "drooping of the face",
    SymptomCode.WEAKNESS: "weakness",
    SymptomCode.NUMBNESS: "numbness or tingling",
    SymptomCode.VISION_CHANGE: "change in sight",
    SymptomCode.PAIN: "pain",
    SymptomCode.SPEECH_DIFFICULTY: "trouble speaking",
    SymptomCode.SWALLOWING_DIFFICULTY: "trouble swallowing",
    SymptomCode.BALANCE_LOSS: "loss of balance",
    SymptomCode.SEVERE_HEADACHE: "severe headache",
    SymptomCode.EYELID_CLOSURE: "eye forced shut by the spasm",
    SymptomCode.OTHER: "other symptom",
}


def day_text(day: dt.date, today: dt.date) -> str:
    """'8 March', with the year when it is not the current one."""
    text = f"{day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def day_range_text(first: dt.date, last: dt.date, today: dt.date) -> str:
    """'8–10 March', '28 February – 2 March', or one day."""
    if first == last:
        return day_text(first, today)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_text(last, today)}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {day_text(last, today)}"
    return f"{first.day} {first:%B} {first.year} – {last.day} {last:%B} {last.year}"


def describe_symptom(symptom: Symptom, local_start: dt.datetime, local_end: dt.datetime | None, today: dt.date) -> str:
    """'sudden weakness (left arm) on 8 March at 20:00, gone by 20:30'."""
    words = [symptom.onset.value if symptom.onset.value != "unknown" else "", SYMPTOM_NAME[symptom.code]]
    details = [f"{symptom.detail.value} vision"] if symptom.detail is not None else []
    where = " ".join(p.value for p in (symptom.side, symptom.region) if p is not None)
    if where:
        details.append(where)
    if details:
        words.append(f"({', '.join(details)})")
    text = " ".join(w for w in words if w)
    text += f" from {day_text(local_start.date(), today)} at {local_start:%H:%M}"
    if local_end is None:
        return text + ", still there"
    if local_end.date() == local_start.date():
        return text + f", gone by {local_end:%H:%M}"
    return text + f", gone by {day_text(local_end.date(), today)} at {local_end:%H:%M}"


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


ADVICE_HEADING = {level: LEVEL_WORDS[level.value].advice_heading for level in Level}
"""The heading of the self-care advice. At `emergency` it is something for later,
shown only after the instruction to call (policy: "Every place that shows a result")."""


def emergency_safety_net() -> str:
    """The safety net's emergency line: every stroke-type sign in plain words, call even if
    it passes. Defined once in `knowledge/warning_signs.toml`; the CLI, web pages, PDF, API
    and the README banner show this same text."""
    return next(line.text for line in knowledge().safety_net if line.level == "emergency")


def plain_summary(result: TriageResult) -> str:
    """The result in a few plain sentences, what to do first: at `emergency` the
    instruction to call comes first, then why; at other levels the headline, the
    instruction, then the main reason."""
    main = result.reasons[0].summary if result.reasons else ""
    if result.level is Level.EMERGENCY:
        return f"{INSTRUCTION[Level.EMERGENCY]} Why: {main}".strip()
    return " ".join(part for part in (f"{HEADLINE[result.level]}.", INSTRUCTION[result.level], main) if part)
