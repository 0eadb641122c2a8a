"""The knowledge base as validated, immutable objects.

The data lives in the TOML files beside this module; these classes check it
when it is loaded (unknown keys, unknown day factors or remedy codes, a
missing source), so a typo in the data fails loudly at start-up instead of
silently dropping a warning sign.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from nosetwitch.domain.models import DAY_FACTORS, RemedyCode

Level = Literal["self_care", "consult", "urgent", "emergency"]
"""Triage levels, lowest to highest (the engine orders them)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]

_WORD = re.compile(r"[a-z]+")


def name_words(name: str) -> tuple[str, ...]:
    """The lower-case letter runs of a name: 'SEROQUEL XR 50mg' -> ('seroquel', 'xr', 'mg')."""
    return tuple(_WORD.findall(name.lower()))


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Entry):
    source: Text

    @field_validator("source")
    @classmethod
    def _names_where_it_comes_from(cls, value: str) -> str:
        # Either the seed document's section or a page cited by title and URL.
        if "SEED, section" not in value and "https://" not in value and "convention" not in value:
            raise ValueError("source must name the seed section or cite a page with its URL")
        return value


class Cause(_Sourced):
    """A reason the nose may twitch, and what it relates to in the diary."""

    id: Slug
    name: Text
    explanation: Text
    factors: tuple[str, ...] = ()
    relief: tuple[RemedyCode, ...] = ()
    medicine_classes: tuple[Slug, ...] = ()

    @field_validator("factors")
    @classmethod
    def _known_factors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in DAY_FACTORS]
        if unknown:
            raise ValueError(f"unknown day factor(s) {unknown}; use DayCheckIn field names")
        return value


class Remedy(_Sourced):
    """A self-care measure; `code` is a remedy code of the diary format."""

    code: RemedyCode
    name: Text
    how: Text
    why: Text
    general: bool
    caution: Text | None = None


class WarningSign(_Sourced):
    """A sign that should make a person seek help; `rules` watch for it."""

    id: Slug
    name: Text
    explanation: Text
    layer: Literal["seed", "stroke", "bells_palsy"]
    level: Level
    rules: tuple[Slug, ...] = Field(min_length=1)


class SafetyNetLine(_Entry):
    """One line of the safety net printed with every triage result."""

    level: Level
    signs: tuple[Slug, ...] = Field(min_length=1)
    text: Text


class MedicineClass(_Sourced):
    """A class of medicines linked to muscle spasms, with the substances that make it up.

    `generics`: every substance of the ATC group with its spelling variants;
    `common`: the members people commonly take today (the Learn page shows
    these, never withdrawn or veterinary ones)."""

    id: Literal["diuretic", "statin", "antipsychotic"]
    name: Text
    atc: Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{2}[A-Z]{0,2}$")]
    explanation: Text
    generics: tuple[str, ...] = Field(min_length=1)
    common: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_name_has_words(self) -> MedicineClass:
        _check_names(self.generics)
        unknown = [name for name in self.common if name not in self.generics]
        if unknown:
            raise ValueError(f"common member(s) {unknown} are not among the generics")
        return self


class Product(_Sourced):
    """A medicine as sold: the names it goes by (brands, generic product names) and the
    active substances it contains. It is linked to every class one of them belongs to."""

    names: tuple[str, ...] = Field(min_length=1)
    ingredients: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_name_has_words(self) -> Product:
        _check_names(self.names + self.ingredients)
        return self

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def combination(self) -> bool:
        return len(self.ingredients) > 1


class OtherSubstances(_Sourced):
    """Active substances of combination products that belong to no linked class
    (so a misspelt ingredient is an error, not a silently unlinked product)."""

    names: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_name_has_words(self) -> OtherSubstances:
        _check_names(self.names)
        return self


def _check_names(names: tuple[str, ...]) -> None:
    for name in names:
        if not name_words(name):
            raise ValueError(f"medicine name {name!r} has no letters to match on")


class AdviceTrigger(_Sourced):
    """A day factor threshold that points to a cause and its self-care measures."""

    factor: str
    below: float | None = None
    at_least: float | None = None
    unit: Annotated[str, StringConstraints(min_length=1)]
    cause: Slug
    remedies: tuple[RemedyCode, ...] = Field(min_length=1)
    says: Text

    @model_validator(mode="after")
    def _one_threshold(self) -> AdviceTrigger:
        if self.factor not in DAY_FACTORS:
            raise ValueError(f"unknown day factor {self.factor!r}")
        if (self.below is None) == (self.at_least is None):
            raise ValueError("give exactly one of `below` and `at_least`")
        if "{days}" not in self.says:
            raise ValueError("`says` must contain the {days} placeholder")
        return self

    def crossed_by(self, value: float | None) -> bool:
        """Whether a recorded value crosses the threshold (None = not recorded: never)."""
        if value is None:
            return False
        if self.below is not None:
            return value < self.below
        assert self.at_least is not None  # the validator above lets through exactly one of the two
        return value >= self.at_least


class Drink(_Sourced):
    """A caffeinated drink people count in servings, and its typical caffeine per serving."""

    key: Slug
    name: Text
    serving: Text
    mg: Annotated[float, Field(gt=0, le=1000)]
