"""HTML form values -> domain records, and records -> form values.

Browsers send every value as text; here they become the typed values the
strict domain models expect, and pydantic's errors come back as
`[{field, message}]` for the page to show beside the form.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from nosetwitch.domain.clock import zone
from nosetwitch.domain.models import DAY_FACTORS, DayCheckIn, Episode, Medication, Person, RemedyAttempt, Symptom
from nosetwitch.interfaces.web.problems import Problem, describe_errors


class FormError(ValueError):
    """The form has mistakes; `errors` lists them as {field, message}."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class FactorInput:
    """How one day factor is asked for: a slider for 0-10 scales and hours, a stepper otherwise."""

    field: str
    label: str
    control: str  # "slider" or "stepper"
    unit: str
    step: float
    max: float
    hint: str = ""

    @property
    def integer(self) -> bool:
        return self.field in INTEGER_FACTORS


INTEGER_FACTORS = frozenset({"stress", "facial_strain"})

FACTOR_INPUTS: tuple[FactorInput, ...] = (
    FactorInput("sleep_h", "Sleep last night", "slider", "hours", 0.5, 14, "hours asleep before this day"),
    FactorInput("stress", "Stress", "slider", "0 calm … 10 worst", 1, 10),
    FactorInput("caffeine_mg", "Caffeine", "stepper", "mg", 40, 2000, "a mug of coffee ≈ 90 mg, black tea ≈ 45 mg, cola ≈ 35 mg"),
    FactorInput("water_l", "Fluids", "stepper", "litres", 0.25, 10, "water, tea and other drinks"),
    FactorInput("nicotine_units", "Nicotine", "stepper", "cigarettes, pouches or vape sessions", 1, 100),
    FactorInput("alcohol_units", "Alcohol", "stepper", "standard drinks", 1, 50),
    FactorInput("facial_strain", "Facial strain", "slider", "0 none … 10 a lot", 1, 10, "long talking or singing, squinting, a wind instrument"),
    FactorInput("screen_h", "Screen time", "slider", "hours", 0.5, 16),
    FactorInput("exercise_min", "Exercise", "stepper", "minutes", 10, 600),
    FactorInput("magnesium_mg", "Magnesium", "stepper", "mg, food and supplements", 50, 2000),
    FactorInput("potassium_mg", "Potassium", "stepper", "mg", 250, 10000),
    FactorInput("calcium_mg", "Calcium", "stepper", "mg", 100, 5000),
)
assert {f.field for f in FACTOR_INPUTS} == set(DAY_FACTORS)


def _text(form, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _number(form, name: str, errors: list, *, integer: bool = False):
    raw = _text(form, name)
    if raw is None:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        errors.append({"field": name, "message": f"{raw!r} is not a number"})
        return None
    if integer:
        if value != int(value):
            errors.append({"field": name, "message": "must be a whole number"})
            return None
        return int(value)
    return value


def local_datetime(raw: str, timezone: str) -> dt.datetime:
    """A datetime-local value ('2026-03-10T14:30') in the person's zone, as an aware instant."""
    naive = dt.datetime.fromisoformat(raw)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zone(timezone))


def datetime_local_value(instant: dt.datetime | None, timezone: str) -> str:
    if instant is None:
        return ""
    return instant.astimezone(zone(timezone)).strftime("%Y-%m-%dT%H:%M")


def _instant(form, name: str, timezone: str, errors: list) -> dt.datetime | None:
    raw = _text(form, name)
    if raw is None:
        return None
    try:
        return local_datetime(raw, timezone)
    except ValueError:
        errors.append({"field": name, "message": f"{raw!r} is not a date and time"})
        return None


def _validate(model: type[BaseModel], data: dict[str, Any], errors: list) -> Any:
    if errors:
        raise FormError(errors)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormError(describe_errors(exc.errors(include_url=False))) from None


def _yes_no(form, name: str) -> bool | None:
    value = _text(form, name)
    return {"yes": True, "no": False}.get(value or "")


