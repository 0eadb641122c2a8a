"""Translation between domain records (pydantic) and table rows (plain dicts).

Each `*_values` function gives the column values of one record, exactly as
stored; comparing two such dicts tells whether an import changes anything
(instants and their offsets both count). Each `*_from_values` rebuilds the
validated domain record, instants in the offset they were written with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from nosetwitch.domain.models import (
    DAY_FACTORS,
    DayCheckIn,
    Episode,
    Medication,
    Person,
    RemedyAttempt,
    Symptom,
)
from nosetwitch.storage.instants import UTC, offset_minutes, with_offset

Columns = Mapping[Any, Any]
"""A row's values by column name: a dict, or SQLAlchemy's RowMapping (whose keys may also be columns)."""


def _code(value: Enum | None) -> str | None:
    return None if value is None else value.value


def _utc(instant):
    return instant.astimezone(UTC)


def record_number(value: str, prefix: str) -> int | None:
    """n for a short id `<prefix><n>` (`e12` -> 12), None for any other id (imported ids keep their own)."""
    suffix = value[len(prefix) :]
    if value.startswith(prefix) and suffix.isascii() and suffix.isdigit():
        return int(suffix)
    return None


def next_record_id(existing: Iterable[str], prefix: str) -> str:
    """The next free short id: `e1`, `e2`... (episodes) or `s1`... (symptoms)."""
    numbers = (record_number(value, prefix) for value in existing)
    return f"{prefix}{max((n for n in numbers if n is not None), default=0) + 1}"


# --- person --------------------------------------------------------------------

PERSON_COLUMNS = ("timezone", "birth_year", "sex", "own_factors")


def person_values(person: Person) -> dict[str, Any]:
    own = [factor.model_dump(mode="json") for factor in person.own_factors]
    return {"timezone": person.timezone, "birth_year": person.birth_year, "sex": _code(person.sex), "own_factors": own or None}


def person_from_values(values: Columns) -> Person:
    document = {name: values[name] for name in PERSON_COLUMNS}
    document["own_factors"] = document["own_factors"] or []
    return Person.model_validate(document)


# --- medications -----------------------------------------------------------------

MEDICATION_COLUMNS = ("name", "dose", "started", "stopped")


def medication_values(medication: Medication) -> dict[str, Any]:
    return {name: getattr(medication, name) for name in MEDICATION_COLUMNS}


def medication_from_values(values: Columns) -> Medication:
    return Medication.model_validate({name: values[name] for name in MEDICATION_COLUMNS})


# --- episodes ------------------------------------------------------------------------

EPISODE_COLUMNS = ("id", "started_at", "started_offset_min", "duration_s", "intensity", "side", "visible", "source", "note")


def episode_values(episode: Episode) -> dict[str, Any]:
    """Column values of the `episodes` row; sites and activities are separate."""
    return {
        "id": episode.id,
        "started_at": _utc(episode.started_at),
        "started_offset_min": offset_minutes(episode.started_at),
        "duration_s": episode.duration_s,
        "intensity": episode.intensity,
        "side": _code(episode.side),
        "visible": episode.visible,
        "source": episode.source.value,
        "note": episode.note,
    }


def episode_sites(episode: Episode) -> tuple[str, ...]:
    return tuple(site.value for site in episode.sites)


def episode_interferences(episode: Episode) -> tuple[str, ...]:
    return tuple(activity.value for activity in episode.interferes_with)


def episode_from_values(values: Columns, sites: tuple[str, ...], interferes: tuple[str, ...]) -> Episode:
    return Episode.model_validate(
        {
            "id": values["id"],
            "started_at": with_offset(values["started_at"], values["started_offset_min"]),
            "duration_s": values["duration_s"],
            "intensity": values["intensity"],
            "side": values["side"],
            "sites": list(sites),
            "interferes_with": list(interferes),
            "visible": values["visible"],
            "source": values["source"],
            "note": values["note"],
        }
    )


# --- symptoms ----------------------------------------------------------------------

SYMPTOM_COLUMNS = (
    "id", "code", "onset", "started_at", "started_offset_min", "ended_at", "ended_offset_min",
    "side", "region", "severity", "detail", "note",
)  # fmt: skip


def symptom_values(symptom: Symptom) -> dict[str, Any]:
    ended = symptom.ended_at
    return {
        "id": symptom.id,
        "code": symptom.code.value,
        "onset": symptom.onset.value,
        "started_at": _utc(symptom.started_at),
        "started_offset_min": offset_minutes(symptom.started_at),
        "ended_at": None if ended is None else _utc(ended),
        "ended_offset_min": None if ended is None else offset_minutes(ended),
        "side": _code(symptom.side),
        "region": _code(symptom.region),
        "severity": symptom.severity,
        "detail": _code(symptom.detail),
        "note": symptom.note,
    }


def symptom_from_values(values: Columns) -> Symptom:
    ended = values["ended_at"]
    return Symptom.model_validate(
        {
            "id": values["id"],
            "code": values["code"],
            "onset": values["onset"],
            "started_at": with_offset(values["started_at"], values["started_offset_min"]),
            "ended_at": None if ended is None else with_offset(ended, values["ended_offset_min"] or 0),
            "side": values["side"],
            "region": values["region"],
            "severity": values["severity"],
            "detail": values["detail"],
            "note": values["note"],
        }
    )


# --- day check-ins ---------------------------------------------------------------------

DAY_COLUMNS = ("date", *DAY_FACTORS, "note", "own")
_INTEGER_FACTORS = frozenset({"stress", "facial_strain"})


def day_values(day: DayCheckIn) -> dict[str, Any]:
    values = {name: getattr(day, name) for name in DAY_COLUMNS}
    values["own"] = dict(sorted(day.own.items())) or None
    return values


def day_from_values(values: Columns) -> DayCheckIn:
    document = {}
    for name in DAY_COLUMNS:
        value = values[name]
        if value is not None and name in DAY_FACTORS and name not in _INTEGER_FACTORS:
            value = float(value)  # the model is strict: a float column must come back as float
        document[name] = value
    document["own"] = document["own"] or {}
    return DayCheckIn.model_validate(document)


# --- remedies ------------------------------------------------------------------------------

REMEDY_COLUMNS = ("code", "at", "at_offset_min", "episode_pk", "helped", "note")


def remedy_values(remedy: RemedyAttempt, episode_pk: int | None) -> dict[str, Any]:
    """Column values; the episode link is stored as the episode's `pk`."""
    return {
        "code": remedy.code.value,
        "at": _utc(remedy.at),
        "at_offset_min": offset_minutes(remedy.at),
        "episode_pk": episode_pk,
        "helped": remedy.helped,
        "note": remedy.note,
    }


def remedy_from_values(values: Columns, episode_id: str | None) -> RemedyAttempt:
    return RemedyAttempt.model_validate(
        {
            "code": values["code"],
            "at": with_offset(values["at"], values["at_offset_min"]),
            "episode_id": episode_id,
            "helped": values["helped"],
            "note": values["note"],
        }
    )
