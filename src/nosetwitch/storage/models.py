"""The database schema as typed SQLAlchemy 2 ORM models.

One table per record type of the diary format, plus `users`. Every row
carries `owner_id`, so one database can hold many people's diaries (the web
app's multi-user mode) without a schema change; the local CLI uses a single
user called `local`.

Conventions:
- `pk` is a surrogate integer key. Episodes and symptoms also have the
  format's string `id`, unique per owner. Medications and remedies have no id
  in the format; their `pk` is what the CLI and the API show.
- Instants are naive UTC (`UTCDateTime`) plus `*_offset_min`, the offset in
  minutes they were written with.
- Codes (sites, sides, symptom codes...) are plain strings; the domain models
  validate them before anything is stored.
- Changing this file means adding an Alembic revision under
  `storage/migrations/versions/` (a test checks that the two agree).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nosetwitch.storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model here is mapped to a Table; SQLAlchemy types `__table__` as any FROM clause,
    # which has no insert() or delete().
    __table__: ClassVar[Table]


def _owner() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class UserRow(Base):
    """A person who owns a diary. `password_hash` is null in local mode."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Moves by one in every transaction that writes this person's diary (the service's
    # write path does it, under the owner's lock): a reader that kept a copy of the diary
    # compares this one indexed value to know, exactly, whether its copy is current.
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Every write in (appends_since, appended_revision] did nothing but add episodes: only
    # the write path that logs twitches sets these two (appended_revision to its revision;
    # appends_since moves up to the revision before it unless the write before was such a
    # write too). A copy at revision r, when appended_revision = revision and appends_since
    # <= r, lacks only episodes added since, all with a higher primary key (the owner's
    # writes are serialised by the lock on this row), so a reader fetches those instead of
    # reading the whole diary again. Any other write moves `revision` alone, which ends the
    # run: a write path that knows nothing of these columns is read again whole.
    appended_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    appends_since: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The n of the last `e<n>` id handed out for an episode created without an id.
    # Allocated in the write transaction, so processes sharing the database never hand
    # out the same id; ids given explicitly (imports) are stepped over when met.
    last_episode_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProfileRow(Base):
    """The diary's `person`: one row per user."""

    __tablename__ = "profiles"

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(16))
    # The person's own factors as the format writes them ([{key, label, kind, unit}, ...]),
    # null when there are none: a short list read and written with the person, never queried.
    own_factors: Mapped[list | None] = mapped_column(JSON(none_as_null=True))


class MedicationRow(Base):
    __tablename__ = "medications"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(Text)
    dose: Mapped[str | None] = mapped_column(Text)
    started: Mapped[dt.date | None] = mapped_column(Date)
    stopped: Mapped[dt.date | None] = mapped_column(Date)


