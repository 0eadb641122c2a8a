"""HTML form values -> domain records, and records -> form values.

Browsers send every value as text; here they become the typed values the
strict domain models expect, and pydantic's errors come back as
`[{field, message}]` for the page to show beside the form.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from nosetwitch.domain import vocabulary
from nosetwitch.domain.clock import NonexistentLocalTime, duration_seconds, wall_time, zone
from nosetwitch.domain.models import (
    DAY_FACTORS,
    RESERVED_DAY_KEYS,
    DayCheckIn,
    Episode,
    Medication,
    OwnFactor,
    OwnFactorKind,
    Person,
    RemedyAttempt,
    Symptom,
)
from nosetwitch.interfaces.web.problems import Problem, describe_errors
from nosetwitch.knowledge import Drink
from nosetwitch.services.episodes import now_in


class FormError(ValueError):
    """The form has mistakes; `errors` lists them as {field, message}."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class FactorInput:
    """How one day factor is asked for on the check-in page.

    `kind` "number": a plain text box for any figure (validated and rounded
    to `decimals` here, never refused by a browser `step`); "scale": the
    0-10 choices. `more`: folded under "More" (most people cannot estimate mg
    of potassium). The words beside the box (label, unit, hint) are the
    vocabulary's (`domain.vocabulary.FACTORS`)."""

    field: str
    kind: str  # "number" or "scale"
    max: float
    decimals: int = 0
    more: bool = False

    @property
    def integer(self) -> bool:
        return self.kind == "scale"

    @property
    def label(self) -> str:
        return vocabulary.FACTORS[self.field].question

    @property
    def unit(self) -> str:
        return vocabulary.FACTORS[self.field].unit_words

    @property
    def hint(self) -> str:
        return vocabulary.FACTORS[self.field].hint


FACTOR_INPUTS: tuple[FactorInput, ...] = (
    FactorInput("sleep_h", "number", 24, 2),
    FactorInput("stress", "scale", 10),
    FactorInput("caffeine_mg", "number", 3000, 0),
    FactorInput("water_l", "number", 15, 2),
    FactorInput("nicotine_units", "number", 200, 1),
    FactorInput("alcohol_units", "number", 60, 1),
    FactorInput("facial_strain", "scale", 10, 0),
    FactorInput("screen_h", "number", 24, 2),
    FactorInput("exercise_min", "number", 1440, 0),
    FactorInput("magnesium_mg", "number", 5000, 0, more=True),
    FactorInput("potassium_mg", "number", 20000, 0, more=True),
    FactorInput("calcium_mg", "number", 10000, 0, more=True),
)
assert {f.field for f in FACTOR_INPUTS} == set(DAY_FACTORS)
FACTOR_BY_FIELD = {f.field: f for f in FACTOR_INPUTS}
MAX_DRINKS = 50


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
    return wall_time(naive, timezone)


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
    except NonexistentLocalTime as exc:
        errors.append({"field": name, "message": str(exc)})
        return None
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


DURATION_CHOICES = (("5", "A few seconds"), ("30", "About 30 seconds"), ("60", "About a minute"), ("longer", "Longer"), ("", "Not sure"))
"""The quick answers to "how long?"; the number is the seconds stored."""
FUTURE_SLACK = dt.timedelta(minutes=2)  # a clock a little ahead is not "the future"


def episode_changes(form, timezone: str, now: dt.datetime) -> dict[str, Any]:
    """The fields of the twitch details form, checked as a whole episode."""
    errors: list = []
    data: dict[str, Any] = {
        "started_at": _instant(form, "started_at", timezone, errors),
        "duration_s": _duration(form, errors),
        "intensity": _number(form, "intensity", errors, integer=True),
        "side": _text(form, "side"),
        "sites": form.getlist("sites") or ["nose"],
        "interferes_with": form.getlist("interferes_with"),
        "visible": _yes_no(form, "visible"),
        "note": _text(form, "note"),
    }
    started = data["started_at"]
    if started is None and not any(e["field"] == "started_at" for e in errors):
        errors.append({"field": "started_at", "label": "When it started", "message": "when did it start? Give a date and time"})
    elif started is not None and started > now + FUTURE_SLACK:
        errors.append({"field": "started_at", "label": "When it started", "message": f"{started.strftime('%d %B %Y, %H:%M')} is in the future: give when it really started"})
    _validate(Episode, {"id": "check", **data}, errors)
    return data


