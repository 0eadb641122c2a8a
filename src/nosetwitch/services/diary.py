"""One person's diary in the database: the API the CLI, web app and reports use.

Open it on a database URL and an owner::

    service = DiaryService(url, owner="local")      # created on first use
    service = DiaryService(url, owner=user_id)      # an existing users.id (web)

Every method runs in its own transaction and works only on the owner's
rows. A record that does not exist and a record that belongs to someone else
raise the same `NotFound`, so the web API can answer 404 without leaking
anything. Records are the domain models of `nosetwitch.domain.models`:

- episodes and symptoms are addressed by their string `id` (generated as
  `e1, e2, ...` / `s1, s2, ...` when not given);
- day check-ins by their `date`;
- medications and remedies, which have no id in the diary format, by an
  integer `key`, returned with the record as `Keyed(key, record)`.

Errors: `NotFound`, `Conflict` (an id already taken), `InvalidRecord` (a value
the diary format does not allow; the message names the field). All derive from
`DiaryError`. Whole-diary operations (`load_diary`, `export_diary`,
`import_diary`) live here too; the bulk import is one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, Select, bindparam, case, event, func, insert, literal, select, union_all, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from nosetwitch.domain.clock import UnknownTimeZone, zone
from nosetwitch.domain.models import (
    DayCheckIn,
    Diary,
    Episode,
    Medication,
    OwnFactor,
    Person,
    RemedyAttempt,
    Symptom,
    own_value_problems,
)
from nosetwitch.domain.problems import FieldProblem
from nosetwitch.knowledge import knowledge
from nosetwitch.services import episodes as episode_log
from nosetwitch.services.errors import Conflict, DiaryError, InvalidRecord, NotFound
from nosetwitch.services.validation import validated as _validated
from nosetwitch.services.validation import validated_episode  # noqa: F401  (re-exported)
from nosetwitch.storage import bulk
from nosetwitch.storage import records as rec
from nosetwitch.storage.bulk import ImportSummary, KindCounts
from nosetwitch.storage.database import open_engine, reader, writer
from nosetwitch.storage.models import (
    CheckRecordRow,
    DayCheckInRow,
    EpisodeInterferenceRow,
    EpisodeRow,
    EpisodeSiteRow,
    MedicationRow,
    ProfileRow,
    RemedyRow,
    SymptomRow,
    UserRow,
)
from nosetwitch.storage.types import UTC

T = TypeVar("T")

LOCAL_USERNAME = "local"
"""The single user of local (CLI) mode."""


# --- results and errors ------------------------------------------------------------------


@dataclass(frozen=True)
class Keyed(Generic[T]):
    """A stored medication or remedy with the integer key that addresses it."""

    key: int
    record: T


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: `items`, plus `total` matching records overall."""

    items: list[T]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class CheckAnswer:
    """What one answer of the check stored: the symptoms (with their ids) and the medicines
    added (with their keys), under `check_id`, the handle "I answered by mistake" uses."""

    check_id: str
    symptoms: tuple[Symptom, ...] = ()
    medications: tuple[Keyed[Medication], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.symptoms and not self.medications


# --- caffeine from drinks -------------------------------------------------------------------


def caffeine_per_serving() -> dict[str, float]:
    """Typical caffeine per serving ({'coffee': 90.0, ...}), for people who count drinks
    instead of milligrams: the knowledge base's drinks.toml, where each figure has its source."""
    return {drink.key: drink.mg for drink in knowledge().drinks}


def caffeine_from_drinks(**servings: float) -> float:
    """Milligrams of caffeine for counts of drinks, e.g. `caffeine_from_drinks(coffee=2, tea=1)` = 230."""
    per_serving = caffeine_per_serving()
    total = 0.0
    for drink, count in servings.items():
        if drink not in per_serving:
            raise InvalidRecord(FieldProblem(drink, f"unknown drink (known: {', '.join(per_serving)})"))
        if count < 0:
            raise InvalidRecord(FieldProblem(drink, "a number of drinks cannot be negative"))
        total += per_serving[drink] * count
    return total


# --- helpers ------------------------------------------------------------------------------


def machine_timezone() -> str:
    """The IANA zone of this computer ($TZ, /etc/localtime), or 'UTC' if unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and "/" in name or name == "UTC":
            try:
                zone(name)
                return name
            except UnknownTimeZone:
                continue
    return "UTC"


def _changed(record: BaseModel, changes: dict[str, Any], what: str, *, fixed: Sequence[str] = ()):
    for name in changes:
        if name in fixed:
            raise InvalidRecord(FieldProblem(name, "cannot be changed"), record=what)
    data = record.model_dump()
    data.update(changes)
    return _validated(type(record), data, what)


# --- the service ------------------------------------------------------------------------------


class DiaryService:
    """Read and write one owner's diary in one database (see the module docstring)."""

    def __init__(self, url: str | None = None, owner: str | int = LOCAL_USERNAME, *, create_owner: bool = True):
        """Open the database at `url` (None: the default SQLite file) for `owner`.

        `owner` is a username (created on first use when `create_owner`) or an
        existing `users.id`. Unknown owners raise `NotFound`.
        """
        self.engine = open_engine(url)
        self._sessions = sessionmaker(reader(self.engine), expire_on_commit=False)
        self._writer = writer(self.engine)
        self._writes = sessionmaker(self._writer, expire_on_commit=False)
        self.owner_id = self._resolve_owner(owner, create_owner)
        # The first statement of every write transaction: it moves the owner's revision
        # (what readers of a kept copy compare) and, on databases other than SQLite (whose
        # BEGIN IMMEDIATE serialises writers already), locks the owner's row until commit.
        self._bump = (
            update(UserRow).where(UserRow.id == self.owner_id).values(revision=UserRow.revision + 1).returning(UserRow.revision)
        )
        # The same for a transaction that only adds episodes: it extends the run of such
        # writes (see UserRow.appends_since). In an UPDATE every value is computed from the
        # row as it was, so `UserRow.revision` here is the revision before this write.
        self._bump_adding_episodes = self._bump.values(
            appended_revision=UserRow.revision + 1,
            appends_since=case((UserRow.appended_revision == UserRow.revision, UserRow.appends_since), else_=UserRow.revision),
        )
        # `_connection`'s first statement, built once (building it is slower than running it):
        # either bump, also taking `numbers` episode ids from the owner's counter.
        self._bump_taking_numbers = {
            only_new: bump.values(last_episode_number=UserRow.last_episode_number + bindparam("numbers"))
            .returning(UserRow.last_episode_number)
            for only_new, bump in ((False, self._bump), (True, self._bump_adding_episodes))
        }
        self._read_revision = select(UserRow.revision).where(UserRow.id == self.owner_id)
        self._read_revisions = select(*_REVISION_COLUMNS).where(UserRow.id == self.owner_id)
        self._committed = threading.local()

    def _resolve_owner(self, owner: str | int, create: bool) -> int:
        with self._sessions.begin() as session:
            if isinstance(owner, int):
                if session.get(UserRow, owner) is None:
                    raise NotFound("user", owner)
                return owner
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == owner))
            if user_id is not None:
                return user_id
            if not create:
                raise NotFound("user", owner)
            user = UserRow(username=owner, password_hash=None, created_at=dt.datetime.now(UTC))
            session.add(user)
            try:
                session.flush()
            except IntegrityError:  # created meanwhile by another process
                session.rollback()
                return session.scalars(select(UserRow.id).where(UserRow.username == owner)).one()
            return user.id

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A write transaction, one per owner at a time, that moves the owner's revision
        (readers of a kept copy read the diary again whole after it).

        Writers read before they write (the next free id, the record to
        update), so two of them must not interleave: SQLite takes its write
        lock at BEGIN (`storage.database.writer`), and other databases lock
        the owner's `users` row with the revision's UPDATE (`_bump`), which
        every write transaction runs first. So the owner's writes commit one
        after the other, and an episode inserted later has a higher key.
        """
        with self._writes.begin() as session:
            revision = session.execute(self._bump).scalar_one()
            yield session
        self._committed.revision = revision

    @contextmanager
    def _connection(self, *, episode_numbers: int = 0, only_new_episodes: bool = False) -> Iterator[tuple[Connection, int]]:
        """The same write transaction as `_session`, on a bare Connection (no ORM).

        Yields (connection, n): with `episode_numbers` = k > 0 the same first
        statement also takes k numbers from the owner's episode-id counter and n
        is the last of them; otherwise n is the counter's current value.

        `only_new_episodes`: the transaction does nothing but insert episodes
        (with their sites and activities), so readers of a kept copy may fetch
        only the new episodes (`episodes_after`). Any other write leaves it
        false, and so does a write path that knows nothing of it (the run of
        such writes ends, readers read the whole diary again).
        """
        bump = self._bump_taking_numbers[only_new_episodes]
        with self._writer.begin() as connection:
            # A second returning() adds a column; SQLAlchemy's types take it for the only one.
            revision, last = connection.execute(bump, {"numbers": episode_numbers}).one()  # type: ignore[misc]
            yield connection, last
        self._committed.revision = revision

    def revision(self) -> int:
        """The owner's diary revision now: it moves with every committed write, from any process."""
        with self.engine.connect() as connection:  # one primary-key lookup, asked on every cached read
            return connection.execute(self._read_revision).scalar_one()

    def last_revision(self) -> int | None:
        """The revision this thread's last write through this service committed (None before any)."""
        return getattr(self._committed, "revision", None)

    def last_episode_pk(self) -> int:
        """The highest primary key among the episodes this thread's last `add_episodes` stored (0 before any)."""
        return getattr(self._committed, "episode_pk", 0)

    def revision_reader(self) -> Callable[[], Revisions]:
        """For a reader that asks on every request (`DiaryOwner`): a function that reads
        the owner's `Revisions` in one round trip.

        It asks on one connection per database, kept open for it and shared by
        every owner, outside any transaction: a pool checkout with its ping,
        BEGIN and ROLLBACK around one SELECT cost more than the overview itself,
        and a connection per owner would use up the pool. Each read sees the
        newest commit (SQLite in WAL mode, PostgreSQL in autocommit).
        """
        probe, owner = _revision_probe(self.engine), self.owner_id
        return lambda: probe(owner)

    def diary_snapshot(self) -> DiarySnapshot:
        """The whole diary (`load_diary`) with the revisions it is exactly the state of,
        all read in one transaction (one snapshot), for a reader that keeps a copy."""
        with self._sessions() as session:
            revisions = Revisions(*session.execute(self._read_revisions).one())
            person = self._person_in(session)
            diary, last_pk = bulk.load_diary_and_last_episode_pk(session, self.owner_id, person, None)
        return DiarySnapshot(diary, revisions, last_pk)

    def episodes_after(self, episode_pk: int) -> NewEpisodes:
        """The episodes with a primary key above `episode_pk` (what a copy that has seen the
        episodes up to it lacks, when only twitches were logged since), with the revisions
        they are current at, all read in one transaction."""
        with self._sessions() as session:
            revisions = Revisions(*session.execute(self._read_revisions).one())
            episodes, last_pk = bulk.episodes_after(session, self.owner_id, episode_pk)
        return NewEpisodes(episodes, revisions, last_pk)

    def timezone(self) -> str:
        """The person's time zone (what `log twitch` reads a time like '21:30' in)."""
        return self.get_person().timezone

    # --- person -------------------------------------------------------------------------

    def get_person(self) -> Person:
        """The person (time zone, birth year, sex); a default one (this machine's zone) if never set."""
        with self._sessions() as session:
            row = session.get(ProfileRow, self.owner_id)
            if row is None:
                return Person(timezone=machine_timezone())
            return rec.person_from_values(row.__dict__)

    def has_person(self) -> bool:
        """True when a person record was stored (by import, `profile` or the web app)."""
        with self._sessions() as session:
            return session.get(ProfileRow, self.owner_id) is not None

    def set_person(self, person: Person) -> Person:
        """Store the whole person record (Conflict if its own factors no longer fit a stored day's values)."""
        with self._session() as session:
            self._check_stored_own_values(session, person.own_factors)
            self._put_person(session, person)
        return person

    def update_person(self, **changes: Any) -> Person:
        """Change some fields of the person, e.g. `update_person(timezone="Europe/Paris")`."""
        person = _changed(self.get_person(), changes, "person")
        return self.set_person(person)

    # --- own factors ------------------------------------------------------------------

    def add_own_factor(self, factor: OwnFactor | None = None, **fields_: Any) -> OwnFactor:
        """Declare a factor of the person's own; Conflict when its key is taken."""
        factor = factor or _validated(OwnFactor, fields_, "own factor")
        with self._session() as session:
            person = self._person_in(session)
            if person.own_factor(factor.key) is not None:
                raise Conflict(FieldProblem("key", f"{factor.key!r} exists already"), record="own factor")
            self._put_person(session, person.model_copy(update={"own_factors": [*person.own_factors, factor]}))
        return factor

    def update_own_factor(self, key: str, **changes: Any) -> OwnFactor:
        """Change an own factor's label, unit or kind (a kind only when every stored value still fits)."""
        with self._session() as session:
            person = self._person_in(session)
            factor = person.own_factor(key)
            if factor is None:
                raise NotFound("own factor", key)
            changed = _changed(factor, changes, f"own factor {key}", fixed=("key",))
            factors = [changed if f.key == key else f for f in person.own_factors]
            self._check_stored_own_values(session, factors)
            self._put_person(session, person.model_copy(update={"own_factors": factors}))
        return changed

    def remove_own_factor(self, key: str) -> int:
        """Forget an own factor and its value on every day; returns how many days held one."""
        with self._session() as session:
            person = self._person_in(session)
            if person.own_factor(key) is None:
                raise NotFound("own factor", key)
            touched = 0
            for row in session.scalars(self._days_with_own()):
                if key in row.own:
                    row.own = {k: v for k, v in row.own.items() if k != key} or None
                    touched += 1
            factors = [f for f in person.own_factors if f.key != key]
            self._put_person(session, person.model_copy(update={"own_factors": factors}))
        return touched

    def _person_in(self, session: Session) -> Person:
        row = session.get(ProfileRow, self.owner_id)
        return Person(timezone=machine_timezone()) if row is None else rec.person_from_values(row.__dict__)

    def _days_with_own(self) -> Select:
        return select(DayCheckInRow).where(DayCheckInRow.owner_id == self.owner_id, DayCheckInRow.own.is_not(None))

    def _check_own(self, session: Session, day: DayCheckIn) -> None:
        """InvalidRecord unless every own value of `day` fits a declared factor of its kind."""
        if not day.own:
            return
        problems = own_value_problems(self._person_in(session).own_factors, day.own)
        if problems:
            raise InvalidRecord([FieldProblem(f"own.{key}", problem) for key, problem in problems], record=f"day {day.date.isoformat()}")

    def _check_stored_own_values(self, session: Session, factors: list[OwnFactor]) -> None:
        """Conflict when a stored day holds a value that `factors` would no longer allow."""
        for row in session.scalars(self._days_with_own()):
            problems = own_value_problems(factors, row.own)
            if problems:
                key, problem = problems[0]
                raise Conflict(
                    FieldProblem(f"own.{key}", f"the stored value {row.own[key]!r} would no longer fit: {problem}"),
                    record=f"day {row.date.isoformat()}",
                )

    def _put_person(self, session: Session, person: Person) -> str | None:
        """Insert or update; 'added', 'updated' or None (unchanged)."""
        values = rec.person_values(person)
        row = session.get(ProfileRow, self.owner_id)
        if row is None:
            session.add(ProfileRow(owner_id=self.owner_id, **values))
            return "added"
        if all(getattr(row, name) == value for name, value in values.items()):
            return None
        for name, value in values.items():
            setattr(row, name, value)
        return "updated"

    # --- episodes -----------------------------------------------------------------------

    def add_episode(self, episode: Episode | None = None, **fields_: Any) -> Episode:
        """Store a new episode, given as an `Episode` or as its fields.

        Without an `id` one is generated (`e<n>`). Raises `Conflict` when the
        id is taken by an episode or a symptom, `InvalidRecord` on bad values.
        Goes the one way every twitch is logged: `services.episodes.log_twitch`.
        """
        return episode_log.log_twitch(self, episode if episode is not None else fields_)

    def add_episodes(self, episodes: Sequence[Episode], *, new_ids: Sequence[bool] = ()) -> list[Episode]:
        """Store several new episodes in one transaction: all of them or, on any error, none.

        The database strategy of `services.episodes.log_twitches` (which
        validates first). Logging a twitch is the busiest write (POST
        /api/v1/episodes), so this runs on a bare Connection with Core
        statements: the ORM session and unit of work cost several times the
        SQL itself here.

        Where `new_ids[i]` is true, episode i gets the next free `e<n>` id,
        allocated in the same transaction from the owner's counter, so any
        number of processes sharing the database never hand out the same id.
        Returns the stored episodes. Raises `Conflict` naming the first given
        id that is taken (by an episode or a symptom) or given twice. The web
        server logs the twitches that arrive at the same moment this way: one
        commit instead of one each.
        """
        if not episodes:
            return []
        episodes = list(episodes)
        fresh = [i for i, new in enumerate(new_ids) if new]
        # Nothing but new episodes: readers' copies fetch them (`episodes_after`) instead of reloading.
        with self._connection(episode_numbers=len(fresh), only_new_episodes=True) as (connection, last):
            given = [e.id for i, e in enumerate(episodes) if i not in fresh]
            numbers = list(range(last - len(fresh) + 1, last + 1))
            taken = self._taken_ids(connection, [*given, *(f"e{n}" for n in numbers)])
            if any(f"e{n}" in taken or f"e{n}" in given for n in numbers):
                # Ids given explicitly got ahead of the counter (a diary from before it existed): catch up.
                highest = max((n for i in (*self._ids(connection), *given) if (n := rec.record_number(i, "e")) is not None), default=0)
                numbers = list(range(highest + 1, highest + 1 + len(fresh)))
            for i, number in zip(fresh, numbers):
                episodes[i] = episodes[i].model_copy(update={"id": f"e{number}"})
            self._refuse_taken([e.id for e in episodes], taken)
            pks = self._insert_episodes(connection, episodes)
            # Keep the counter at or above every stored e<n> id, so the next fresh id follows them.
            highest = max((n for e in episodes if (n := rec.record_number(e.id, "e")) is not None), default=0)
            if highest > last:
                connection.execute(update(UserRow).where(UserRow.id == self.owner_id).values(last_episode_number=highest))
        self._committed.episode_pk = max(pks)
        return episodes

    def get_episode(self, episode_id: str) -> Episode:
        with self._sessions() as session:
            return self._episode_from_row(self._episode_row(session, episode_id))

    def update_episode(self, episode_id: str, **changes: Any) -> Episode:
        """Change fields of an episode (not its id); returns the stored result."""
        with self._session() as session:
            row = self._episode_row(session, episode_id)
            episode = _changed(self._episode_from_row(row), changes, f"episode {episode_id}", fixed=("id",))
            _assign(row, rec.episode_values(episode))
            row.sites = self._site_rows(episode)
            row.interferes_with = self._interference_rows(episode)
        return episode

    def delete_episode(self, episode_id: str) -> None:
        """Delete an episode; remedies that pointed at it stay, unlinked."""
        with self._session() as session:
            row = self._episode_row(session, episode_id)
            session.execute(update(RemedyRow).where(RemedyRow.episode_pk == row.pk).values(episode_pk=None))
            session.delete(row)

    def list_episodes(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 100,
        newest_first: bool = True,
    ) -> Page[Episode]:
        """Episodes that started in [since, until), newest first by default."""
        query = select(EpisodeRow).where(EpisodeRow.owner_id == self.owner_id)
        query = _between(query, EpisodeRow.started_at, since, until)
        order = (EpisodeRow.started_at.desc(), EpisodeRow.id.desc()) if newest_first else (EpisodeRow.started_at, EpisodeRow.id)
        with self._sessions() as session:
            total, rows = _paged(session, query, order, offset, limit)
            return Page([self._episode_from_row(r) for r in rows], total, offset, limit)

    def _episode_row(self, session: Session, episode_id: str) -> EpisodeRow:
        row = session.scalar(select(EpisodeRow).where(EpisodeRow.owner_id == self.owner_id, EpisodeRow.id == episode_id))
        if row is None:
            raise NotFound("episode", episode_id)
        return row

    def _episode_from_row(self, row: EpisodeRow) -> Episode:
        values = {name: getattr(row, name) for name in rec.EPISODE_COLUMNS}
        return rec.episode_from_values(
            values, tuple(s.site for s in row.sites), tuple(i.activity for i in row.interferes_with)
        )

    def _insert_episodes(self, connection: Connection, episodes: Sequence[Episode]) -> list[int]:
        """Insert the episodes' rows with Core statements (see `add_episode`): one
        statement per table, whatever the number of episodes. Returns their primary keys."""
        rows = [{"owner_id": self.owner_id, **rec.episode_values(e)} for e in episodes]
        pk_of = {row.id: row.pk for row in connection.execute(_INSERT_EPISODES, rows)}  # ids are unique per owner
        pks = [pk_of[e.id] for e in episodes]
        children = (
            (_INSERT_SITE, "site", rec.episode_sites),
            (_INSERT_INTERFERENCE, "activity", rec.episode_interferences),
        )
        for statement, column, values_of in children:
            child_rows = [
                {"episode_pk": pk, "position": i, "owner_id": self.owner_id, column: value}
                for pk, episode in zip(pks, episodes)
                for i, value in enumerate(values_of(episode))
            ]
            if child_rows:  # an empty executemany would be one INSERT without values
                connection.execute(statement, child_rows)
        return pks

    def _site_rows(self, episode: Episode) -> list[EpisodeSiteRow]:
        return [EpisodeSiteRow(position=i, owner_id=self.owner_id, site=s) for i, s in enumerate(rec.episode_sites(episode))]

    def _interference_rows(self, episode: Episode) -> list[EpisodeInterferenceRow]:
        return [
            EpisodeInterferenceRow(position=i, owner_id=self.owner_id, activity=a)
            for i, a in enumerate(rec.episode_interferences(episode))
        ]

    def _ids(self, db: Session | Connection) -> list[str]:
        """Every episode and symptom id of the owner (they share one namespace)."""
        return list(db.scalars(_RECORD_IDS, {"owner": self.owner_id}))

    def _check_id_free(self, db: Session | Connection, record_id: str) -> None:
        """Raise Conflict when an episode or a symptom of the owner has this id."""
        self._check_ids_free(db, [record_id])

    def _check_ids_free(self, db: Session | Connection, record_ids: Sequence[str]) -> None:
        """Raise Conflict naming the first id that is given twice or that an episode
        or a symptom of the owner has (an episode named first when both have it)."""
        self._refuse_taken(record_ids, self._taken_ids(db, record_ids))

    def _taken_ids(self, db: Session | Connection, record_ids: Sequence[str]) -> dict[str, str]:
        """Which of these ids the owner's episodes or symptoms have: id -> 'an episode' / 'a symptom'."""
        taken: dict[str, str] = {}
        for kind, record_id in db.execute(_IDS_TAKEN, {"owner": self.owner_id, "ids": list(record_ids)}):
            if taken.get(record_id) != "an episode":
                taken[record_id] = kind
        return taken

    @staticmethod
    def _refuse_taken(record_ids: Sequence[str], taken: dict[str, str]) -> None:
        seen: set[str] = set()
        for record_id in record_ids:
            if record_id in seen:
                raise Conflict(FieldProblem("id", f"{record_id!r} is given twice"))
            seen.add(record_id)
        for record_id in record_ids:
            if record_id in taken:
                raise Conflict(FieldProblem("id", f"{record_id!r} is already used by {taken[record_id]}"))

    # --- symptoms -----------------------------------------------------------------------

    def add_symptom(self, symptom: Symptom | None = None, **fields_: Any) -> Symptom:
        """Store a new symptom (id generated as `s<n>` when not given)."""
        with self._session() as session:
            if symptom is None:
                if not fields_.get("id"):
                    fields_["id"] = rec.next_record_id(self._ids(session), "s")
                symptom = _validated(Symptom, fields_, "symptom")
            self._check_id_free(session, symptom.id)
            session.add(SymptomRow(owner_id=self.owner_id, **rec.symptom_values(symptom)))
        return symptom

    def get_symptom(self, symptom_id: str) -> Symptom:
        with self._sessions() as session:
            return _symptom_from_row(self._symptom_row(session, symptom_id))

    def update_symptom(self, symptom_id: str, **changes: Any) -> Symptom:
        with self._session() as session:
            row = self._symptom_row(session, symptom_id)
            symptom = _changed(_symptom_from_row(row), changes, f"symptom {symptom_id}", fixed=("id",))
            _assign(row, rec.symptom_values(symptom))
        return symptom

    def delete_symptom(self, symptom_id: str) -> None:
        with self._session() as session:
            session.delete(self._symptom_row(session, symptom_id))

    def list_symptoms(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 100,
        newest_first: bool = True,
    ) -> Page[Symptom]:
        """Symptoms that started in [since, until), newest first by default."""
        query = _between(select(SymptomRow).where(SymptomRow.owner_id == self.owner_id), SymptomRow.started_at, since, until)
        order = (SymptomRow.started_at.desc(), SymptomRow.id.desc()) if newest_first else (SymptomRow.started_at, SymptomRow.id)
        with self._sessions() as session:
            total, rows = _paged(session, query, order, offset, limit)
            return Page([_symptom_from_row(r) for r in rows], total, offset, limit)

    def _symptom_row(self, session: Session, symptom_id: str) -> SymptomRow:
        row = session.scalar(select(SymptomRow).where(SymptomRow.owner_id == self.owner_id, SymptomRow.id == symptom_id))
        if row is None:
            raise NotFound("symptom", symptom_id)
        return row

    # --- day check-ins ----------------------------------------------------------------------

    def get_day(self, day: dt.date) -> DayCheckIn:
        with self._sessions() as session:
            return _day_from_row(self._day_row(session, day))

    def upsert_day(self, day: DayCheckIn, *, merge: bool = True) -> tuple[DayCheckIn, bool]:
        """Store the check-in of `day.date`; returns (stored check-in, created?).

        With `merge` (the default) only the fields that were set on `day`
        overwrite a stored check-in (logging sleep keeps the caffeine logged
        earlier); a field set to None clears it. `merge=False` replaces it.
        """
        with self._session() as session:
            self._check_own(session, day)
            row = session.scalar(self._day_query(day.date))
            if row is None:
                session.add(DayCheckInRow(owner_id=self.owner_id, **rec.day_values(day)))
                return day, True
            if merge:
                stored = _day_from_row(row)
                changes = {name: getattr(day, name) for name in day.model_fields_set if name != "date"}
                if "own" in changes:  # own factors merge key by key, like the built-in ones
                    changes["own"] = {**stored.own, **day.own}
                day = _changed(stored, changes, f"day {day.date.isoformat()}")
            _assign(row, rec.day_values(day))
            return day, False

    def update_day(self, day: dt.date, **changes: Any) -> DayCheckIn:
        """Change fields of an existing check-in (NotFound if there is none)."""
        with self._session() as session:
            row = self._day_row(session, day)
            checkin = _changed(_day_from_row(row), changes, f"day {day.isoformat()}", fixed=("date",))
            self._check_own(session, checkin)
            _assign(row, rec.day_values(checkin))
        return checkin

    def delete_day(self, day: dt.date) -> None:
        with self._session() as session:
            session.delete(self._day_row(session, day))

    def list_days(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        offset: int = 0,
        limit: int = 100,
        newest_first: bool = True,
    ) -> Page[DayCheckIn]:
        """Check-ins with since <= date < until, newest first by default."""
        query = _between(select(DayCheckInRow).where(DayCheckInRow.owner_id == self.owner_id), DayCheckInRow.date, since, until)
        order = (DayCheckInRow.date.desc(),) if newest_first else (DayCheckInRow.date,)
        with self._sessions() as session:
            total, rows = _paged(session, query, order, offset, limit)
            return Page([_day_from_row(r) for r in rows], total, offset, limit)

    def _day_query(self, day: dt.date) -> Select:
        return select(DayCheckInRow).where(DayCheckInRow.owner_id == self.owner_id, DayCheckInRow.date == day)

    def _day_row(self, session: Session, day: dt.date) -> DayCheckInRow:
        row = session.scalar(self._day_query(day))
        if row is None:
            raise NotFound("day check-in", day.isoformat())
        return row

    # --- remedies -----------------------------------------------------------------------------

    def add_remedy(self, remedy: RemedyAttempt | None = None, **fields_: Any) -> Keyed[RemedyAttempt]:
        """Store a remedy attempt; its `episode_id`, if any, must name a stored episode."""
        if remedy is None:
            remedy = _validated(RemedyAttempt, fields_, "remedy")
        with self._session() as session:
            row = RemedyRow(owner_id=self.owner_id, **rec.remedy_values(remedy, self._linked_episode(session, remedy)))
            session.add(row)
            session.flush()
            return Keyed(row.pk, remedy)

    def get_remedy(self, key: int) -> Keyed[RemedyAttempt]:
        with self._sessions() as session:
            return self._keyed_remedy(self._remedy_row(session, key))

    def update_remedy(self, key: int, **changes: Any) -> Keyed[RemedyAttempt]:
        with self._session() as session:
            row = self._remedy_row(session, key)
            remedy = _changed(self._keyed_remedy(row).record, changes, f"remedy {key}")
            _assign(row, rec.remedy_values(remedy, self._linked_episode(session, remedy)))
            return Keyed(key, remedy)

    def delete_remedy(self, key: int) -> None:
        with self._session() as session:
            session.delete(self._remedy_row(session, key))

    def list_remedies(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        episode_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
        newest_first: bool = True,
    ) -> Page[Keyed[RemedyAttempt]]:
        """Remedy attempts in [since, until) (optionally of one episode), newest first by default."""
        query = _between(select(RemedyRow).where(RemedyRow.owner_id == self.owner_id), RemedyRow.at, since, until)
        if episode_id is not None:
            query = query.join(EpisodeRow, RemedyRow.episode_pk == EpisodeRow.pk).where(EpisodeRow.id == episode_id)
        order = (RemedyRow.at.desc(), RemedyRow.pk.desc()) if newest_first else (RemedyRow.at, RemedyRow.pk)
        with self._sessions() as session:
            total, rows = _paged(session, query, order, offset, limit)
            return Page([self._keyed_remedy(r) for r in rows], total, offset, limit)

    def _remedy_row(self, session: Session, key: int) -> RemedyRow:
        row = session.get(RemedyRow, key) if isinstance(key, int) else None
        if row is None or row.owner_id != self.owner_id:
            raise NotFound("remedy", key)
        return row

    def _keyed_remedy(self, row: RemedyRow) -> Keyed[RemedyAttempt]:
        values = {name: getattr(row, name) for name in rec.REMEDY_COLUMNS}
        return Keyed(row.pk, rec.remedy_from_values(values, row.episode.id if row.episode else None))

    def _linked_episode(self, session: Session, remedy: RemedyAttempt) -> int | None:
        if remedy.episode_id is None:
            return None
        pk = session.scalar(
            select(EpisodeRow.pk).where(EpisodeRow.owner_id == self.owner_id, EpisodeRow.id == remedy.episode_id)
        )
        if pk is None:
            raise InvalidRecord(FieldProblem("episode_id", f"{remedy.episode_id!r} names no episode in this diary"), record="remedy")
        return pk

    # --- medications ----------------------------------------------------------------------------

    def add_medication(self, medication: Medication | None = None, **fields_: Any) -> Keyed[Medication]:
        if medication is None:
            medication = _validated(Medication, fields_, "medication")
        with self._session() as session:
            row = MedicationRow(owner_id=self.owner_id, **rec.medication_values(medication))
            session.add(row)
            session.flush()
            return Keyed(row.pk, medication)

    def get_medication(self, key: int) -> Keyed[Medication]:
        with self._sessions() as session:
            return _keyed_medication(self._medication_row(session, key))

    def update_medication(self, key: int, **changes: Any) -> Keyed[Medication]:
        """Change fields, e.g. `update_medication(3, stopped=date.today())`."""
        with self._session() as session:
            row = self._medication_row(session, key)
            medication = _changed(_keyed_medication(row).record, changes, f"medication {key}")
            _assign(row, rec.medication_values(medication))
            return Keyed(key, medication)

    def delete_medication(self, key: int) -> None:
        with self._session() as session:
            session.delete(self._medication_row(session, key))

    def list_medications(self, *, active_on: dt.date | None = None, offset: int = 0, limit: int = 100) -> Page[Keyed[Medication]]:
        """Medications in the order they were added; only those taken on `active_on` if given."""
        query = select(MedicationRow).where(MedicationRow.owner_id == self.owner_id)
        if active_on is not None:
            query = query.where(
                (MedicationRow.started.is_(None) | (MedicationRow.started <= active_on))
                & (MedicationRow.stopped.is_(None) | (MedicationRow.stopped > active_on))
            )
        with self._sessions() as session:
            total, rows = _paged(session, query, (MedicationRow.pk,), offset, limit)
            return Page([_keyed_medication(r) for r in rows], total, offset, limit)

    def find_medications(self, name: str) -> list[Keyed[Medication]]:
        """Medications with this name (case-insensitive), oldest first."""
        query = select(MedicationRow).where(
            MedicationRow.owner_id == self.owner_id, func.lower(MedicationRow.name) == name.lower()
        )
        with self._sessions() as session:
            return [_keyed_medication(r) for r in session.scalars(query.order_by(MedicationRow.pk))]

    def _medication_row(self, session: Session, key: int) -> MedicationRow:
        row = session.get(MedicationRow, key) if isinstance(key, int) else None
        if row is None or row.owner_id != self.owner_id:
            raise NotFound("medication", key)
        return row

    # --- what the check's answers made ------------------------------------------------------------

    def save_check_answer(
        self, symptoms: Sequence[Symptom], medications: Sequence[Medication], answered_at: dt.datetime
    ) -> CheckAnswer:
        """Store what one answer of the check made, all of it or nothing: its symptoms (their
        ids generated `s<n>` like every symptom's) and each medicine not yet in the diary.

        The CLI and the web app save check answers only through here. The records are
        remembered under a new `check_id`, which `undo_check_answer` takes.
        """
        check_id = secrets.token_hex(8)
        with self._session() as session:
            ids = self._ids(session)
            stored = []
            for symptom in symptoms:
                symptom = symptom.model_copy(update={"id": rec.next_record_id(ids, "s")})
                ids.append(symptom.id)
                row = SymptomRow(owner_id=self.owner_id, **rec.symptom_values(symptom))
                session.add(row)
                session.flush()
                session.add(CheckRecordRow(owner_id=self.owner_id, check_id=check_id, answered_at=answered_at, symptom_pk=row.pk))
                stored.append(symptom)
            added = []
            names = {name.lower() for name in session.scalars(select(MedicationRow.name).where(MedicationRow.owner_id == self.owner_id))}
            for medication in medications:
                if medication.name.lower() in names:
                    continue
                names.add(medication.name.lower())
                medication_row = MedicationRow(owner_id=self.owner_id, **rec.medication_values(medication))
                session.add(medication_row)
                session.flush()
                session.add(CheckRecordRow(owner_id=self.owner_id, check_id=check_id, answered_at=answered_at, medication_pk=medication_row.pk))
                added.append(Keyed(medication_row.pk, medication))
        return CheckAnswer(check_id, tuple(stored), tuple(added))

    def undo_check_answer(self, check_id: str) -> CheckAnswer:
        """Delete exactly the records the check answer `check_id` made that are still there,
        and forget the answer; `NotFound` when there is nothing (left) to undo."""
        with self._session() as session:
            links = list(session.scalars(
                select(CheckRecordRow).where(CheckRecordRow.owner_id == self.owner_id, CheckRecordRow.check_id == check_id)
            ))
            if not links:
                raise NotFound("check answer", check_id)
            symptoms, medications = [], []
            for link in links:
                # A link goes with its record (ON DELETE CASCADE), so the record is there.
                if link.symptom_pk is not None:
                    symptom_row = session.get(SymptomRow, link.symptom_pk)
                    assert symptom_row is not None
                    symptoms.append(_symptom_from_row(symptom_row))
                    session.delete(symptom_row)
                if link.medication_pk is not None:
                    medication_row = session.get(MedicationRow, link.medication_pk)
                    assert medication_row is not None
                    medications.append(_keyed_medication(medication_row))
                    session.delete(medication_row)
                session.delete(link)
        return CheckAnswer(check_id, tuple(symptoms), tuple(medications))

    # --- the whole diary ----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no record of any kind is stored (the person alone does not count)."""
        with self._sessions() as session:
            for table in (EpisodeRow, SymptomRow, DayCheckInRow, RemedyRow, MedicationRow):
                if session.scalar(select(table.pk).where(table.owner_id == self.owner_id).limit(1)) is not None:
                    return False
        return True

    def counts(self) -> dict[str, int]:
        """How many records of each kind are stored."""
        names: dict[str, type[MedicationRow | EpisodeRow | SymptomRow | DayCheckInRow | RemedyRow]] = {
            "medications": MedicationRow, "episodes": EpisodeRow, "symptoms": SymptomRow, "days": DayCheckInRow, "remedies": RemedyRow,
        }  # fmt: skip
        with self._sessions() as session:
            return {
                name: session.execute(select(func.count()).select_from(table).where(table.owner_id == self.owner_id)).scalar_one()
                for name, table in names.items()
            }

    def load_diary(self, as_of: dt.datetime | None = None) -> Diary:
        """The whole diary as one validated `Diary` (what triage and insights read).

        `as_of` is copied onto the diary; records after it are kept (the
        engines ignore them themselves, as the format says).
        """
        person = self.get_person()
        with self._sessions() as session:
            return bulk.load_diary(session, self.owner_id, person, as_of)

    def clear(self) -> None:
        """Delete every record of the owner (the person record stays)."""
        with self._session() as session:
            bulk.delete_records(session, self.owner_id)

    def export_diary(self) -> Diary:
        """The whole diary for export (no `as_of`)."""
        return self.load_diary(as_of=None)

    def import_diary(self, diary: Diary, *, replace: bool = False) -> ImportSummary:
        """Merge a validated diary into the stored one, in ONE transaction.

        Records are matched by key: episodes and symptoms by `id`, days by
        `date`, medications by (name, started), remedies by (code, at) — the
        n-th repeat of a key matches the n-th stored one. Matching records
        are updated when any field differs (an instant written with another
        offset counts), otherwise left alone; stored records absent from the
        file stay. Importing the same file twice changes nothing the second
        time. Raises `Conflict` (nothing written) when a file's episode id is a
        stored symptom's id or the other way round.

        With `replace`, every stored record is deleted first, in the same
        transaction (what `nosetwitch demo --force` does).
        """
        try:
            with self._session() as session:
                if replace:
                    bulk.delete_records(session, self.owner_id)
                person = diary.person
                if not replace:
                    person = _with_stored_own_factors(person, self._person_in(session))
                    self._check_stored_own_values(session, person.own_factors)
                summary = bulk.merge_diary(session, self.owner_id, diary)
                identified: list[Episode | Symptom] = [*diary.episodes, *diary.symptoms]
                highest = max((n for r in identified if (n := rec.record_number(r.id, "e")) is not None), default=0)
                if highest:  # fresh ids follow the imported ones
                    session.execute(
                        update(UserRow)
                        .where(UserRow.id == self.owner_id, UserRow.last_episode_number < highest)
                        .values(last_episode_number=highest)
                    )
                outcome = self._put_person(session, person)
                summary.person = KindCounts(
                    added=int(outcome == "added"), updated=int(outcome == "updated"), unchanged=int(outcome is None)
                )
                return summary
        except bulk.IdClash as exc:
            raise Conflict(FieldProblem(exc.field, exc.message)) from None
        except DBAPIError as exc:  # e.g. PostgreSQL refuses a NUL character in a note
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise InvalidRecord(f"the database refused the diary: {reason}") from None  # no field to blame


