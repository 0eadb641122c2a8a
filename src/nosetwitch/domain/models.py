"""The diary as validated objects, field for field the interchange format v2.

Every model forbids unknown fields and checks types strictly (a number given
as a string is an error, not a guess), so the same classes serve the CLI, the
web API and the importer. Cross-record rules (unique ids, remedy links)
live on `Diary`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from nosetwitch.domain.clock import UnknownTimeZone, zone
from nosetwitch.domain.problems import FieldError

# --- vocabularies -----------------------------------------------------------


class Site(StrEnum):
    """Where a twitch was felt. Anything but `nose` means it reached further."""

    NOSE = "nose"
    EYELID = "eyelid"
    EYEBROW = "eyebrow"
    CHEEK = "cheek"
    MOUTH = "mouth"
    CHIN = "chin"
    JAW = "jaw"
    FOREHEAD = "forehead"
    NECK = "neck"
    ARM = "arm"
    HAND = "hand"
    LEG = "leg"
    TRUNK = "trunk"
    OTHER = "other"


class Side(StrEnum):
    """The person's own left or right, for an episode."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    CENTER = "center"


class SymptomSide(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Interference(StrEnum):
    EATING = "eating"
    SPEAKING = "speaking"
    SLEEPING = "sleeping"
    SEEING = "seeing"


class Source(StrEnum):
    MANUAL = "manual"
    VIDEO = "video"
    IMPORT = "import"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Onset(StrEnum):
    """How fast a symptom came on; `sudden` means within minutes."""

    SUDDEN = "sudden"
    GRADUAL = "gradual"
    UNKNOWN = "unknown"


class SymptomCode(StrEnum):
    FACIAL_DROOP = "facial_droop"
    WEAKNESS = "weakness"
    NUMBNESS = "numbness"
    VISION_CHANGE = "vision_change"
    PAIN = "pain"
    SPEECH_DIFFICULTY = "speech_difficulty"
    SWALLOWING_DIFFICULTY = "swallowing_difficulty"
    BALANCE_LOSS = "balance_loss"
    SEVERE_HEADACHE = "severe_headache"
    EYELID_CLOSURE = "eyelid_closure"
    OTHER = "other"


class Region(StrEnum):
    FACE = "face"
    EYE = "eye"
    ARM = "arm"
    LEG = "leg"
    HEAD = "head"
    MOUTH = "mouth"
    EAR = "ear"
    BODY = "body"


class VisionDetail(StrEnum):
    BLURRED = "blurred"
    DOUBLE = "double"
    LOSS = "loss"


class RemedyCode(StrEnum):
    MASSAGE = "massage"
    WARM_COMPRESS = "warm_compress"
    DEEP_BREATHING = "deep_breathing"
    MINDFULNESS = "mindfulness"
    HYDRATION = "hydration"
    REDUCE_CAFFEINE = "reduce_caffeine"
    REDUCE_NICOTINE = "reduce_nicotine"
    SLEEP = "sleep"
    MAGNESIUM = "magnesium"
    OTHER = "other"


# --- field types --------------------------------------------------------------

# RFC 3339 with a mandatory offset, exactly the pattern of diary.schema.json.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _timestamp(value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamp must carry a UTC offset, e.g. 2026-03-10T20:00:00+01:00")
        return value
    if not isinstance(value, str):
        raise ValueError("timestamp must be a string such as 2026-03-10T20:00:00+01:00")
    if not _TIMESTAMP.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", value):
            raise ValueError(f"timestamp {value!r} has no UTC offset; add one, e.g. {value}+01:00 or {value}Z")
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp such as 2026-03-10T20:00:00+01:00")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date and time") from None


def _date(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real calendar date") from None


def _timezone_name(value: str) -> str:
    try:
        zone(value)
    except UnknownTimeZone as exc:
        raise ValueError(str(exc)) from None
    return value


# --- plausible ranges (docs/diary.md, "What the diary accepts") ---------------------------

EARLIEST_DATE = dt.date(1900, 1, 1)
"""Nothing in a diary happened before 1900."""
FUTURE_SLACK = dt.timedelta(days=1)
"""Records may lie at most a day ahead of now (a clock set a little fast, a trip east)."""
_EARLIEST_INSTANT = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)
_AHEAD_OF_UTC = dt.timedelta(hours=14)  # the earliest zone on Earth (Pacific/Kiritimati)


def latest_instant() -> dt.datetime:
    """The latest instant a record may carry: now plus a day."""
    return dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK


def latest_date() -> dt.date:
    """The latest date a record may carry: a day after today in the earliest time zone."""
    return (dt.datetime.now(dt.timezone.utc) + _AHEAD_OF_UTC + FUTURE_SLACK).date()


