"""The episode timeline behind triage and the overview.

Its answers must equal a plain scan of the diary, whatever order the
episodes arrive in, and triage through a timeline kept up to date episode by
episode (as the web server does) must equal triage of the diary read afresh.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from diary_strategies import diaries_and_moments, same_answer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.domain.models import DayCheckIn, Diary, Person, RemedyAttempt, Symptom
from nosetwitch.domain.timeline import DiaryTimeline, is_notable
from nosetwitch.simulate import simulate_diary
from nosetwitch.triage import triage

DAY = dt.timedelta(days=1)


def grown_one_by_one(diary: Diary, seed: int, start_with: int = 0) -> DiaryTimeline:
    """A timeline of the diary with its first `start_with` episodes, then fed the rest in a
    shuffled order: what the web server's copy goes through as twitches are logged."""
    rest = list(diary.episodes[start_with:])
    random.Random(seed).shuffle(rest)
    timeline = DiaryTimeline(diary.model_copy(update={"episodes": diary.episodes[:start_with]}))
    for episode in rest:
        timeline.episodes.add(episode)
    return timeline


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diaries_and_moments(), st.integers(min_value=0, max_value=2**16))
def test_every_answer_equals_a_plain_scan_whatever_the_order_episodes_came_in(case, seed):
    diary, now = case
    tz = diary.tz
    timeline = grown_one_by_one(diary, seed).episodes
    starts = [d.episode.started_at for d in timeline]
    assert starts == sorted(starts) and len(timeline) == len(diary.episodes)
    assert [e.id for e in timeline.episodes()] == [e.id for e in diary.episodes]  # the reload order
    for span in (dt.timedelta(hours=24), 7 * DAY, 30 * DAY, None):
        after = None if span is None else now - span
        window = [e for e in diary.episodes if (after is None or e.started_at > after) and e.started_at <= now]
        assert {d.id for d in timeline.between(after, now)} == {e.id for e in window}
        assert timeline.count_between(after, now) == len(window)
        assert {d.id for d in timeline.notable_between(after, now)} == {e.id for e in window if is_notable(e)}
    days = {e.started_at.astimezone(tz).date() for e in diary.episodes}
    for day in days | {now.astimezone(tz).date() + DAY * k for k in range(-3, 2)}:
        of_day = [e for e in diary.episodes if e.started_at.astimezone(tz).date() == day]
        assert (day in timeline.days) == bool(of_day)
        assert timeline.count_on(day) == len(of_day)
        assert {d.id for d in timeline.on(day, until=now)} == {e.id for e in of_day if e.started_at <= now}
        assert timeline.twitched_on(day, until=now) == any(e.started_at <= now for e in of_day)
    past = [e.started_at for e in diary.episodes if e.started_at <= now]
    assert timeline.latest_start(now) == (max(past) if past else None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diaries_and_moments(), st.integers(min_value=0, max_value=2**16))
def test_triage_through_a_timeline_grown_one_by_one_equals_triage_from_scratch(case, seed):
    diary, now = case
    if diary.episodes:  # two different remedies tried: the "frequent despite remedies" rule can fire
        first = diary.episodes[len(diary.episodes) // 2].started_at
        remedies = [RemedyAttempt(code="warm_compress", at=first), RemedyAttempt(code="massage", at=first + dt.timedelta(hours=1))]
        diary = diary.model_copy(update={"remedies": remedies})
    grown = grown_one_by_one(diary, seed, start_with=len(diary.episodes) // 3)
    full = same_answer(triage(diary, now))
    assert same_answer(triage(diary, now, timeline=grown)) == full
    # What the overview asks for: the same level and sentences, no lists of episode ids.
    brief = triage(diary, now, timeline=grown, with_evidence=False).to_dict()
    for reason in full["reasons"]:
        if reason["code"] not in ("stroke_sign", "recent_stroke_sign", "facial_weakness", "accompanying_symptom"):
            reason["evidence"] = []
    assert brief == full


@pytest.mark.parametrize("seed", range(4))
def test_triage_of_a_simulated_diary_logged_episode_by_episode_equals_triage_of_the_whole(seed: int):
    diary = simulate_diary(days=200, seed=seed, end=dt.date(2026, 3, 10))
    old = diary.episodes[0]
    diary = diary.model_copy(
        update={
            "symptoms": [
                Symptom(id="s-old", code="numbness", onset="gradual", started_at=old.started_at),
                Symptom(id="s-ended", code="pain", onset="gradual", started_at=old.started_at, ended_at=old.started_at + dt.timedelta(hours=1)),
            ],
        }
    )
    grown = grown_one_by_one(diary, seed, start_with=len(diary.episodes) // 2)
    levels = set()
    for days_back in (0, 3, 17, 45, 120):
        as_of = dt.datetime(2026, 3, 10, 21, 0, tzinfo=diary.tz) - days_back * DAY
        result = triage(diary, as_of)
        assert same_answer(triage(diary, as_of, timeline=grown)) == same_answer(result), (seed, days_back)
        levels.add(result.level.value)
    assert "consult" in levels  # the old symptom still going on keeps it above self-care


def test_a_timeline_dated_in_another_zone_is_refused():
    diary = Diary(person=Person(timezone="Europe/Berlin"))
    with pytest.raises(ValueError, match="dated in"):
        triage(diary, dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc), timeline=DiaryTimeline(Diary(person=Person(timezone="Asia/Tokyo"))))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=-40 * 24 * 60, max_value=2 * 24 * 60), max_size=30),
    st.lists(st.integers(min_value=-40, max_value=2), max_size=30, unique=True),
    st.integers(min_value=1, max_value=30 * 24 * 60),
)
def test_remedies_and_check_ins_in_a_window_equal_a_plain_scan(remedy_minutes, day_offsets, span_minutes):
    now = dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # the night clocks go forward
    remedies = [RemedyAttempt(code="massage", at=now + dt.timedelta(minutes=m)) for m in remedy_minutes]
    days = [DayCheckIn(date=now.date() + dt.timedelta(days=d)) for d in day_offsets]
    diary = Diary(person=Person(timezone="Europe/Berlin"), remedies=remedies, days=days)
    timeline = DiaryTimeline(diary)
    after = now - dt.timedelta(minutes=span_minutes)
    assert timeline.remedies_between(after, now) == sorted((r for r in remedies if after < r.at <= now), key=lambda r: r.at)
    first, last = now.date() - dt.timedelta(days=6), now.date()
    assert timeline.check_ins_from(first, last) == sorted((d for d in days if first <= d.date <= last), key=lambda d: d.date)
