"""The check ("is this serious?") on the web: the questions of
`nosetwitch.triage.questionnaire`, one at a time, the signs of a stroke first.

The answers so far travel in hidden form fields (`a_<question id>`), so the
check works without JavaScript and without server-side state. The moment an
answer makes an emergency, the questions stop and a full-screen instruction
to call the emergency number is shown; the same screen is shown when the
stored diary (not an answer) puts the result at `emergency`. Reading the
answers, the next question and the end of a check (saved by the one service
function, unless the person unticked that) are `services.check`'s, which the
CLI uses too; this module only shapes them for the API and the page. "I
answered by mistake" removes exactly the records that answer made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypedDict

from nosetwitch.domain.vocabulary import CALL_NOW
from nosetwitch.interfaces.web import usecases
from nosetwitch.interfaces.web.deps import Viewer
from nosetwitch.interfaces.web.problems import Problem, errors_json
from nosetwitch.services.check import CheckOutcome, next_step, raw_answer, read_answers
from nosetwitch.services.diary import CheckAnswer
from nosetwitch.triage import Level
from nosetwitch.triage import questionnaire as qn
from nosetwitch.triage.wording import ADVICE_HEADING, INSTRUCTION, plain_summary

EMERGENCY_INSTRUCTION = INSTRUCTION[Level.EMERGENCY]
TITLES = {"check.html": "Check", "check_emergency.html": CALL_NOW, "check_result.html": "Check result"}
"""The page title of each step's template."""


def questions() -> tuple[qn.Question, ...]:
    return qn.QUESTIONS


def question_json(q: qn.Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": q.text,
        "kind": q.kind,
        "hint": q.hint,
        "emergency": q.emergency,
        "choices": [{"value": c.value, "label": c.label} for c in q.choices],
        "ask_if": {"question": q.ask_if[0], "answer": q.ask_if[1]} if q.ask_if else None,
    }


def questions_json() -> list[dict[str, Any]]:
    return [question_json(question) for question in questions()]


def parse_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed answers, or a 422 problem naming each question whose answer was not understood."""
    answers, problems = read_answers(raw)
    if problems:
        raise Problem(422, str(problems[0]), errors=errors_json(problems))
    return answers


def saved_json(outcome: CheckOutcome) -> dict[str, Any] | None:
    saved = outcome.saved
    if saved is None:
        return None
    return {
        "check_id": saved.check_id,
        "symptoms": [s.id for s in saved.symptoms],
        "medications": [m.record.name for m in saved.medications],
    }


def evaluate(viewer: Viewer, raw: dict[str, Any], *, save: bool) -> dict[str, Any]:
    """The API's check: the next question, or the end (saved unless `save=false`) with the triage."""
    shown = next_step(viewer.diary, parse_answers(raw), usecases.now_for(viewer), save=save)
    result: dict[str, Any] = {"emergency": False, "instruction": None, "next_question": None, "saved": None, "triage": None}
    if shown.outcome is None:
        assert shown.question is not None
        result["next_question"] = question_json(shown.question)
        return result
    outcome = shown.outcome
    emergency = outcome.result.level is Level.EMERGENCY
    result.update(
        emergency=emergency,
        instruction=EMERGENCY_INSTRUCTION if emergency else None,
        saved=saved_json(outcome),
        triage={**outcome.result.to_dict(), "summary": plain_summary(outcome.result)},
    )
    return result


# --- the page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What the page shows for the answers posted so far: a template and its values."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    outcome: CheckOutcome | None = None

    @property
    def level(self) -> Level | None:
        """The level the page shows (None while questions remain)."""
        return None if self.outcome is None else self.outcome.result.level

    @property
    def title(self) -> str:
        return TITLES[self.template]


def _answers_of_form(form: Any) -> tuple[dict[str, Any], str | None, str | None]:
    """(answers understood, question asked now, message when its answer was not understood)."""
    raw = {key[2:]: value for key, value in form.items() if key.startswith("a_")}
    current = form.get("question")
    if current in {q.id for q in qn.QUESTIONS}:
        raw[current] = form.get("answer", "")
    answers, problems = read_answers(raw, unknown_questions=False)
    error = next((problem.message for problem in problems if problem.field == current), None)  # asked again with it
    return answers, current, error


def step(viewer: Viewer, form: Any) -> Step:
    """The next step of the check for a posted form (the web page's handler, without HTML)."""
    answers, _, error = _answers_of_form(form)
    save = "1" in form.getlist("save") if form else True  # the box, or the hidden "0" when unticked
    shown = next_step(viewer.diary, answers, usecases.now_for(viewer), save=save)
    if shown.outcome is None:
        return Step(
            "check.html",
            {
                "question": shown.question,
                "answers": {k: raw_answer(v) for k, v in answers.items() if qn.is_asked(qn.question(k), answers)},
                "number": qn.asked_so_far(answers) + 1,
                "save": save,
                "error": error,
                "started": bool(answers),
            },
        )
    outcome = shown.outcome
    result = outcome.result
    values = {
        "triage": result,
        "main_reason": result.reasons[0] if result.reasons else None,
        "saved": outcome.saved,
        "answered": outcome.emergency,
        "advice_heading": ADVICE_HEADING[result.level],
        "instruction": INSTRUCTION[result.level],
    }
    if result.level is Level.EMERGENCY:
        return Step("check_emergency.html", values, outcome)
    return Step("check_result.html", values, outcome)


def undo(viewer: Viewer, check_id: str) -> CheckAnswer:
    """Remove exactly the records the check answer `check_id` made (404 when nothing is left)."""
    return usecases.call(viewer.diary.undo_check_answer, check_id)


class LevelPageWords(TypedDict):
    instruction: str
    advice_heading: str


def emergency_words(level: Level) -> LevelPageWords:
    """The instruction and the heading of the advice for a level, for the overview."""
    return {"instruction": INSTRUCTION[level], "advice_heading": ADVICE_HEADING[level]}


def still_there(viewer: Viewer, as_of: dt.datetime) -> list:
    """Symptoms a check recorded that are still open: the overview asks "Is it still there?"
    so that a sign answered once does not keep the level up for ever unnoticed."""
    return viewer.diary.read(
        lambda diary, _timeline: [
            s for s in diary.symptoms
            if s.ended_at is None and s.started_at <= as_of and (s.note or "").startswith(qn.CHECK_NOTE)
        ]
    )