def instant_in_range(value: dt.datetime) -> dt.datetime:
    if value < _EARLIEST_INSTANT:
        raise ValueError("the time is before 1900; check the year")
    if value > latest_instant():
        raise ValueError(f"the time {value.isoformat()} is more than a day in the future; check the date")
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if value < EARLIEST_DATE:
        raise ValueError("the date is before 1900; check the year")
    if value > latest_date():
        raise ValueError(f"the date {value.isoformat()} is more than a day in the future; check the date")
    return value


# --- text ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\t\n\r]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _printable(value: str) -> str:
    """Trimmed; no control characters (NUL cannot be stored in PostgreSQL) and no lone
    surrogates (they are not Unicode text); a note may keep its tabs and line breaks."""
    if _SURROGATE.search(value):
        raise ValueError("the text contains a lone surrogate, which is not valid Unicode text")
    if _CONTROL.search(value):
        raise ValueError("the text contains a control character (such as NUL); remove it")
    return value.strip()


def _one_line(value: str) -> str:
    value = _printable(value)
    if _LINE_BREAK.search(value):
        raise ValueError("a name is one line: no tabs or line breaks")
    if not value:
        raise ValueError("a name cannot be empty or only spaces")
    return value


MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 10_000
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"
"""A record id: 1 to 64 letters, digits, '.', '_', '~' or '-', starting with a letter or digit
(short, printable, safe in a URL path and in a spreadsheet cell)."""
_ID = re.compile(ID_PATTERN)


def _id_shape(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("an id is 1 to 64 letters, digits, '.', '_', '~' or '-', starting with a letter or digit")
    return value


Timestamp = Annotated[dt.datetime, BeforeValidator(_timestamp), AfterValidator(instant_in_range)]
"""An aware instant between 1900 and a day from now; the offset it was written with is kept for display."""
LocalDate = Annotated[dt.date, BeforeValidator(_date), AfterValidator(_date_in_range)]
"""A calendar date between 1900-01-01 and a day from today."""


_LOOK_FROM = (dt.datetime(1899, 12, 31, tzinfo=dt.timezone.utc), dt.datetime(2200, 1, 2, tzinfo=dt.timezone.utc))


def moment_in_range(value: dt.datetime) -> dt.datetime:
    """A moment to look from (`as_of`, a query's `since`): in the years 1900 to 2199."""
    if not _LOOK_FROM[0] <= value <= _LOOK_FROM[1]:
        raise ValueError("must lie in the years 1900 to 2199")
    return value


AsOf = Annotated[dt.datetime, BeforeValidator(_timestamp), AfterValidator(moment_in_range)]
"""The moment a diary document or an answer is seen from: years 1900-2199 (it may lie ahead)."""
QUERY_INSTANT_PATTERN = r"^(19|2[01])\d\d-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$"
QueryInstant = Annotated[dt.datetime, BeforeValidator(_timestamp), WithJsonSchema({"type": "string", "format": "date-time", "pattern": QUERY_INSTANT_PATTERN})]
"""A moment in a query (`since`, `as_of`): RFC 3339 with an offset, years 1900-2199 (no ranges of 'now')."""
QueryDate = Annotated[dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d\d-\d\d$"})]
"""A date in a query or path: YYYY-MM-DD only (not a number of seconds)."""


def _up_to(upper: float) -> Any:
    """The bounds of an amount: finite, non-negative, at most `upper` (no NaN, no Infinity).
    Used as `Annotated[float, Strict(), _up_to(...)]`."""
    return Field(ge=0, le=upper, allow_inf_nan=False)


NonNegative = Annotated[float, Strict(), _up_to(1e6)]
Hours = Annotated[float, Strict(), _up_to(24)]
Scale10 = Annotated[StrictInt, Field(ge=0, le=10)]
Text = Annotated[StrictStr, Field(max_length=MAX_NOTE_LENGTH), AfterValidator(_printable)]
"""A note: trimmed, at most 10,000 characters, no control characters but tabs and line breaks."""
Name = Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(_one_line)]
"""A name: trimmed, not empty, one line of at most 200 characters."""
Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=ID_PATTERN), BeforeValidator(lambda v: _id_shape(v) if isinstance(v, str) else v)]
TimezoneName = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_timezone_name)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)


# --- records ---------------------------------------------------------------------


class OwnFactorKind(StrEnum):
    """How a factor of the person's own is recorded each day."""

    YES_NO = "yes_no"  # true / false
    SCALE = "scale"  # a whole number 0-10
    NUMBER = "number"  # any number >= 0, in `unit`


OWN_FACTOR_KEY = r"^[a-z][a-z0-9_]{0,39}$"
"""The shape of an own factor's key (the format's pattern)."""