def _duration(form, errors: list) -> float | None:
    """The exact field when filled in, else the quick choice; 'Longer' needs the exact field."""
    exact = _text(form, "duration_exact")
    if exact is not None:
        try:
            seconds = duration_seconds(exact)
        except ValueError:
            errors.append({"field": "duration_exact", "label": "Exact length", "message": f"“{exact}” is not a length of time: write e.g. 45 (seconds), 2m or 1m30s"})
            return None
        if seconds > MAX_TWITCH_S:
            errors.append({"field": "duration_exact", "label": "Exact length", "message": "more than 24 hours: log each bout on its own"})
            return None
        return round(seconds, 1)
    choice = _text(form, "duration_choice")
    if choice == "longer":
        errors.append({"field": "duration_exact", "label": "How long", "message": "you chose “Longer”: about how long? Write e.g. 2m or 5m in the box"})
        return None
    if choice is None:
        return None
    if choice not in {value for value, _ in DURATION_CHOICES}:
        errors.append({"field": "duration_exact", "label": "How long", "message": "pick one of the choices"})
        return None
    return float(choice)


MAX_TWITCH_S = 86400


def episode_values(episode) -> dict[str, Any]:
    """A stored episode as the details form shows it."""
    duration = episode.duration_s
    quick = {float(value) for value, _ in DURATION_CHOICES if value.isdigit()}
    return {
        "intensity": str(episode.intensity or ""),
        "duration_choice": "" if duration is None else _plain(duration) if duration in quick else "longer" if duration > 60 else "exact",
        "duration_exact": "" if duration is None or duration in quick else _plain(duration),
        "side": episode.side.value if episode.side else "",
        "sites": [s.value for s in episode.sites],
        "interferes_with": [i.value for i in episode.interferes_with],
        "visible": {True: "yes", False: "no"}.get(episode.visible, ""),
        "note": episode.note or "",
        "remedy_code": "",
        "helped": "",
    }


def episode_form_values(form) -> dict[str, Any]:
    """What was sent, to show the form again with the person's own input."""
    values: dict[str, Any] = {name: str(value) for name, value in form.items() if isinstance(value, str)}
    for name in ("sites", "interferes_with"):
        values[name] = form.getlist(name)
    return values


def tried_remedy(form, timezone: str, episode_id: str, at: dt.datetime) -> RemedyAttempt | None:
    """The remedy part of the twitch details form; None when nothing was picked."""
    code = _text(form, "remedy_code")
    if code is None:
        return None
    data = {"code": code, "at": at, "episode_id": episode_id, "helped": _yes_no(form, "helped"), "note": None}
    try:
        return RemedyAttempt.model_validate(data)
    except ValidationError:
        raise FormError([{"field": "remedy-code", "label": "What you tried", "message": "pick one of the list"}]) from None


def amount(form, name: str, label: str, errors: list, *, maximum: float, decimals: int = 0, integer: bool = False, unit: str = "") -> float | int | None:
    """A figure typed by a person: '1,4' and '1.4' alike, rounded to `decimals`;
    None when empty. A mistake is added to `errors` as {field, label, message}."""
    raw = _text(form, name)
    if raw is None:
        return None

    def wrong(message: str) -> None:
        errors.append({"field": name, "label": label, "message": message})

    text = raw.replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        wrong(f"“{raw}” is not a number: write it in digits, e.g. {_example(maximum, decimals)}")
        return None
    if not math.isfinite(value) or value > maximum:
        wrong(f"“{raw}” is more than the {_plain(maximum)}{' ' + unit if unit else ''} this can be; check the figure")
        return None
    if value < 0:
        wrong("cannot be less than 0")
        return None
    if integer:
        if value != int(value):
            wrong("must be a whole number")
            return None
        return int(value)
    return round(value, decimals) if decimals else float(round(value))


