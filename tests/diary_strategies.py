"""Hypothesis strategies and comparisons shared by the timeline, triage and overview tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from nosetwitch.domain.models import Diary, Episode, Person

ZONES = ["Europe/Berlin", "America/Santiago", "America/Havana", "Asia/Beirut", "Pacific/Chatham", "UTC"]
_SHAPES = [
    {},
    {"sites": ["nose", "cheek"]},
    {"sites": ["eyelid", "mouth"], "side": "left"},
    {"sites": ["eyelid", "jaw"], "side": "right"},
    {"interferes_with": ["eating"]},
    {"interferes_with": ["sleeping"]},
]


@st.composite
def diaries_and_moments(draw):
    """A diary whose episodes crowd the last weeks (several a day, all kinds of offsets,
    DST changes, equal instants written with different offsets, some beyond the nose)
    and a moment to look from."""
    tz = draw(st.sampled_from(ZONES))
    now = draw(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 11, 30), timezones=st.just(dt.timezone.utc)))
    offsets = draw(st.lists(st.integers(min_value=-50 * 24 * 60, max_value=24 * 60), max_size=60))
    if draw(st.booleans()):  # a long run of daily twitching past the 30-day window, a day off, an earlier run
        run = draw(st.integers(min_value=25, max_value=45))
        offsets += [-(day * 24 * 60) for day in (*range(run), *range(run + 1, run + 6))]
    episodes = []
    for i, minutes in enumerate(offsets):
        shown = dt.timezone(dt.timedelta(hours=draw(st.integers(min_value=-12, max_value=14))))
        shape = draw(st.sampled_from(_SHAPES))
        episodes.append(Episode(id=f"e{i}", started_at=(now + dt.timedelta(minutes=minutes)).astimezone(shown), **shape))
    past = [e for e in episodes if e.started_at <= now]
    if past and draw(st.booleans()):  # the latest instant once more, written with another offset
        latest = max(past, key=lambda e: e.started_at)
        episodes.append(Episode(id="twin", started_at=latest.started_at.astimezone(dt.timezone(dt.timedelta(hours=5)))))
    episodes.sort(key=lambda e: (e.started_at, e.id))  # the order a reload from the database gives
    return Diary(person=Person(timezone=tz), episodes=episodes), now.astimezone(ZoneInfo(tz))


def same_answer(result) -> dict:
    """A triage result as a dict, evidence as a set: among episodes that started at the
    same instant the order is the only thing that may differ."""
    out = result.to_dict()
    for reason in out["reasons"]:
        reason["evidence"] = sorted(reason["evidence"])
    return out
