"""Stored n-of-1 self-experiments of one diary owner (table `experiments`).

Built on an open `DiaryService` (same database, same owner). One experiment
runs at a time: starting another while one is running is a `Conflict` unless
the running one is stopped first. The schedule itself comes from
`nosetwitch.insights.experiments.propose_schedule`.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from nosetwitch.insights.experiments import Schedule, propose_schedule
from nosetwitch.services.diary import Conflict, DiaryService, NotFound
from nosetwitch.storage.database import writer
from nosetwitch.storage.models import ExperimentRow


class ExperimentService:
    def __init__(self, diary: DiaryService):
        self.owner_id = diary.owner_id
        self._sessions = sessionmaker(diary.engine, expire_on_commit=False)
        self._writes = sessionmaker(writer(diary.engine), expire_on_commit=False)

    def start(self, plan: str, days: int, start: dt.date, seed: int | None = None) -> Schedule:
        """Propose and store a schedule; `Conflict` while another one is still running on `start`."""
        running = self.current(start)
        if running is not None:
            raise Conflict(
                f"a {running.plan} experiment runs until {running.end.isoformat()}; "
                "stop it first with 'nosetwitch experiment stop'"
            )
        if seed is None:
            seed = secrets.randbits(32)
        schedule = propose_schedule(plan, days, start, seed)
        with self._writes.begin() as session:
            session.add(
                ExperimentRow(
                    owner_id=self.owner_id,
                    plan=schedule.plan,
                    start=schedule.start,
                    arms=schedule.arms,
                    seed=schedule.seed,
                    created_at=dt.datetime.now(dt.timezone.utc),
                    stopped_on=None,
                )
            )
        return schedule

    def latest(self) -> Schedule | None:
        """The most recently started experiment, running or not (stopped ones cut at their stop day)."""
        with self._sessions() as session:
            row = self._latest_row(session)
        return _schedule(row) if row is not None else None

    def current(self, day: dt.date) -> Schedule | None:
        """The experiment running on `day` (started, not over, not stopped), if any."""
        latest = self.latest()
        if latest is None or latest.arm_on(day) is None:
            return None
        return latest

    def stop(self, day: dt.date) -> Schedule:
        """Stop the running experiment: its schedule ends the day before `day`."""
        with self._writes.begin() as session:
            row = self._latest_row(session)
            if row is None or _schedule(row).arm_on(day) is None:
                raise NotFound("running experiment", day.isoformat())
            row.stopped_on = day
            return _schedule(row)

    def _latest_row(self, session) -> ExperimentRow | None:
        query = select(ExperimentRow).where(ExperimentRow.owner_id == self.owner_id)
        return session.scalars(query.order_by(ExperimentRow.pk.desc()).limit(1)).first()


def _schedule(row: ExperimentRow) -> Schedule:
    arms = row.arms
    if row.stopped_on is not None:
        arms = arms[: max(0, (row.stopped_on - row.start).days)]
    return Schedule(row.plan, row.start, arms, row.seed, stopped_early=len(arms) < len(row.arms))
