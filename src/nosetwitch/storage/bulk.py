"""Whole-diary reads and merges, in bulk (a 10-year diary is ~20,000 rows).

`load_diary` reads every table of one owner with one query each;
`merge_diary` matches a validated `Diary` against the stored rows and issues
bulk INSERT / UPDATE statements. Both run inside the caller's session and
transaction (`DiaryService` owns those).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.storage import records as rec
from nosetwitch.storage.models import (
    CheckRecordRow,
    DayCheckInRow,
    DayFactorSourceRow,
    EpisodeInterferenceRow,
    EpisodeRow,
    EpisodeSiteRow,
    MedicationRow,
    RemedyRow,
    SymptomRow,
)


class IdClash(ValueError):
    """An imported id is already used by a stored record of the other kind: `field` names
    it in the file (`episodes[3].id`), `message` says what clashes."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


@dataclass
class KindCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.updated


@dataclass
class ImportSummary:
    """What an import did, per record type (the person counts as one record)."""

    person: KindCounts = field(default_factory=KindCounts)
    medications: KindCounts = field(default_factory=KindCounts)
    episodes: KindCounts = field(default_factory=KindCounts)
    symptoms: KindCounts = field(default_factory=KindCounts)
    days: KindCounts = field(default_factory=KindCounts)
    remedies: KindCounts = field(default_factory=KindCounts)

    def kinds(self) -> dict[str, KindCounts]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def totals(self) -> KindCounts:
        total = KindCounts()
        for counts in self.kinds().values():
            total.added += counts.added
            total.updated += counts.updated
            total.unchanged += counts.unchanged
        return total

    def describe(self) -> str:
        """E.g. 'added 12, updated 1, unchanged 40 (episodes: 10 added, 1 updated, 0 unchanged; ...)'."""
        total = self.totals()
        parts = [
            f"{name}: {c.added} added, {c.updated} updated, {c.unchanged} unchanged"
            for name, c in self.kinds().items()
            if c.added or c.updated or c.unchanged
        ]
        head = f"added {total.added}, updated {total.updated}, unchanged {total.unchanged}"
        return head + (f" ({'; '.join(parts)})" if parts else "")


# --- reading ---------------------------------------------------------------------------


def _columns(table, names: Iterable[str]):
    return [getattr(table, name) for name in names]


def load_diary(session: Session, owner_id: int, person: Person, as_of: dt.datetime | None) -> Diary:
    """Every record of the owner as one validated Diary, in a stable order."""
    return load_diary_and_last_episode_pk(session, owner_id, person, as_of)[0]


def load_diary_and_last_episode_pk(session: Session, owner_id: int, person: Person, as_of: dt.datetime | None) -> tuple[Diary, int]:
    """`load_diary`, and the highest primary key among the owner's episodes (0: none), which
    `episodes_after` takes to fetch the episodes added since."""
    episode_rows = _episode_rows(session, owner_id, after_pk=None)
    episodes = [episode for _, episode in episode_rows]
    episode_ids = {pk: episode.id for pk, episode in episode_rows}
    symptoms = [
        rec.symptom_from_values(row._mapping)
        for row in session.execute(
            select(*_columns(SymptomRow, rec.SYMPTOM_COLUMNS))
            .where(SymptomRow.owner_id == owner_id)
            .order_by(SymptomRow.started_at, SymptomRow.id)
        )
    ]
    days = [
        rec.day_from_values(row._mapping)
        for row in session.execute(
            select(*_columns(DayCheckInRow, rec.DAY_COLUMNS)).where(DayCheckInRow.owner_id == owner_id).order_by(DayCheckInRow.date)
        )
    ]
    remedies = [
        rec.remedy_from_values(row._mapping, episode_ids.get(row.episode_pk))
        for row in session.execute(
            select(*_columns(RemedyRow, rec.REMEDY_COLUMNS)).where(RemedyRow.owner_id == owner_id).order_by(RemedyRow.at, RemedyRow.pk)
        )
    ]
    medications = [
        rec.medication_from_values(row._mapping)
        for row in session.execute(
            select(*_columns(MedicationRow, rec.MEDICATION_COLUMNS)).where(MedicationRow.owner_id == owner_id).order_by(MedicationRow.pk)
        )
    ]
    diary = Diary(
        as_of=as_of,
        person=person,
        medications=medications,
        episodes=episodes,
        symptoms=symptoms,
        days=days,
        remedies=remedies,
    )
    return diary, max(episode_ids, default=0)


def episodes_after(session: Session, owner_id: int, after_pk: int) -> tuple[list[Episode], int]:
    """The owner's episodes whose primary key is above `after_pk`, in the order `load_diary`
    lists episodes, and the highest key among them (`after_pk` when there are none)."""
    rows = _episode_rows(session, owner_id, after_pk=after_pk)
    return [episode for _, episode in rows], max((pk for pk, _ in rows), default=after_pk)


