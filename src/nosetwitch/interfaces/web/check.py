"""The check ("is this serious?") on the web: the questions of
`nosetwitch.triage.questionnaire`, one at a time, emergency questions first.

The answers so far travel in hidden form fields (`a_<question id>`), so the
check works without JavaScript and without server-side state. A "yes" to an
emergency question ends it at once with a full-screen instruction to call
the emergency number; at the end the answers are saved to the diary (unless
the person unticked that) and the triage result is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from nosetwitch.interfaces.web.deps import Viewer
from nosetwitch.interfaces.web.problems import Problem
from nosetwitch.triage import questionnaire as qn

EMERGENCY_INSTRUCTION = "Call 112 / 911 / 999 now."


def questions() -> tuple[qn.Question, ...]:
    return qn.QUESTIONS


def question_json(q: qn.Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": q.text,
        "kind": q.kind,
        "hint": q.hint,
        "emergency": q.emergency,
        "choices": list(q.choices),
        "ask_if_yes": q.ask_if_yes,
    }


def raw_answer(value: Any) -> str:
    """An answer as the text the questionnaire parses (true -> 'yes', a list -> 'a,b')."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def parse_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed answers, or a 422 problem naming the question."""
    answers: dict[str, Any] = {}
    errors = []
    for question_id, value in raw.items():
        try:
            q = qn.question(question_id)
        except KeyError:
            errors.append({"field": question_id, "message": "no such question (see GET /api/v1/check/questions)"})
            continue
        try:
            answers[q.id] = qn.parse_answer(q, raw_answer(value))
        except ValueError as exc:
            errors.append({"field": question_id, "message": str(exc)})
    if errors:
        raise Problem(422, f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return answers


def save_answers(viewer: Viewer, answers: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Store the check's episode, symptoms and any medicine not yet in the diary."""
    records = qn.records_from_answers(answers, now, id_prefix=f"check{now.strftime('%Y%m%d%H%M%S')}")
    diary = viewer.diary
    diary.add_episode(records.episode)
    for symptom in records.symptoms:
        diary.add_symptom(symptom)
    added_medicines = []
    for medication in records.medications:
        if not diary.find_medications(medication.name):
            diary.add_medication(medication)
            added_medicines.append(medication.name)
    return {"episode": records.episode.id, "symptoms": [s.id for s in records.symptoms], "medications": added_medicines}


def evaluate(viewer: Viewer, raw: dict[str, Any], *, save: bool) -> dict[str, Any]:
    """The API's check: the next question, the emergency stop, or the saved result."""
    from nosetwitch.interfaces.web.usecases import now_for, triage_of

    answers = parse_answers(raw)
    emergency = qn.emergency_yes(answers)
    following = qn.next_question(answers)
    result: dict[str, Any] = {"emergency": emergency is not None, "instruction": None, "next_question": None, "saved": None, "triage": None}
    if emergency is None and following is not None:
        result["next_question"] = question_json(following)
        return result
    now = now_for(viewer)
    if save:
        result["saved"] = save_answers(viewer, answers, now)
    if emergency is not None:
        result["instruction"] = EMERGENCY_INSTRUCTION
    result["triage"] = (triage_of(viewer, now) if save else triage_unsaved(viewer, answers, now)).to_dict()
    return result


def triage_unsaved(viewer: Viewer, answers: dict[str, Any], now: dt.datetime):
    """Triage of the stored diary plus the answers, without writing anything."""
    from nosetwitch.triage import triage

    diary = viewer.diary.load_diary(as_of=now)
    records = qn.records_from_answers(answers, now, id_prefix=f"check{now.strftime('%Y%m%d%H%M%S')}")
    diary = diary.model_copy(
        update={
            "episodes": [*diary.episodes, records.episode],
            "symptoms": [*diary.symptoms, *records.symptoms],
            "medications": [*diary.medications, *records.medications],
        }
    )
    return triage(diary, now)


# --- the page ------------------------------------------------------------------------------


def page(request: Request, viewer: Viewer, form) -> Any:
    """Render the next step of the check for the answers posted so far."""
    from nosetwitch.interfaces.web.pages import render
    from nosetwitch.interfaces.web.usecases import now_for, triage_of

    raw = {key[2:]: value for key, value in form.items() if key.startswith("a_")}
    current = form.get("question")
    if current:
        q = qn.question(current) if current in {x.id for x in qn.QUESTIONS} else None
        if q is not None:
            if q.kind == "multi":
                raw[q.id] = ",".join(form.getlist("answer"))
            else:
                raw[q.id] = form.get("answer", "")
    save = "1" in form.getlist("save") if form else True  # the box, or the hidden "0" when unticked
    error = None
    try:
        answers = parse_answers(raw)
    except Problem as exc:
        # Ask the question again with the message; keep the answers that were fine.
        answers = {}
        for question_id, value in raw.items():
            if question_id == current:
                continue
            try:
                answers[question_id] = qn.parse_answer(qn.question(question_id), raw_answer(value))
            except (KeyError, ValueError):
                pass
        error = exc.errors[0]["message"] if exc.errors else exc.detail
    emergency = qn.emergency_yes(answers)
    following = None if emergency else qn.next_question(answers)
    if emergency is None and following is not None:
        asked = [q for q in qn.QUESTIONS if q.id in answers]
        return render(
            request,
            "check.html",
            title="Check",
            question=following,
            answers={k: raw_answer(v) for k, v in answers.items()},
            number=len(asked) + 1,
            emergency_count=len(qn.EMERGENCY_QUESTIONS),
            save=save,
            error=error,
            started=bool(answers),
        )
    now = now_for(viewer)
    saved = save_answers(viewer, answers, now) if save else None
    if emergency is not None:
        return render(request, "check_emergency.html", title="Call 112 / 911 / 999 now", question=emergency, saved=saved)
    result = triage_of(viewer, now) if save else triage_unsaved(viewer, answers, now)
    main = result.reasons[0] if result.reasons else None
    return render(request, "check_result.html", title="Check result", triage=result, main_reason=main, saved=saved)