def episode_changes(form, timezone: str) -> dict[str, Any]:
    """The fields of the episode details form, checked as a whole episode."""
    errors: list = []
    data: dict[str, Any] = {
        "started_at": _instant(form, "started_at", timezone, errors),
        "duration_s": _number(form, "duration_s", errors),
        "intensity": _number(form, "intensity", errors, integer=True),
        "side": _text(form, "side"),
        "sites": form.getlist("sites") or ["nose"],
        "interferes_with": form.getlist("interferes_with"),
        "visible": _yes_no(form, "visible"),
        "note": _text(form, "note"),
    }
    if data["started_at"] is None and not errors:
        errors.append({"field": "started_at", "message": "when did it start?"})
    _validate(Episode, {"id": "check", **data}, errors)
    return data


def day_from_form(form, day: dt.date | None = None) -> DayCheckIn:
    """A check-in from the day form. A slider counts only when its 'record' box is ticked
    (a slider always sends a value); a stepper counts when it is not empty."""
    errors: list = []
    data: dict[str, Any] = {"date": day.isoformat() if day else _text(form, "date"), "note": _text(form, "note")}
    for factor in FACTOR_INPUTS:
        if factor.control == "slider" and not form.get(f"record_{factor.field}"):
            continue
        data[factor.field] = _number(form, factor.field, errors, integer=factor.integer)
    return _validate(DayCheckIn, data, errors)


def symptom_fields(form, timezone: str) -> dict[str, Any]:
    errors: list = []
    data = {
        "code": _text(form, "code"),
        "onset": _text(form, "onset") or "unknown",
        "started_at": _instant(form, "started_at", timezone, errors) or dt.datetime.now(zone(timezone)).replace(microsecond=0),
        "ended_at": _instant(form, "ended_at", timezone, errors),
        "side": _text(form, "side"),
        "region": _text(form, "region"),
        "severity": _number(form, "severity", errors, integer=True),
        "detail": _text(form, "detail"),
        "note": _text(form, "note"),
    }
    if not data["code"]:  # nothing is chosen for the person: a stroke sign must never be recorded by default
        errors.insert(0, {"field": "code", "message": "Choose what you notice from the list (nothing was saved)."})
    _validate(Symptom, {"id": "check", **data}, errors)
    return data


def remedy_fields(form, timezone: str) -> dict[str, Any]:
    errors: list = []
    data = {
        "code": _text(form, "code"),
        "at": _instant(form, "at", timezone, errors) or dt.datetime.now(zone(timezone)).replace(microsecond=0),
        "episode_id": _text(form, "episode_id"),
        "helped": _yes_no(form, "helped"),
        "note": _text(form, "note"),
    }
    _validate(RemedyAttempt, data, errors)
    return data


def medication_fields(form) -> dict[str, Any]:
    errors: list = []
    data = {"name": _text(form, "name"), "dose": _text(form, "dose"), "started": _text(form, "started"), "stopped": _text(form, "stopped")}
    _validate(Medication, data, errors)
    return data


def person_fields(form) -> dict[str, Any]:
    errors: list = []
    data = {"timezone": _text(form, "timezone"), "birth_year": _number(form, "birth_year", errors, integer=True), "sex": _text(form, "sex")}
    _validate(Person, data, errors)
    return data


TAP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def tap_fields(form) -> dict[str, Any]:
    """The one-tap log: {} (a new id, now), or the `id` and `started_at` a phone
    made for the tap when it was tapped (static/phone.js)."""
    fields: dict[str, Any] = {}
    errors = []
    tap_id = _text(form, "id")
    if tap_id is not None:
        if TAP_ID.fullmatch(tap_id):
            fields["id"] = tap_id
        else:
            errors.append({"field": "id", "message": "up to 64 letters, digits, - or _"})
    started = _text(form, "started_at")
    if started is not None:
        try:
            instant = dt.datetime.fromisoformat(started[:40])
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            errors.append({"field": "started_at", "message": "a date and time with its UTC offset, such as 2026-03-01T08:30:00Z"})
        else:
            fields["started_at"] = instant
    if errors:
        raise Problem(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
    return fields