class Revisions(NamedTuple):
    """Where the owner's diary stands (`users`): `revision` moves with every write; every
    write in (appends_since, appended_revision] did nothing but add episodes."""

    revision: int
    appended_revision: int
    appends_since: int

    def only_episodes_added_since(self, revision: int) -> bool:
        """Whether every write after `revision` (up to this one) only added episodes: then
        a copy at `revision` lacks exactly the episodes with a higher primary key."""
        return self.appended_revision == self.revision and self.appends_since <= revision


@dataclass(frozen=True)
class DiarySnapshot:
    """The whole diary as it was at `revisions.revision` (`DiaryService.diary_snapshot`);
    `last_episode_pk` is the highest primary key among its episodes (0: none)."""

    diary: Diary
    revisions: Revisions
    last_episode_pk: int


@dataclass(frozen=True)
class NewEpisodes:
    """The episodes above a primary key as they were at `revisions.revision`
    (`DiaryService.episodes_after`): the whole difference from a copy at revision r
    exactly when `revisions.only_episodes_added_since(r)`."""

    episodes: list[Episode]
    revisions: Revisions
    last_episode_pk: int


class _RevisionProbe:
    """owner id -> `Revisions`, on one connection per database kept open for it (`revision_reader`).

    SQLite: the bare sqlite3 connection (SQLAlchemy's own BEGIN, storage.database, stays
    out of it). Other databases: a connection in autocommit, opened again once if the
    server went away. Closed when the engine is disposed (tests drop their databases).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._lock = threading.Lock()  # one connection, many threads (multi-user mode)
        self._connection: Any = None
        event.listen(engine, "engine_disposed", self._disposed)

    def __call__(self, owner: int) -> Revisions:
        with self._lock:
            try:
                return self._read(owner)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
            self._close()  # the server went away (a restart): once more on a new connection
            return self._read(owner)

    def _read(self, owner: int) -> Revisions:
        if self._sqlite:
            if self._connection is None:
                self._connection = self._engine.raw_connection()
            cursor = self._connection.cursor()
            try:
                row = cursor.execute("SELECT revision, appended_revision, appends_since FROM users WHERE id = ?", (owner,)).fetchone()
            finally:
                cursor.close()
        else:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            row = self._connection.execute(_REVISIONS_OF, {"owner": owner}).one()
        return Revisions(*map(int, row))

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _disposed(self, _engine: Engine) -> None:
        with self._lock:
            self._close()
        with _probes_lock:
            _probes.pop(self._engine, None)


_probes: dict[Engine, _RevisionProbe] = {}
_probes_lock = threading.Lock()
_REVISION_COLUMNS = (UserRow.revision, UserRow.appended_revision, UserRow.appends_since)
_REVISIONS_OF = select(*_REVISION_COLUMNS).where(UserRow.id == bindparam("owner"))


def _revision_probe(engine: Engine) -> _RevisionProbe:
    with _probes_lock:
        probe = _probes.get(engine)
        if probe is None:
            probe = _probes[engine] = _RevisionProbe(engine)
    return probe


def open_local_diary(url: str | None) -> DiaryService:
    """The local user's diary (CLI), created with its schema on first use.

    First use pins this computer's time zone: calendar days must not move when
    the laptop travels (change it with `nosetwitch profile`).
    """
    service = DiaryService(url)
    if not service.has_person():
        service.set_person(service.get_person())
    return service


# --- module helpers ----------------------------------------------------------------------------

# Statements of the episode write path, built once (see `DiaryService.add_episode`).
# Episodes and symptoms share one id namespace per owner, so both tables are asked.
_RECORD_IDS = union_all(
    select(EpisodeRow.id).where(EpisodeRow.owner_id == bindparam("owner")),
    select(SymptomRow.id).where(SymptomRow.owner_id == bindparam("owner")),
)
_IDS_TAKEN = union_all(
    *(
        select(literal(kind), table.id).where(table.owner_id == bindparam("owner"), table.id.in_(bindparam("ids", expanding=True)))
        for table, kind in ((EpisodeRow, "an episode"), (SymptomRow, "a symptom"))
    )
)
# Many rows in one statement (SQLAlchemy "insertmanyvalues"); each new row's key comes back
# with its id, in whatever order: asked for in the order of the rows
# (`sort_by_parameter_order`), SQLite would get one INSERT per row.
_INSERT_EPISODES = insert(EpisodeRow.__table__).returning(EpisodeRow.__table__.c.id, EpisodeRow.__table__.c.pk)
_INSERT_SITE = insert(EpisodeSiteRow.__table__)
_INSERT_INTERFERENCE = insert(EpisodeInterferenceRow.__table__)


def _with_stored_own_factors(incoming: Person, stored: Person) -> Person:
    """The file's person, keeping stored own factors the file does not declare (their values stay too)."""
    keys = {factor.key for factor in incoming.own_factors}
    kept = [factor for factor in stored.own_factors if factor.key not in keys]
    return incoming.model_copy(update={"own_factors": [*incoming.own_factors, *kept]}) if kept else incoming