class EpisodeRow(Base):
    """One twitch bout; sites and activities live in child tables, in order."""

    __tablename__ = "episodes"
    __table_args__ = (
        UniqueConstraint("owner_id", "id"),
        Index("ix_episodes_owner_started", "owner_id", "started_at"),
        # The episodes a copy kept in memory lacks: those above the highest key it has seen
        # (DiaryService.episodes_after), one range of this index however long the diary.
        Index("ix_episodes_owner_pk", "owner_id", "pk"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    id: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_offset_min: Mapped[int] = mapped_column(SmallInteger)
    duration_s: Mapped[float | None] = mapped_column(Double)
    intensity: Mapped[int | None] = mapped_column(SmallInteger)
    side: Mapped[str | None] = mapped_column(String(16))
    visible: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    # "selectin": a page of episodes loads its sites in one more query, not one per episode.
    sites: Mapped[list[EpisodeSiteRow]] = relationship(
        order_by="EpisodeSiteRow.position", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    interferes_with: Mapped[list[EpisodeInterferenceRow]] = relationship(
        order_by="EpisodeInterferenceRow.position", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class EpisodeSiteRow(Base):
    """Where an episode twitched; `position` keeps the order it was written in."""

    __tablename__ = "episode_sites"
    __table_args__ = (Index("ix_episode_sites_owner_site", "owner_id", "site"),)

    episode_pk: Mapped[int] = mapped_column(ForeignKey("episodes.pk", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(16))


class EpisodeInterferenceRow(Base):
    """An activity the episode got in the way of (eating, speaking...)."""

    __tablename__ = "episode_interferences"

    episode_pk: Mapped[int] = mapped_column(ForeignKey("episodes.pk", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(String(16))


class SymptomRow(Base):
    __tablename__ = "symptoms"
    __table_args__ = (
        UniqueConstraint("owner_id", "id"),
        Index("ix_symptoms_owner_started", "owner_id", "started_at"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    id: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(32))
    onset: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_offset_min: Mapped[int] = mapped_column(SmallInteger)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_offset_min: Mapped[int | None] = mapped_column(SmallInteger)
    side: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    detail: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class DayCheckInRow(Base):
    """One check-in per calendar day (in the person's time zone)."""

    __tablename__ = "day_checkins"
    __table_args__ = (UniqueConstraint("owner_id", "date"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    date: Mapped[dt.date] = mapped_column(Date)
    sleep_h: Mapped[float | None] = mapped_column(Double)
    caffeine_mg: Mapped[float | None] = mapped_column(Double)
    nicotine_units: Mapped[float | None] = mapped_column(Double)
    alcohol_units: Mapped[float | None] = mapped_column(Double)
    stress: Mapped[int | None] = mapped_column(SmallInteger)
    water_l: Mapped[float | None] = mapped_column(Double)
    magnesium_mg: Mapped[float | None] = mapped_column(Double)
    potassium_mg: Mapped[float | None] = mapped_column(Double)
    calcium_mg: Mapped[float | None] = mapped_column(Double)
    facial_strain: Mapped[int | None] = mapped_column(SmallInteger)
    screen_h: Mapped[float | None] = mapped_column(Double)
    exercise_min: Mapped[float | None] = mapped_column(Double)
    note: Mapped[str | None] = mapped_column(Text)
    # Values of the person's own factors by key ({"antihistamine": true}), null when none.
    own: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class RemedyRow(Base):
    """A remedy attempt. Deleting its episode unlinks it (episode_pk = NULL)."""

    __tablename__ = "remedies"
    __table_args__ = (Index("ix_remedies_owner_at", "owner_id", "at"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    code: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    at_offset_min: Mapped[int] = mapped_column(SmallInteger)
    episode_pk: Mapped[int | None] = mapped_column(ForeignKey("episodes.pk", ondelete="SET NULL"), index=True)
    helped: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    episode: Mapped[EpisodeRow | None] = relationship(passive_deletes=True, lazy="selectin")


class ExperimentRow(Base):
    """An n-of-1 self-experiment (insights): its plan and randomised A/B schedule."""

    __tablename__ = "experiments"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    plan: Mapped[str] = mapped_column(String(32))
    start: Mapped[dt.date] = mapped_column(Date)
    arms: Mapped[str] = mapped_column(String(128))  # one letter per day, "A" or "B"
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)


class DeviceRow(Base):
    """A phone paired in local mode (`serve --lan`): only a SHA-256 of its session token is kept."""

    __tablename__ = "devices"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    paired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReminderRow(Base):
    """The daily check-in reminder of one person: a local time, the days of the
    week it repeats on, and the secret token of the subscribable calendar."""

    __tablename__ = "reminders"

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at_minute: Mapped[int] = mapped_column(SmallInteger)  # minutes after local midnight
    days: Mapped[str] = mapped_column(String(32))  # "MO,TU,..." (RFC 5545 BYDAY codes)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)


class CheckRecordRow(Base):
    """A record that one answer of the check made (`check_id` names the answer), so that
    "I answered by mistake" removes exactly those records and nothing else. The row goes
    with its symptom or medication when that is deleted in any other way."""

    __tablename__ = "check_records"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    check_id: Mapped[str] = mapped_column(String(32), index=True)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    symptom_pk: Mapped[int | None] = mapped_column(ForeignKey("symptoms.pk", ondelete="CASCADE"), index=True)
    medication_pk: Mapped[int | None] = mapped_column(ForeignKey("medications.pk", ondelete="CASCADE"), index=True)


class DayFactorSourceRow(Base):
    """Where an imported day check-in value came from (`nosetwitch import-health`).

    One row per (owner, date, factor) that an import filled. `value` is what
    the import wrote: when the check-in now holds another number, the person
    changed it by hand and later imports leave it alone. A factor without a
    row here was typed by the person.
    """

    __tablename__ = "day_factor_sources"
    __table_args__ = (UniqueConstraint("owner_id", "date", "factor"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = _owner()
    date: Mapped[dt.date] = mapped_column(Date)
    factor: Mapped[str] = mapped_column(String(48))  # a day factor, or own.<key> for an own factor
    source: Mapped[str] = mapped_column(String(16))
    file: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Double)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
class UndoRow(Base):
    """What one action changed, kept a few minutes for the Undo of its confirmation.
    Only a SHA-256 of the token the button carries is stored; a row is deleted when used."""

    __tablename__ = "undo_actions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = _owner()
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changes: Mapped[list] = mapped_column(JSON)
    done: Mapped[str] = mapped_column(Text)
    then: Mapped[str | None] = mapped_column(Text)


class SessionRow(Base):
    """A secret that stands for a person on the server: a logged-in browser (`kind`
    "web"), a one-time password-reset link ("reset"), or any later kind (a paired
    device...). Only the SHA-256 of the secret is stored, so the table alone logs
    nobody in. Deleting the row ends it at once, in every worker."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = _owner()
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
