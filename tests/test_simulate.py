"""The simulator: deterministic, realistic, and it plants what it is told."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import DAY_FACTORS, Site
from nosetwitch.interfaces.interchange.diary_json import diary_to_json, parse_diary
from nosetwitch.simulate import DEMO_EFFECTS, SimulationParams, simulate, simulate_diary

END = dt.date(2026, 5, 4)
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "spec" / "diary.schema.json"


def test_same_seed_same_diary_and_other_seed_differs():
    a = simulate_diary(days=60, seed=7, end=END)
    b = simulate_diary(days=60, seed=7, end=END)
    c = simulate_diary(days=60, seed=8, end=END)
    assert diary_to_json(a) == diary_to_json(b)
    assert diary_to_json(a) != diary_to_json(c)


def test_ten_years_give_about_four_episodes_a_day():
    diary = simulate_diary(days=3650, seed=1, end=END)
    assert 12_000 <= len(diary.episodes) <= 18_000
    # About 8 % of days have no check-in.
    assert 0.88 * 3650 <= len(diary.days) <= 0.96 * 3650


def test_episodes_fall_in_waking_hours_of_the_persons_zone_and_mostly_on_the_nose():
    diary = simulate_diary(days=120, seed=2, end=END, timezone="America/New_York")
    hours = [e.started_at.astimezone(diary.tz).hour for e in diary.episodes]
    assert min(hours) >= 6 and max(hours) <= 23
    nose_only = sum(e.sites == [Site.NOSE] for e in diary.episodes)
    assert nose_only / len(diary.episodes) > 0.8
    dates = {d.date for d in diary.days}
    assert max(local_date(e.started_at, diary.tz) for e in diary.episodes) <= END
    assert max(dates) <= END and min(dates) >= END - dt.timedelta(days=119)


def test_remedies_point_at_episodes_and_warm_compress_helps_more_than_magnesium():
    sim = simulate(SimulationParams(days=2000, seed=3, end=END))
    ids = {e.id for e in sim.diary.episodes}
    assert all(r.episode_id in ids for r in sim.diary.remedies)

    def rate(code):
        known = [r.helped for r in sim.diary.remedies if r.code.value == code and r.helped is not None]
        return sum(known) / len(known)

    assert rate("warm_compress") > rate("magnesium") + 0.2


def test_workdays_have_more_caffeine_and_more_twitching():
    sim = simulate(SimulationParams(days=700, seed=4, end=END, effects={}))
    workday = np.array([d.weekday() < 5 for d in sim.dates])
    assert sim.values["caffeine_mg"][workday].mean() > sim.values["caffeine_mg"][~workday].mean() + 50
    assert sim.counts[workday].mean() > sim.counts[~workday].mean() * 1.1


def test_planted_effect_moves_the_rate_in_its_direction():
    sim = simulate(SimulationParams(days=1000, seed=5, end=END, effects={"caffeine_mg": 0.5}, drift_sd=0.0))
    caffeine = sim.values["caffeine_mg"]
    high = caffeine > np.median(caffeine)
    assert sim.rate[high].mean() > 1.4 * sim.rate[~high].mean()
    assert sim.truth[("caffeine_mg", 0)] == 0.5
    assert sim.planted == {("caffeine_mg", 0): 0.5}
    assert sim.per_unit_log_rr("caffeine_mg") == pytest.approx(0.5 / caffeine.std())


def test_simulate_diary_keywords_default_to_demo_effects_and_zero_means_null():
    assert DEMO_EFFECTS
    with pytest.raises(ValueError, match="unknown factor"):
        simulate_diary(days=10, end=END, coffee=0.3)
    # Explicit zero: deterministic and accepted; lag-1 keywords are understood.
    simulate_diary(days=10, end=END, caffeine_mg=0)
    simulate_diary(days=10, end=END, sleep_h_lag1=-0.3)


def test_non_smokers_record_zero_nicotine():
    sim = simulate(SimulationParams(days=100, seed=6, end=END, smoker=False))
    recorded = {d.nicotine_units for d in sim.diary.days if d.nicotine_units is not None}
    assert recorded == {0.0}


def test_default_ends_today_without_future_episodes():
    diary = simulate_diary(days=5, seed=9)
    now = dt.datetime.now(dt.timezone.utc)
    assert all(e.started_at <= now for e in diary.episodes)


def test_simulated_diary_is_a_valid_interchange_document():
    diary = simulate_diary(days=90, seed=10, end=END)
    text = diary_to_json(diary)
    assert parse_diary(text) == diary
    if SCHEMA.exists():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(json.loads(text), json.loads(SCHEMA.read_text()))
    assert {f for d in diary.days for f in d.factors()} <= set(DAY_FACTORS)