def _episode_rows(session: Session, owner_id: int, after_pk: int | None) -> list[tuple[int, Episode]]:
    """(pk, Episode) of the owner's episodes (those with pk > `after_pk` when given), ordered by start and id.

    The whole diary: each child table read by owner. The few episodes above a key: their
    children by those keys (the child tables' primary key), so that neither query's plan
    depends on how well the database's statistics know the newest keys."""
    query = select(EpisodeRow.pk, *_columns(EpisodeRow, rec.EPISODE_COLUMNS)).where(EpisodeRow.owner_id == owner_id)
    if after_pk is not None:
        query = query.where(EpisodeRow.pk > after_pk)
    rows = session.execute(query.order_by(EpisodeRow.started_at, EpisodeRow.id)).all()
    if after_pk is not None and not rows:
        return []
    # A long catch-up (more keys than a statement may carry) reads the children above the key by owner.
    pks = [row.pk for row in rows] if after_pk is not None and len(rows) <= _MANY_KEYS else None
    sites = _children(session, EpisodeSiteRow, EpisodeSiteRow.site, owner_id, pks, after_pk)
    interferes = _children(session, EpisodeInterferenceRow, EpisodeInterferenceRow.activity, owner_id, pks, after_pk)
    return [
        (row.pk, rec.episode_from_values(row._mapping, tuple(sites.get(row.pk, ())), tuple(interferes.get(row.pk, ()))))
        for row in rows
    ]


_MANY_KEYS = 500


def _children(
    session: Session, table, value_column, owner_id: int, episode_pks: Sequence[int] | None = None, after_pk: int | None = None
) -> dict[int, list[str]]:
    """episode pk -> values in order, of these episodes, else of the owner's episodes (above `after_pk` when given)."""
    grouped: dict[int, list[str]] = defaultdict(list)
    query = select(table.episode_pk, value_column)
    if episode_pks is not None:
        query = query.where(table.episode_pk.in_(episode_pks))
    else:
        query = query.where(table.owner_id == owner_id)
        if after_pk is not None:
            query = query.where(table.episode_pk > after_pk)
    for episode_pk, value in session.execute(query.order_by(table.episode_pk, table.position)):
        grouped[episode_pk].append(value)
    return grouped


def delete_records(session: Session, owner_id: int) -> None:
    """Delete every diary record of the owner (not the user, not the person)."""
    for table in (CheckRecordRow, RemedyRow, EpisodeSiteRow, EpisodeInterferenceRow, EpisodeRow, SymptomRow, DayCheckInRow, DayFactorSourceRow, MedicationRow):
        session.execute(delete(table).where(table.owner_id == owner_id))


# --- merging ------------------------------------------------------------------------------


def merge_diary(session: Session, owner_id: int, diary: Diary) -> ImportSummary:
    """Insert new and update changed records of `diary`; the person is the caller's job."""
    summary = ImportSummary()
    _check_id_namespaces(session, owner_id, diary)
    summary.medications = _merge_keyed(
        session,
        MedicationRow,
        owner_id,
        [rec.medication_values(m) for m in diary.medications],
        key=lambda v: (v["name"], v["started"]),
        columns=rec.MEDICATION_COLUMNS,
    )
    summary.episodes = _merge_episodes(session, owner_id, diary)
    summary.symptoms = _merge_keyed(
        session, SymptomRow, owner_id, [rec.symptom_values(s) for s in diary.symptoms], key=lambda v: v["id"], columns=rec.SYMPTOM_COLUMNS
    )
    summary.days = _merge_keyed(
        session, DayCheckInRow, owner_id, [rec.day_values(d) for d in diary.days], key=lambda v: v["date"], columns=rec.DAY_COLUMNS
    )
    episode_pks = dict(session.execute(select(EpisodeRow.id, EpisodeRow.pk).where(EpisodeRow.owner_id == owner_id)).all())
    summary.remedies = _merge_keyed(
        session,
        RemedyRow,
        owner_id,
        [rec.remedy_values(r, episode_pks[r.episode_id] if r.episode_id else None) for r in diary.remedies],
        key=lambda v: (v["code"], v["at"]),
        columns=rec.REMEDY_COLUMNS,
    )
    return summary


def _check_id_namespaces(session: Session, owner_id: int, diary: Diary) -> None:
    """Episodes and symptoms share one id space; stored ones stay, so a cross-kind match is a clash."""
    stored_symptoms = set(session.scalars(select(SymptomRow.id).where(SymptomRow.owner_id == owner_id)))
    for index, episode in enumerate(diary.episodes):
        if episode.id in stored_symptoms:
            raise IdClash(f'episodes[{index}] (id "{episode.id}").id', "already used by a symptom in the stored diary")
    stored_episodes = set(session.scalars(select(EpisodeRow.id).where(EpisodeRow.owner_id == owner_id)))
    for index, symptom in enumerate(diary.symptoms):
        if symptom.id in stored_episodes:
            raise IdClash(f'symptoms[{index}] (id "{symptom.id}").id', "already used by an episode in the stored diary")


