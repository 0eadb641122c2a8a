"""The trigger analysis on simulated diaries: it finds what was planted, and
only that (about 10 diaries of 120 days; a few seconds)."""

from __future__ import annotations

import datetime as dt

import pytest

from nosetwitch.insights import compute_insights
from nosetwitch.simulate import SimulationParams, simulate

END = dt.date(2026, 5, 4)


def significant(params: SimulationParams) -> dict[tuple[str, int], str]:
    report = compute_insights(simulate(params).diary)
    assert report.status == "ok"
    return {(row.factor, row.lag_days): row.direction for row in report.associations if row.significant}


@pytest.mark.parametrize(
    ("seed", "factor", "effect", "direction"),
    [
        (101, "caffeine_mg", 0.5, "up"),
        (102, "caffeine_mg", 0.5, "up"),
        (103, "sleep_h", -0.5, "down"),
        (104, "stress", 0.5, "up"),
        (105, "water_l", -0.5, "down"),
    ],
)
def test_a_strong_planted_factor_is_found_with_its_direction(seed, factor, effect, direction):
    flagged = significant(SimulationParams(days=120, seed=seed, end=END, effects={factor: effect}))
    assert flagged.get((factor, 0)) == direction
    # Nothing else is blamed (the same factor the day before may show through autocorrelation).
    assert {name for name, _ in flagged} == {factor}


# A fixed set of seeds: about 3 % of null diaries show one false lead (seeds 204 and
# 231 of 200-259 do); bench/insights_validation.py measures that rate over many diaries.
@pytest.mark.parametrize("seed", [201, 202, 203, 205])
def test_nothing_is_flagged_in_a_diary_without_planted_effects(seed):
    # Workdays bring more caffeine, stress and (for unrecorded reasons) twitching; the baseline drifts.
    assert significant(SimulationParams(days=120, seed=seed, end=END, effects={})) == {}


def test_weekday_confounding_alone_fools_a_naive_comparison_but_not_the_analysis():
    import numpy as np

    from scipy import stats

    sim = simulate(SimulationParams(days=120, seed=208, end=END, effects={}, workday_effect=0.5))
    stress = sim.values["stress"]
    high = stress > np.median(stress)
    # High-stress days (mostly workdays) had about a third more twitching: a naive t-test flags stress.
    assert sim.counts[high].mean() > 1.3 * sim.counts[~high].mean()
    assert stats.ttest_ind(sim.counts[high], sim.counts[~high]).pvalue < 0.01
    assert significant(sim.params) == {}