# A recorded own value before it is checked against its factor's kind (the format's schema:
# a boolean or a number >= 0). bool comes first so that `true` is not read as 1.
OwnValue = Annotated[StrictBool | StrictInt | Annotated[float, Strict(), Field(allow_inf_nan=False)], Field(union_mode="left_to_right")]
OwnKey = Annotated[StrictStr, Field(pattern=OWN_FACTOR_KEY)]


class OwnFactor(_Record):
    """A factor the person tracks besides the built-in ones ("antihistamine", "hours of driving")."""

    key: OwnKey
    label: Annotated[StrictStr, Field(min_length=1, max_length=60)]
    kind: OwnFactorKind
    unit: Annotated[StrictStr, Field(min_length=1, max_length=20)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> OwnFactor:
        if self.key in RESERVED_DAY_KEYS:
            raise FieldError("key", f"{self.key!r} is the name of a built-in day factor; choose another")
        if not self.label.strip():
            raise FieldError("label", "must not be blank")
        if self.unit is not None and self.kind is not OwnFactorKind.NUMBER:
            raise FieldError("unit", "is only used with kind number")
        return self

    def problem_with(self, value: object) -> str | None:
        """Why `value` cannot be this factor's value of a day, or None when it fits."""
        if self.kind is OwnFactorKind.YES_NO:
            return None if isinstance(value, bool) else "expected true or false (a yes/no factor)"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "expected a number"
        if self.kind is OwnFactorKind.SCALE:
            if not isinstance(value, int) and not float(value).is_integer():
                return "expected a whole number from 0 to 10 (a 0-10 scale)"
            return None if 0 <= value <= 10 else "expected a whole number from 0 to 10 (a 0-10 scale)"
        return None if value >= 0 else "expected a number of 0 or more"


def own_value_problems(factors: list[OwnFactor], own: Mapping[str, object]) -> list[tuple[str, str]]:
    """(key, problem) for each value of a day's `own` that its declared factors do not allow."""
    declared = {factor.key: factor for factor in factors}
    problems = []
    for key, value in own.items():
        factor = declared.get(key)
        if factor is None:
            problems.append((key, f"{key!r} is not one of your own factors (declare it on person.own_factors first)"))
        elif (problem := factor.problem_with(value)) is not None:
            problems.append((key, problem))
    return problems


class Person(_Record):
    """Only what the rules need (the time zone that defines a calendar day), and the person's own factors."""

    timezone: TimezoneName
    birth_year: Annotated[StrictInt, Field(ge=1900, le=2100)] | None = None
    sex: Sex | None = None
    own_factors: list[OwnFactor] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_own_keys(self) -> Person:
        keys = [factor.key for factor in self.own_factors]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise FieldError(("own_factors", index, "key"), f"{key!r} is declared twice")
        return self

    def own_factor(self, key: str) -> OwnFactor | None:
        return next((factor for factor in self.own_factors if factor.key == key), None)


class Medication(_Record):
    name: Name
    dose: Annotated[StrictStr, Field(max_length=MAX_NAME_LENGTH), AfterValidator(_printable)] | None = None
    started: LocalDate | None = None
    stopped: LocalDate | None = None

    @model_validator(mode="after")
    def _stopped_not_before_started(self) -> Medication:
        if self.started and self.stopped and self.stopped < self.started:
            raise FieldError("stopped", "is before started")
        return self

    def is_active_on(self, day: dt.date) -> bool:
        """Taken on that calendar day: started not after it, not stopped by it."""
        return (self.started is None or self.started <= day) and (self.stopped is None or self.stopped > day)


MAX_EPISODE_S = 7 * 24 * 3600
"""An episode lasts at most a week (a longer spell is several episodes, or a note)."""


class Episode(_Record):
    """One bout of twitching."""

    id: Id
    started_at: Timestamp
    duration_s: Annotated[float, Strict(), Field(gt=0, le=MAX_EPISODE_S, allow_inf_nan=False)] | None = None
    intensity: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    side: Side | None = None
    sites: Annotated[list[Site], Field(min_length=1)] = Field(default_factory=lambda: [Site.NOSE])
    interferes_with: list[Interference] = Field(default_factory=list)
    visible: StrictBool | None = None
    source: Source = Source.MANUAL
    note: Text | None = None

    @model_validator(mode="after")
    def _no_repeats(self) -> Episode:
        if len(set(self.sites)) != len(self.sites):
            raise FieldError("sites", "lists the same site twice")
        if len(set(self.interferes_with)) != len(self.interferes_with):
            raise FieldError("interferes_with", "lists the same activity twice")
        return self


class Symptom(_Record):
    """Something felt besides the twitch (numbness, weakness, a drooping face...)."""

    id: Id
    code: SymptomCode
    onset: Onset
    started_at: Timestamp
    ended_at: Timestamp | None = None
    side: SymptomSide | None = None
    region: Region | None = None
    severity: Scale10 | None = None
    detail: VisionDetail | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Symptom:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise FieldError("ended_at", "is before started_at")
        if self.detail is not None and self.code is not SymptomCode.VISION_CHANGE:
            raise FieldError("detail", "is only used with code vision_change")
        return self

    def is_active_at(self, instant: dt.datetime) -> bool:
        """Still present at that instant (no end recorded, or it ends later)."""
        return self.ended_at is None or self.ended_at > instant


DAY_FACTORS: tuple[str, ...] = (
    "sleep_h",
    "caffeine_mg",
    "nicotine_units",
    "alcohol_units",
    "stress",
    "water_l",
    "magnesium_mg",
    "potassium_mg",
    "calcium_mg",
    "facial_strain",
    "screen_h",
    "exercise_min",
)
"""The numeric factors of a day check-in, in the order of the format."""

RESERVED_DAY_KEYS = frozenset({*DAY_FACTORS, "date", "note", "own"})
"""Names an own factor's key may not take."""


class DayCheckIn(_Record):
    """One check-in per calendar day. A missing factor is unknown, not zero.

    Each factor has an upper bound far above any real day (caffeine 5,000 mg,
    water 20 l, exercise 1,440 min...), so a typo or `Infinity` is refused,
    not stored (docs/diary.md)."""

    date: LocalDate
    sleep_h: Hours | None = None
    caffeine_mg: Annotated[float, Strict(), _up_to(5000)] | None = None
    nicotine_units: Annotated[float, Strict(), _up_to(200)] | None = None
    alcohol_units: Annotated[float, Strict(), _up_to(100)] | None = None
    stress: Scale10 | None = None
    water_l: Annotated[float, Strict(), _up_to(20)] | None = None
    magnesium_mg: Annotated[float, Strict(), _up_to(5000)] | None = None
    potassium_mg: Annotated[float, Strict(), _up_to(20000)] | None = None
    calcium_mg: Annotated[float, Strict(), _up_to(10000)] | None = None
    facial_strain: Scale10 | None = None
    screen_h: Hours | None = None
    exercise_min: Annotated[float, Strict(), _up_to(1440)] | None = None
    note: Text | None = None
    own: dict[OwnKey, OwnValue] = Field(default_factory=dict)
    """Values of the person's own factors, by key (absent: not recorded)."""

    @model_validator(mode="after")
    def _own_not_negative(self) -> DayCheckIn:
        for key, value in self.own.items():
            if not isinstance(value, bool) and value < 0:
                raise FieldError(("own", key), "must be 0 or more")
        return self

    def factors(self) -> dict[str, float]:
        """The recorded built-in factors only."""
        return {name: getattr(self, name) for name in DAY_FACTORS if getattr(self, name) is not None}


class RemedyAttempt(_Record):
    """Something tried to calm the twitching, and whether it helped."""

    code: RemedyCode
    at: Timestamp
    episode_id: Id | None = None
    helped: StrictBool | None = None
    note: Text | None = None


class Diary(_Record):
    """One person's whole diary: the interchange document as an object."""

    format: Literal["nosetwitch-diary"] = "nosetwitch-diary"
    version: Literal[1, 2] = 2
    as_of: AsOf | None = None
    person: Person
    medications: list[Medication] = Field(default_factory=list)
    episodes: list[Episode] = Field(default_factory=list)
    symptoms: list[Symptom] = Field(default_factory=list)
    days: list[DayCheckIn] = Field(default_factory=list)
    remedies: list[RemedyAttempt] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_record_rules(self) -> Diary:
        seen: dict[str, str] = {}
        identified: list[tuple[str, Sequence[Episode | Symptom]]] = [("episodes", self.episodes), ("symptoms", self.symptoms)]
        for kind, records in identified:
            for index, record in enumerate(records):
                if record.id in seen:
                    raise FieldError((kind, index, "id"), f"duplicate id {record.id!r} (already used by {seen[record.id]})")
                seen[record.id] = f"{kind}[{index}]"
        if self.version == 1 and self.person.own_factors:
            raise FieldError(("person", "own_factors"), "own factors need version 2 of the format")
        dates: set[dt.date] = set()
        for index, day in enumerate(self.days):
            if day.date in dates:
                raise FieldError(("days", index, "date"), f"duplicate date {day.date.isoformat()}")
            dates.add(day.date)
            for key, problem in own_value_problems(self.person.own_factors, day.own):
                raise FieldError(("days", index, "own", key), problem)
        episode_ids = {e.id for e in self.episodes}
        for index, remedy in enumerate(self.remedies):
            if remedy.episode_id is not None and remedy.episode_id not in episode_ids:
                raise FieldError(("remedies", index, "episode_id"), f"{remedy.episode_id!r} names no episode in this diary")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The person's ZoneInfo."""
        return zone(self.person.timezone)