def _between(query: Select, column, since, until) -> Select:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def _paged(session: Session, query: Select, order: tuple, offset: int, limit: int):
    problems = [FieldProblem("offset", "must be 0 or more")] if offset < 0 else []
    if limit < 1:
        problems.append(FieldProblem("limit", "must be 1 or more"))
    if problems:
        raise InvalidRecord(problems)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
    return total, rows


def _assign(row, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _symptom_from_row(row: SymptomRow) -> Symptom:
    return rec.symptom_from_values({name: getattr(row, name) for name in rec.SYMPTOM_COLUMNS})


def _day_from_row(row: DayCheckInRow) -> DayCheckIn:
    return rec.day_from_values({name: getattr(row, name) for name in rec.DAY_COLUMNS})


def _keyed_medication(row: MedicationRow) -> Keyed[Medication]:
    return Keyed(row.pk, rec.medication_from_values({name: getattr(row, name) for name in rec.MEDICATION_COLUMNS}))


__all__ = [
    "Conflict",
    "DiaryError",
    "DiaryService",
    "DiarySnapshot",
    "ImportSummary",
    "InvalidRecord",
    "KindCounts",
    "Keyed",
    "LOCAL_USERNAME",
    "NewEpisodes",
    "Revisions",
    "NotFound",
    "Page",
    "machine_timezone",
]
