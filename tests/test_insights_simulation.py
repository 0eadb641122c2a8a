"""The trigger analysis on simulated diaries: it finds what was planted, and
only that (about 10 diaries of 120 days; a few seconds)."""

from __future__ import annotations

import datetime as dt

import pytest

from nosetwitch.insights import compute_insights
from nosetwitch.simulate import OwnFactorModel, SimulationParams, simulate

END = dt.date(2026, 5, 4)


def significant(params: SimulationParams) -> dict[tuple[str, int], str]:
    report = compute_insights(simulate(params).diary)
    assert report.status == "ok"
    return {(row.factor, row.lag_days): row.direction for row in report.associations if row.significant}


@pytest.mark.parametrize(
    ("seed", "factor", "effect", "direction"),
    [
        (106, "caffeine_mg", 0.5, "up"),  # seed 101: water also showed (a false lead; about 1 in 10 diaries has one)
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


# --- the validation grid, small: a few cells, fixed seeds (bench/insights_validation.py runs it all) ---


def _bench():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "insights_validation.py"
    spec = importlib.util.spec_from_file_location("insights_validation_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# Measured with these seeds when the method was chosen (see docs/insights.md); a change
# that loses power or lets more false leads through fails here.
GRID_CHECK = {
    # cell: (diaries, at least this many planted effects found, at most this many false leads)
    "k4-r3-d180": (24, 12, 2),  # measured: 13 of 19 found (oracle 16), 0 false leads among 251 null factors
    "k8-r3-d120": (24, 10, 5),  # measured: 12 of 20 found (oracle 10), 5 false leads among 237
    # (before the residual-df dispersion and the settled rounds: 14 / 2 and 12 / 3; over the 200
    # diaries of each cell that change found 64.9 % against 66.2 % and 42.0 % against 40.0 %.)
}


@pytest.mark.parametrize("cell", sorted(GRID_CHECK))
def test_the_small_grid_keeps_its_power_and_false_positives(cell):
    bench = _bench()
    diaries, min_hits, max_false = GRID_CHECK[cell]
    hits = planted = false = nulls = oracle_hits = 0
    for index in range(diaries):
        sim = simulate(bench.scenario(cell, index))
        table = bench.table_of(sim)
        mine = bench.score(bench._rows(bench.analyse_factors(table)), sim)
        best = bench.score(bench.oracle(sim, table), sim)
        hits, planted, false, nulls = hits + mine[0], planted + mine[1], false + mine[2], nulls + mine[3]
        oracle_hits += best[0]
    assert planted > 10 and nulls > 200
    assert hits >= min_hits and false <= max_false
    assert hits >= 0.8 * oracle_hits


def test_every_row_that_stands_out_was_adjusted_for_every_other_one():
    # Found by the grid (cell k8-r3-d120, diary 16): the set of adjusting rows used to flip between
    # rounds (adjusting facial strain's two days for each other hid both, so the next round left its
    # effect in every other comparison), and the fourth round reported three factors that had not
    # been adjusted for the others, all three without an effect. Now a row that stood out stays an
    # adjuster, and what is reported is a settled round: each finding holds the others fixed.
    from nosetwitch.insights.triggers import Method

    bench = _bench()
    for index in range(24):  # the small grid's diaries of that cell, 16 among them
        sim = simulate(bench.scenario("k8-r3-d120", index))
        rows = bench.analyse_factors(bench.table_of(sim))
        found = [(r.factor, r.lag_days) for r in rows if r.significant]
        for row in rows:
            if not row.significant:
                continue
            note = row.method.partition("; adjusted for ")[2]
            adjusted = {(name.removesuffix(" (day before)"), 1 if name.endswith("(day before)") else 0) for name in note.split(", ") if name}
            assert set(found) - {(row.factor, row.lag_days)} <= adjusted, (index, row.factor)
    before = bench.analyse_factors(bench.table_of(simulate(bench.scenario("k8-r3-d120", 16))), Method(rounds="last"))
    assert len([r for r in before if r.significant and r.factor not in {"caffeine_mg", "facial_strain"}]) >= 3


# --- the person's own factors ---

OWN = {
    "yoga": OwnFactorModel("yes_no", 0.4, label="yoga", workday_shift=0.2),
    "chocolate_g": OwnFactorModel("number", 40, sd=25, unit="g", label="chocolate"),
}


def own_rows(effects: dict[str, float], seed: int) -> dict[tuple[str, int], object]:
    sim = simulate(SimulationParams(days=150, seed=seed, end=END, own_factors=OWN, effects=effects))
    report = compute_insights(sim.diary)
    return {(row.factor, row.lag_days): row for row in report.associations}, report


@pytest.mark.parametrize("seed", [301, 302])
def test_a_planted_yes_no_own_factor_is_found_as_yes_days_against_no_days(seed):
    rows, report = own_rows({"own:yoga": -0.6}, seed)
    row = rows[("own:yoga", 0)]
    assert row.significant and row.direction == "down" and row.kind == "yes_no"
    assert row.rate_ratio < 1 and row.per == 1.0
    assert any(f.startswith("Days with \u201cyoga\u201d went with about") and "fewer twitch episodes than days without" in f for f in report.findings)
    assert not rows[("own:chocolate_g", 0)].significant and not rows[("own:chocolate_g", 1)].significant


@pytest.mark.parametrize("seed", [303, 304])
def test_a_planted_numeric_own_factor_is_found_per_a_round_step_of_its_unit(seed):
    rows, report = own_rows({"own:chocolate_g": 0.5}, seed)
    row = rows[("own:chocolate_g", 0)]
    assert row.significant and row.direction == "up" and row.per == 20.0
    assert any(f.startswith("Each extra 20 g of chocolate went with about") for f in report.findings)
    assert not any(r.significant for (name, _), r in rows.items() if name == "own:yoga")
    assert report.to_dict()["associations"][0]["factor"].startswith(("own:", *("sleep", "caffeine", "stress")))


@pytest.mark.parametrize("seed", [305, 306, 307])
def test_own_factors_without_an_effect_are_not_flagged(seed):
    rows, _ = own_rows({}, seed)
    assert {("own:yoga", 0), ("own:chocolate_g", 0)} <= set(rows)
    assert not any(r.significant for (name, _), r in rows.items() if name.startswith("own:"))


def test_a_diary_whose_missing_days_leave_a_factor_nothing_to_compare_is_still_analysed():
    # Found by the grid (cell k8-r3-d60, diary 156): a singular score information used to raise.
    bench = _bench()
    sim = simulate(bench.scenario("k8-r3-d60", 156))
    rows = bench.analyse_factors(bench.table_of(sim))
    assert rows and all(0 <= r.q <= 1 for r in rows)