def _occurrences(keys: Iterable[Hashable]) -> list[tuple[Hashable, int]]:
    """Number repeated keys (k, 0), (k, 1)...: the n-th repeat matches the n-th stored record."""
    seen: dict[Hashable, int] = defaultdict(int)
    numbered = []
    for key in keys:
        numbered.append((key, seen[key]))
        seen[key] += 1
    return numbered


def _merge_keyed(
    session: Session,
    table,
    owner_id: int,
    incoming: list[dict[str, Any]],
    *,
    key: Callable[[dict[str, Any]], Hashable],
    columns: Sequence[str],
) -> KindCounts:
    """Match incoming row values to stored rows by key; bulk insert / update the difference."""
    counts = KindCounts()
    if not incoming:
        return counts
    stored_rows = session.execute(select(table.pk, *_columns(table, columns)).where(table.owner_id == owner_id).order_by(table.pk)).all()
    stored_values = [{name: row._mapping[name] for name in columns} for row in stored_rows]
    stored = dict(zip(_occurrences(key(v) for v in stored_values), zip((r.pk for r in stored_rows), stored_values)))
    inserts, updates = [], []
    for numbered_key, values in zip(_occurrences(key(v) for v in incoming), incoming):
        match = stored.get(numbered_key)
        if match is None:
            inserts.append({"owner_id": owner_id, **values})
            counts.added += 1
        elif match[1] != values:
            updates.append({"pk": match[0], **values})
            counts.updated += 1
        else:
            counts.unchanged += 1
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        session.execute(update(table), updates)
    return counts


def _merge_episodes(session: Session, owner_id: int, diary: Diary) -> KindCounts:
    """Episodes, with their ordered sites and activities in child tables."""
    counts = KindCounts()
    if not diary.episodes:
        return counts
    sites = _children(session, EpisodeSiteRow, EpisodeSiteRow.site, owner_id)
    interferes = _children(session, EpisodeInterferenceRow, EpisodeInterferenceRow.activity, owner_id)
    stored = {
        row.id: (row.pk, {name: row._mapping[name] for name in rec.EPISODE_COLUMNS})
        for row in session.execute(select(EpisodeRow.pk, *_columns(EpisodeRow, rec.EPISODE_COLUMNS)).where(EpisodeRow.owner_id == owner_id))
    }
    new, changed = [], []  # (values, sites, activities) / (pk, values, sites, activities)
    for episode in diary.episodes:
        values = rec.episode_values(episode)
        episode_sites, activities = rec.episode_sites(episode), rec.episode_interferences(episode)
        match = stored.get(episode.id)
        if match is None:
            new.append((values, episode_sites, activities))
            counts.added += 1
            continue
        pk, stored_values = match
        if stored_values != values or tuple(sites.get(pk, ())) != episode_sites or tuple(interferes.get(pk, ())) != activities:
            changed.append((pk, values, episode_sites, activities))
            counts.updated += 1
        else:
            counts.unchanged += 1
    children: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
    if new:
        # No RETURNING here: SQLAlchemy splices batched RETURNING results in
        # quadratic time (10 s for 15,000 rows); one query for the keys is cheap.
        session.execute(insert(EpisodeRow), [{"owner_id": owner_id, **values} for values, _, _ in new])
        pks = dict(session.execute(select(EpisodeRow.id, EpisodeRow.pk).where(EpisodeRow.owner_id == owner_id)).all())
        children += [(pks[values["id"]], s, a) for values, s, a in new]
    if changed:
        session.execute(update(EpisodeRow), [{"pk": pk, **values} for pk, values, _, _ in changed])
        changed_pks = [pk for pk, *_ in changed]
        for chunk in _chunks(changed_pks, 500):
            session.execute(delete(EpisodeSiteRow).where(EpisodeSiteRow.episode_pk.in_(chunk)))
            session.execute(delete(EpisodeInterferenceRow).where(EpisodeInterferenceRow.episode_pk.in_(chunk)))
        children += [(pk, s, a) for pk, _, s, a in changed]
    site_rows = [{"episode_pk": pk, "position": i, "owner_id": owner_id, "site": site} for pk, s, _ in children for i, site in enumerate(s)]
    activity_rows = [
        {"episode_pk": pk, "position": i, "owner_id": owner_id, "activity": activity} for pk, _, a in children for i, activity in enumerate(a)
    ]
    if site_rows:
        session.execute(insert(EpisodeSiteRow), site_rows)
    if activity_rows:
        session.execute(insert(EpisodeInterferenceRow), activity_rows)
    return counts


def _chunks(items: Sequence[int], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
