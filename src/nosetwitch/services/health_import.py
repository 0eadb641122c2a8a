"""Merge factor values read from another app's export into the day check-ins.

The readers (`nosetwitch.interfaces.interchange.health`) turn an export into
`{factor: {date: value}}`; this service decides, day by day and factor by
factor, what happens to each value, and writes everything in ONE transaction
(a failure leaves the diary as it was):

- filled: the check-in had no value for the factor; the imported one is stored
  and remembered in `day_factor_sources` (source, file, value).
- changed: the stored value came from an earlier import of the same source
  (apple, fitbit, oura or csv) and is still what that import wrote; the new
  export says something else (a longer night synced later), so it is updated.
- left: everything else. A value the person typed (no source row, or a
  source row whose value the person has since edited) is never overwritten;
  nor is a value another source imported; an equal value is left as it is.
  Importing the same file twice therefore changes nothing the second time.

Values the check-in cannot hold (over 24 hours of sleep in a day) are
skipped and counted. `dry_run` decides everything and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import insert, select, update

from nosetwitch.domain.models import DAY_FACTORS, DayCheckIn
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.errors import InvalidRecord
from nosetwitch.storage.models import DayCheckInRow, DayFactorSourceRow
from nosetwitch.storage.types import UTC

IMPORTABLE = ("sleep_h", "caffeine_mg", "water_l", "magnesium_mg", "potassium_mg", "calcium_mg", "exercise_min")
OWN = "own."
"""Values for one of the person's own factors are named `own.<key>` (e.g. own.mindful_min)."""


@dataclass
class FactorOutcome:
    """What an import did (or would do) with one factor, counted in days."""

    filled: int = 0
    changed: int = 0
    same: int = 0  # left: already this value
    typed: int = 0  # left: the person's own value
    other_source: int = 0  # left: imported earlier from another app
    skipped: int = 0  # not a value the check-in can hold

    @property
    def left(self) -> int:
        return self.same + self.typed + self.other_source

    def describe(self) -> str:
        parts = [f"{self.filled} filled", f"{self.changed} changed", f"{self.left} left"]
        reasons = [
            f"{n} {what}"
            for n, what in ((self.same, "already the same"), (self.typed, "typed by you"), (self.other_source, "from another app"))
            if n
        ]
        text = ", ".join(parts) + (f" ({', '.join(reasons)})" if reasons else "")
        if self.skipped:
            text += f", {self.skipped} skipped (impossible values)"
        return text


@dataclass
class HealthImportResult:
    source: str
    file: str
    dry_run: bool
    factors: dict[str, FactorOutcome] = field(default_factory=dict)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(o.filled + o.changed for o in self.factors.values())


