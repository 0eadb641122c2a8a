"""n-of-1 experiments: balanced reproducible schedules and an honest comparison."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nosetwitch.insights.experiments import PLANS, analyse_experiment, propose_schedule
from nosetwitch.simulate import simulate_following

START = dt.date(2026, 5, 4)


@given(days=st.integers(4, 42).map(lambda n: 2 * n), seed=st.integers(0, 2**32 - 1), plan=st.sampled_from(sorted(PLANS)))
def test_schedule_is_balanced_in_blocks_and_reproducible(days, seed, plan):
    schedule = propose_schedule(plan, days, START, seed)
    assert schedule == propose_schedule(plan, days, START, seed)
    assert schedule.days == days and schedule.arms.count("A") == days // 2
    # Every consecutive pair of blocks holds one A block and one B block.
    pairs, position = 0, 0
    while position < days:
        block = 2 if days - position >= 4 else 1
        first = schedule.arms[position : position + block]
        second = schedule.arms[position + block : position + 2 * block]
        assert {first, second} == {"A" * block, "B" * block}
        position += 2 * block
        pairs += 1
    assert schedule.arm_on(START) == schedule.arms[0]
    assert schedule.arm_on(START - dt.timedelta(days=1)) is None
    assert schedule.arm_on(START + dt.timedelta(days=days)) is None


def test_different_seeds_give_different_orders():
    orders = {propose_schedule("caffeine", 28, START, seed).arms for seed in range(20)}
    assert len(orders) > 10


@pytest.mark.parametrize("days", [6, 9, 86])
def test_schedule_length_rules(days):
    with pytest.raises(ValueError, match="even number from 8 to 84"):
        propose_schedule("caffeine", days, START, 1)


def experiment_diary(effect: float, seed: int, days: int = 28):
    schedule = propose_schedule("caffeine", days, START, seed)
    sim = simulate_following(schedule.start, schedule.arms, factor="caffeine_mg", effect=effect, seed=seed, drift_sd=0.1)
    as_of = dt.datetime.combine(schedule.end + dt.timedelta(days=1), dt.time(12), tzinfo=sim.diary.tz)
    return schedule, sim, as_of


def test_report_on_a_simulated_experiment_finds_fewer_twitches_without_caffeine():
    schedule, sim, as_of = experiment_diary(effect=0.6, seed=11)
    report = analyse_experiment(schedule, sim.diary, as_of).to_dict()
    assert report["finished"] and report["days_done"] == 28 and report["days_a"] == report["days_b"] == 14
    assert report["episodes_per_day_a"] < report["episodes_per_day_b"]
    low, high = report["difference_ci95"]
    assert low < report["difference_per_day"] < high < 0
    assert report["rate_ratio"] < 1 and report["rate_ratio_ci95"][1] < 1
    assert "fewer episodes" in report["message"]
    # Check-ins record 0 mg on the A days: adherence counts every recorded A day as kept.
    assert report["adherence"]["kept"] == report["adherence"]["recorded"] > 0


def test_report_without_a_real_effect_includes_zero():
    schedule, sim, as_of = experiment_diary(effect=0.0, seed=12)
    report = analyse_experiment(schedule, sim.diary, as_of).to_dict()
    low, high = report["difference_ci95"]
    assert low < 0 < high
    assert "no clear difference" in report["message"]


def test_report_is_too_early_in_the_first_days_and_ignores_today():
    schedule, sim, _ = experiment_diary(effect=0.6, seed=13)
    as_of = dt.datetime.combine(START + dt.timedelta(days=3), dt.time(20), tzinfo=sim.diary.tz)
    report = analyse_experiment(schedule, sim.diary, as_of)
    assert report.days_done == 3 and report.difference is None
    assert "Too early" in report.message
