"""Request and response models of the JSON API (they document it in OpenAPI).

Records are the domain models themselves, so the API accepts exactly what the
diary format allows. Create models relax what the server can fill in (an
episode's id and time default to a new id and now); patch models make every
field optional and are checked again as a whole record after merging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Generic, Optional, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from nosetwitch.domain.models import (
    DayCheckIn,
    Episode,
    Id,
    LocalDate,
    Medication,
    Person,
    RemedyAttempt,
    Symptom,
    Timestamp,
)

T = TypeVar("T")

MAX_OFFSET = 2**31 - 1
MAX_KEY = 2**31 - 1
"""Integers in queries and paths stay within what both databases store (a 422, not an overflow)."""
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many records to skip")]
Key = Annotated[int, Path(ge=1, le=MAX_KEY, description="the record's key (from a list or create answer)")]


class EpisodeCreate(Episode):
    """An episode to store; without `id` one is generated, without `started_at` it is now."""

    # A create body may leave out what a stored record must have (it is a request
    # schema, never used as an Episode): narrower base fields made wider on purpose.
    id: Id | None = None  # type: ignore[assignment]
    started_at: Timestamp | None = None  # type: ignore[assignment]


class SymptomCreate(Symptom):
    """A symptom to store; without `id` one is generated."""

    id: Id | None = None  # type: ignore[assignment]  # as in EpisodeCreate


class RemedyCreate(RemedyAttempt):
    """A remedy attempt; without `at` it is now."""

    at: Timestamp | None = None  # type: ignore[assignment]  # as in EpisodeCreate


class DayUpsert(DayCheckIn):
    """A day check-in; `date` may be left out when the URL names the day."""

    date: LocalDate | None = None  # type: ignore[assignment]  # as in EpisodeCreate


class MedicationOut(Medication):
    id: int = Field(description="the key that addresses this medication in the API")


class RemedyOut(RemedyAttempt):
    id: int = Field(description="the key that addresses this remedy attempt in the API")


class ListPage(BaseModel, Generic[T]):
    """One page of a list, newest first; ask for `offset=next_offset` for the next."""

    items: list[T]
    total: int
    offset: int
    limit: int
    next_offset: int | None


def patch_model(model: type[BaseModel], *, fixed: tuple[str, ...] = ()) -> type[BaseModel]:
    """Every field of `model` optional (constraints kept); unknown fields refused."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in fixed or name in ("format", "version"):
            continue
        annotation: Any = info.annotation  # a type built at run time
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        fields[name] = (Optional[annotation], Field(default=None, description=info.description))  # noqa: UP045 (a runtime-built type)
    return create_model(f"{model.__name__}Patch", __config__=ConfigDict(extra="forbid"), **fields)


if TYPE_CHECKING:
    # Built at run time from the records' fields: to the type checker, models of unknown fields.
    EpisodePatch = BaseModel
    SymptomPatch = BaseModel
    DayPatch = BaseModel
    RemedyPatch = BaseModel
    MedicationPatch = BaseModel
else:
    EpisodePatch = patch_model(Episode, fixed=("id",))
    SymptomPatch = patch_model(Symptom, fixed=("id",))
    DayPatch = patch_model(DayCheckIn, fixed=("date",))
    RemedyPatch = patch_model(RemedyAttempt)
    MedicationPatch = patch_model(Medication)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=150)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=1, max_length=1024, description="the account's password")]
    confirm: Annotated[str, Field(min_length=1, max_length=150, description="the user name, typed again")]


class SessionInfo(BaseModel):
    csrf_token: str = Field(description="send it back as the X-CSRF-Token header on POST, PUT, PATCH and DELETE")
    multi_user: bool
    user: str | None = Field(description="the logged-in user name; null in local mode or when logged out")


class OverviewOut(BaseModel):
    today: str
    today_count: int
    week_count: int
    week_days: int = Field(description="days of the last 7 with at least one episode")
    previous_week_count: int
    streak_days: int = Field(description="days in a row with twitching, ending today or yesterday")
    last_episode_at: str | None
    checked_in_today: bool
    triage_level: str
    triage_main_reason: str | None


class ImportResult(BaseModel):
    counts: dict[str, dict[str, int]] = Field(description="per record kind: added, updated, unchanged")


__all__ = [
    "AccountDeletion",
    "Credentials",
    "PasswordChange",
    "DayPatch",
    "DayUpsert",
    "EpisodeCreate",
    "EpisodePatch",
    "ImportResult",
    "ListPage",
    "MedicationOut",
    "MedicationPatch",
    "OverviewOut",
    "Person",
    "RemedyCreate",
    "RemedyOut",
    "RemedyPatch",
    "SessionInfo",
    "SymptomCreate",
    "SymptomPatch",
]