class HealthImportService:
    """Imports into the diary of an open `DiaryService` (same database, same owner)."""

    def __init__(self, diary: DiaryService):
        self.diary = diary

    def import_values(
        self,
        values: Mapping[str, Mapping[dt.date, float]],
        *,
        source: str,
        file: str,
        since: dt.date | None = None,
        until: dt.date | None = None,
        dry_run: bool = False,
        notes: list[str] | None = None,
    ) -> HealthImportResult:
        """Merge `{factor: {date: value}}`; `since`/`until` keep days in since <= date <= until."""
        unknown = {f for f in values if f not in DAY_FACTORS and not f.startswith(OWN)}
        if unknown:
            raise InvalidRecord(f"not day check-in factors: {', '.join(sorted(unknown))}")
        if since and until and since > until:
            raise InvalidRecord(f"--from {since} is after --to {until}")
        result = HealthImportResult(source=source, file=file, dry_run=dry_run, notes=list(notes or []))
        wanted = {
            factor: {d: v for d, v in sorted(per_day.items()) if (since is None or d >= since) and (until is None or d <= until)}
            for factor, per_day in values.items()
        }
        all_days = sorted({d for per_day in wanted.values() for d in per_day})
        if all_days:
            result.first_day, result.last_day = all_days[0], all_days[-1]
        now = dt.datetime.now(UTC)
        with self.diary._session() as session:
            checkins = self._checkins(session, all_days)
            sources = self._sources(session, all_days)
            new_days: dict[dt.date, dict] = {}
            day_updates: dict[int, dict] = {}
            own_updates: dict[int, tuple[DayCheckInRow, dict]] = {}
            source_inserts: list[dict] = []
            source_updates: list[dict] = []
            for factor in [*IMPORTABLE, *sorted(f for f in wanted if f.startswith(OWN))]:
                if factor not in wanted:
                    continue
                own_key = factor.removeprefix(OWN) if factor.startswith(OWN) else None
                outcome = result.factors.setdefault(factor, FactorOutcome())
                for day, value in wanted[factor].items():
                    if not _possible(day, factor, value):
                        outcome.skipped += 1
                        continue
                    row = checkins.get(day)
                    current = None if row is None else (row.own or {}).get(own_key) if own_key else getattr(row, factor)
                    origin = sources.get((day, factor))
                    if current is None:
                        outcome.filled += 1
                    elif origin is None or isinstance(current, bool) or not _same(origin.value, current):
                        outcome.typed += 1
                        continue
                    elif origin.source != source:
                        outcome.other_source += 1
                        continue
                    elif _same(current, value):
                        outcome.same += 1
                        continue
                    else:
                        outcome.changed += 1
                    if row is None:
                        new = new_days.setdefault(day, {"owner_id": self.diary.owner_id, "date": day})
                        if own_key:
                            new.setdefault("own", {})[own_key] = value
                        else:
                            new[factor] = value
                    elif own_key:
                        own_updates.setdefault(row.pk, (row, {}))[1][own_key] = value
                    else:
                        day_updates.setdefault(row.pk, {"pk": row.pk})[factor] = value
                    record = {"source": source, "file": file, "value": value, "imported_at": now}
                    if origin is None:
                        source_inserts.append({"owner_id": self.diary.owner_id, "date": day, "factor": factor, **record})
                    else:
                        source_updates.append({"pk": origin.pk, **record})
            if dry_run:
                return result  # nothing was written in this transaction
            if new_days:
                rows = [{name: None for name in DAY_FACTORS} | {"note": None, "own": None} | values for values in new_days.values()]
                session.execute(insert(DayCheckInRow), rows)
            for pk, (row, own) in own_updates.items():
                day_updates.setdefault(pk, {"pk": pk})["own"] = {**(row.own or {}), **own}
            for pk, changes in day_updates.items():  # grouped by pk: one UPDATE per changed check-in
                session.execute(update(DayCheckInRow).where(DayCheckInRow.pk == pk).values({k: v for k, v in changes.items() if k != "pk"}))
            if source_inserts:
                session.execute(insert(DayFactorSourceRow), source_inserts)
            if source_updates:
                session.execute(update(DayFactorSourceRow), source_updates)
        return result

    def sources_of(self, day: dt.date) -> dict[str, tuple[str, str]]:
        """{factor: (source, file)} of the imported values of one day that are still as imported."""
        with self.diary._sessions() as session:
            row = session.scalar(select(DayCheckInRow).where(DayCheckInRow.owner_id == self.diary.owner_id, DayCheckInRow.date == day))
            origins = session.scalars(
                select(DayFactorSourceRow).where(DayFactorSourceRow.owner_id == self.diary.owner_id, DayFactorSourceRow.date == day)
            )
            found = {}
            for o in origins:
                value = None if row is None else _value(row, o.factor)
                if value is not None and _same(o.value, value):
                    found[o.factor] = (o.source, o.file)
            return found

    def _checkins(self, session, days: list[dt.date]) -> dict[dt.date, DayCheckInRow]:
        if not days:
            return {}
        query = select(DayCheckInRow).where(
            DayCheckInRow.owner_id == self.diary.owner_id, DayCheckInRow.date >= days[0], DayCheckInRow.date <= days[-1]
        )
        return {row.date: row for row in session.scalars(query)}

    def _sources(self, session, days: list[dt.date]) -> dict[tuple[dt.date, str], DayFactorSourceRow]:
        if not days:
            return {}
        query = select(DayFactorSourceRow).where(
            DayFactorSourceRow.owner_id == self.diary.owner_id,
            DayFactorSourceRow.date >= days[0],
            DayFactorSourceRow.date <= days[-1],
        )
        return {(row.date, row.factor): row for row in session.scalars(query)}


def _value(row: DayCheckInRow, factor: str):
    if factor.startswith(OWN):
        return (row.own or {}).get(factor.removeprefix(OWN))
    return getattr(row, factor)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _possible(day: dt.date, factor: str, value: float) -> bool:
    field = {"own": {factor.removeprefix(OWN): float(value)}} if factor.startswith(OWN) else {factor: float(value)}
    try:
        DayCheckIn.model_validate({"date": day.isoformat(), **field})
    except ValidationError:
        return False
    return True
