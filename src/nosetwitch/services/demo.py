"""The demo diary: a realistic simulated diary, loaded for people trying nosetwitch out.

`nosetwitch demo` and `nosetwitch start` (a demo diary when the store is empty)
load it through here, so both get the same diary, ending now in the person's
own time zone.
"""

from __future__ import annotations

import datetime as dt

from nosetwitch.services.diary import DiaryService, ImportSummary
from nosetwitch.services.episodes import now_in
from nosetwitch.simulate import simulate_diary

DEMO_DAYS = 90
"""How many days the demo diary of `nosetwitch start` covers."""


def load_demo(service: DiaryService, *, days: int = DEMO_DAYS, seed: int = 0, replace: bool = False, now: dt.datetime | None = None) -> ImportSummary:
    """Import a simulated diary of `days` days ending `now` (default: now in the person's zone).

    The person's own settings (time zone, own factors) stay. With `replace`,
    every stored record is deleted first, in the same transaction."""
    person = service.get_person()
    now = now or now_in(person.timezone)
    diary = simulate_diary(days=days, seed=seed, end=now.date(), timezone=person.timezone)
    # The simulator fills today's whole day; a diary cannot hold the rest of today yet.
    episodes = [e for e in diary.episodes if e.started_at <= now]
    kept = {e.id for e in episodes}
    diary = diary.model_copy(
        update={
            "person": person,  # keep what the person already told us
            "episodes": episodes,
            "symptoms": [s for s in diary.symptoms if s.started_at <= now],
            "remedies": [r for r in diary.remedies if r.at <= now and (r.episode_id is None or r.episode_id in kept)],
        }
    )
    return service.import_diary(diary, replace=replace)


def load_demo_if_empty(service: DiaryService, *, days: int = DEMO_DAYS) -> ImportSummary | None:
    """The demo diary when the store holds no record yet (what `nosetwitch start` does);
    None, touching nothing, when it holds any."""
    if not service.is_empty():
        return None
    return load_demo(service, days=days)
