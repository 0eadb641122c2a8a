"""n-of-1 experiments: balanced reproducible schedules and an honest comparison."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nosetwitch.insights.experiments import PLANS, analyse_experiment, can_reach_a_verdict, propose_schedule, randomisation_p
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


def test_report_without_a_real_effect_finds_no_clear_difference():
    schedule, sim, as_of = experiment_diary(effect=0.0, seed=12)
    report = analyse_experiment(schedule, sim.diary, as_of).to_dict()
    assert report["p_randomisation"] >= 0.05 and report["schedules_compared"] == 2**7
    assert report["message"].startswith("No clear difference")
    assert "expect" in report["caveat"]  # unblinded and self-reported: it can follow expectations


def test_no_verdict_and_no_interval_at_any_daily_look_before_the_end():
    schedule, sim, end_as_of = experiment_diary(effect=0.8, seed=13)
    for done in range(0, schedule.days):
        as_of = dt.datetime.combine(START + dt.timedelta(days=done), dt.time(20), tzinfo=sim.diary.tz)
        report = analyse_experiment(schedule, sim.diary, as_of)
        assert report.days_done == done and not report.finished
        assert report.difference_ci95 is None and report.rate_ratio is None and report.p_randomisation is None
        assert f"{done} of 28 days are over" in report.message
        assert "comes when all 28 days are over" in report.message
        assert "fewer episodes" not in report.message and "more episodes than" not in report.message
    final = analyse_experiment(schedule, sim.diary, end_as_of)
    assert final.finished and final.p_randomisation < 0.05 and "A days went with fewer episodes" in final.message


def test_randomisation_p_is_exact_over_the_schedules_the_coin_could_draw():
    import itertools

    import numpy as np

    schedule = propose_schedule("caffeine", 12, START, 5)  # blocks AABB|BBAA|AB: 3 coins, 8 schedules
    counts = np.array([5, 6, 1, 2, 0, 1, 7, 6, 2, 3, 1, 4], dtype=float)
    arm_a = np.array([arm == "A" for arm in schedule.arms])
    p, compared = randomisation_p(counts, arm_a, seed=1)
    assert compared == 8
    observed = abs(counts[arm_a].mean() - counts[~arm_a].mean())
    as_extreme = 0
    for coins in itertools.product([False, True], repeat=3):
        flipped = np.array([a != coins[i // 4] for i, a in enumerate(arm_a)])
        as_extreme += abs(counts[flipped].mean() - counts[~flipped].mean()) >= observed - 1e-9
    assert p == as_extreme / 8


def test_a_short_experiment_says_it_is_too_short_to_tell():
    assert not can_reach_a_verdict(14) and not can_reach_a_verdict(20) and can_reach_a_verdict(22)
    schedule, sim, as_of = experiment_diary(effect=1.5, seed=14, days=14)
    report = analyse_experiment(schedule, sim.diary, as_of)
    assert report.finished and report.p_randomisation >= 2 / 16
    assert report.message.startswith("Too short to tell") and "16 possible schedules" in report.message