def _plain(value: float) -> str:
    """2.5 -> '2.5', 90.0 -> '90', 1234.0 -> '1234' (never 1e+03)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _example(maximum: float, decimals: int) -> str:
    return "1.5" if decimals and maximum <= 50 else ("7" if maximum <= 50 else "90")


def shown(value: float | int | None) -> str:
    """A stored figure as a form shows it: 7.25 -> '7.25', 90.0 -> '90', None -> ''."""
    return "" if value is None else _plain(float(value))


@dataclass(frozen=True)
class DayForm:
    """What the day check-in page sent: the check-in and how its caffeine was made up."""

    day: DayCheckIn
    drinks: dict[str, float]
    drinks_mg: float


def day_from_form(form, day: dt.date, drinks: Sequence[Drink], own_factors: Sequence[OwnFactor] = (), *, existing: bool = False) -> DayForm:
    """The check-in of `day` from the day page. Every figure is checked and rounded here
    (browsers refuse nothing: 90 mg, 1.4 L and half a drink are all fine); `drinks` is the
    knowledge base's caffeinated drinks: their counts are added to the mg figure.
    Raises FormError listing each mistake at its field, or an empty form as one mistake."""
    errors: list = []
    data: dict[str, Any] = {"date": day, "note": _text(form, "note")}
    for factor in FACTOR_INPUTS:
        data[factor.field] = amount(form, factor.field, factor.label, errors, maximum=factor.max, decimals=factor.decimals, integer=factor.integer, unit=factor.unit if factor.kind == "number" else "")
    counts, drinks_mg = {}, 0.0
    for drink in drinks:
        count = amount(form, f"drink_{drink.key}", drink.name, errors, maximum=MAX_DRINKS, decimals=2, unit="drinks")
        if count:
            counts[drink.key] = count
            drinks_mg += drink.mg * count
    if counts:
        data["caffeine_mg"] = float(round((data["caffeine_mg"] or 0.0) + drinks_mg))
    data["own"] = own_values(form, own_factors, errors)
    if not errors and not data["own"] and all(data[name] is None for name in data if name not in ("date", "own")):
        remove = " To remove this day's check-in, use “Delete this check-in” below." if existing else ""
        errors.append({"field": "", "label": "", "message": "Nothing is filled in, so nothing was saved." + remove})
    return DayForm(_validate(DayCheckIn, data, errors), counts, drinks_mg)


MAX_OWN_NUMBER = 1_000_000


def own_values(form, factors: Sequence[OwnFactor], errors: list) -> dict[str, bool | int | float]:
    """The day's values of the person's own factors (fields `own_<key>`); empty ones are left out."""
    values: dict[str, bool | int | float] = {}
    for factor in factors:
        name = f"own_{factor.key}"
        if factor.kind is OwnFactorKind.YES_NO:
            answer = _yes_no(form, name)
            if answer is None and _text(form, name) is not None:
                errors.append({"field": name, "label": factor.label, "message": "answer yes or no"})
            value: Any = answer
        elif factor.kind is OwnFactorKind.SCALE:
            value = amount(form, name, factor.label, errors, maximum=10, integer=True)
        else:
            value = amount(form, name, factor.label, errors, maximum=MAX_OWN_NUMBER, decimals=2, unit=factor.unit or "")
        if value is not None:
            values[factor.key] = value
    return values


def own_shown(factor: OwnFactor, value: Any) -> str:
    """A stored own value as the day form shows it."""
    if value is None:
        return ""
    if factor.kind is OwnFactorKind.YES_NO:
        return "yes" if value else "no"
    return shown(value)


_KEY_PART = re.compile(r"[^a-z0-9]+")


def own_factor_fields(form, taken: Sequence[str]) -> dict[str, Any]:
    """A new own factor from the Profile form: its key is made from the label."""
    errors: list = []
    label = _text(form, "label")
    kind = _text(form, "kind")
    unit = _text(form, "unit") if kind == OwnFactorKind.NUMBER.value else None
    if label is None:
        errors.append({"field": "factor-label", "label": "Name", "message": "give the factor a name, e.g. antihistamine"})
    elif len(label) > 60:
        errors.append({"field": "factor-label", "label": "Name", "message": "at most 60 characters"})
    if kind not in {k.value for k in OwnFactorKind}:
        errors.append({"field": "factor-kind", "label": "Kind", "message": "choose yes/no, a 0–10 scale or a number"})
    if unit is not None and len(unit) > 20:
        errors.append({"field": "factor-unit", "label": "Unit", "message": "at most 20 characters, e.g. hours"})
    if errors:
        raise FormError(errors)
    assert label is not None  # a missing name is one of the errors above
    key = _KEY_PART.sub("_", unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()).strip("_")[:32] or "factor"
    if not key[0].isalpha():
        key = "f_" + key
    base, number = key, 2
    while key in taken or key in RESERVED_DAY_KEYS:
        key, number = f"{base}_{number}", number + 1
    return {"key": key, "label": label, "kind": kind, "unit": unit}


def symptom_fields(form, timezone: str) -> dict[str, Any]:
    errors: list = []
    data = {
        "code": _text(form, "code"),
        "onset": _text(form, "onset") or "unknown",
        "started_at": _instant(form, "started_at", timezone, errors) or now_in(timezone),
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
        "at": _instant(form, "at", timezone, errors) or now_in(timezone),
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
