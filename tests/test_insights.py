"""Insights on small hand-made diaries whose answers are known in advance."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nosetwitch.domain.models import DayCheckIn, Diary, Episode, Person, RemedyAttempt
from nosetwitch.insights import INSIGHTS_SCHEMA, MIN_CHECKIN_DAYS, compute_insights
from nosetwitch.insights.remedies import wilson_interval
from nosetwitch.insights.triggers import _base_fit, _Candidate, _score, benjamini_hochberg, fit_poisson, weighted_bh
from nosetwitch.simulate import simulate_diary

jsonschema = pytest.importorskip("jsonschema")

SHARED = Path(__file__).resolve().parents[2] / "shared"
BERLIN = "Europe/Berlin"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def diary_with(episodes: list[tuple[str, float | None]], tz: str = BERLIN, **extra) -> Diary:
    return Diary(
        person=Person(timezone=tz),
        episodes=[
            Episode(id=f"e{i}", started_at=at(start), duration_s=duration) for i, (start, duration) in enumerate(episodes)
        ],
        **extra,
    )


# March 2026: Berlin moves its clocks forward on Sunday 29 March (02:00 -> 03:00).
MARCH = [
    ("2026-03-20T12:00:00+01:00", 10.0),
    ("2026-03-21T12:00:00+01:00", 20.0),
    ("2026-03-22T12:00:00+01:00", 30.0),
    ("2026-03-23T12:00:00+01:00", None),
    ("2026-03-28T10:00:00+01:00", 40.0),
    ("2026-03-28T23:30:00Z", 50.0),  # 00:30 on the 29th in Berlin, though the 28th in UTC
    ("2026-03-29T01:30:00Z", 60.0),  # 03:30 summer time, just after the change
    ("2026-03-30T08:15:00+02:00", 70.0),
    ("2026-03-30T20:00:00Z", 80.0),  # 22:00 in Berlin
    ("2026-04-01T09:00:00+02:00", 99.0),  # after as_of: ignored
]
MARCH_AS_OF = at("2026-03-31T23:00:00+02:00")


def test_counts_streaks_and_rates_in_the_persons_zone():
    summary = compute_insights(diary_with(MARCH), MARCH_AS_OF).summary
    assert summary["episodes"] == 9
    assert summary["episode_days"] == 7  # 20, 21, 22, 23, 28, 29, 30 March
    assert summary["longest_streak_days"] == 4
    # 31 March (the as_of day) has none yet: the run 28-30 March is still current.
    assert summary["current_streak_days"] == 3
    assert summary["episodes_per_day_7d"] == round(5 / 7, 2)  # 25-31 March
    assert summary["episodes_per_day_30d"] == round(9 / 12, 2)  # the diary covers 12 days
    assert summary["median_duration_s"] == 45.0  # the 8 recorded durations, 10..80


def test_by_hour_uses_local_time_across_the_spring_change():
    by_hour = compute_insights(diary_with(MARCH), MARCH_AS_OF).summary["by_hour"]
    expected = [0] * 24
    for hour, count in {0: 1, 3: 1, 8: 1, 10: 1, 12: 4, 22: 1}.items():
        expected[hour] = count
    assert by_hour == expected


def test_the_repeated_hour_of_the_autumn_change_counts_twice_in_its_local_hour():
    diary = diary_with(
        [
            ("2026-10-25T02:30:00+02:00", None),  # first 02:30 (summer time)
            ("2026-10-25T02:30:00+01:00", None),  # second 02:30, one hour later
            ("2026-10-24T23:30:00Z", None),  # 01:30 summer time on the 25th
        ]
    )
    report = compute_insights(diary, at("2026-10-25T12:00:00+01:00"))
    assert report.summary["by_hour"][2] == 2 and report.summary["by_hour"][1] == 1
    assert report.summary["episode_days"] == 1 and report.days_observed == 1
    assert report.summary["current_streak_days"] == 1


def test_a_day_without_episodes_breaks_the_current_streak():
    diary = diary_with([("2026-05-01T10:00:00+02:00", None), ("2026-05-02T10:00:00+02:00", None)])
    assert compute_insights(diary, at("2026-05-03T12:00:00+02:00")).summary["current_streak_days"] == 2
    assert compute_insights(diary, at("2026-05-04T12:00:00+02:00")).summary["current_streak_days"] == 0


def test_as_of_defaults_to_the_latest_record_and_is_shown_in_the_persons_zone():
    diary = diary_with([("2026-05-01T08:00:00Z", None), ("2026-05-02T07:00:00Z", None)], tz="America/New_York")
    report = compute_insights(diary).to_dict()
    assert report["as_of"] == "2026-05-02T03:00:00-04:00"
    assert report["summary"]["episodes"] == 2


def test_empty_diary_has_a_full_summary_and_insufficient_data():
    report = compute_insights(Diary(person=Person(timezone=BERLIN)), at("2026-05-01T12:00:00+02:00")).to_dict()
    jsonschema.validate(report, INSIGHTS_SCHEMA)
    assert report["status"] == "insufficient_data"
    assert report["summary"]["by_hour"] == [0] * 24 and report["summary"]["median_duration_s"] is None
    assert report["associations"] == []


# --- remedies -------------------------------------------------------------------------------------


def remedies(code: str, helped: int, not_helped: int, unknown: int = 0) -> list[RemedyAttempt]:
    answers = [True] * helped + [False] * not_helped + [None] * unknown
    return [
        RemedyAttempt(code=code, at=at("2026-05-01T10:00:00+02:00") + dt.timedelta(hours=i), helped=answer)
        for i, answer in enumerate(answers)
    ]


def test_remedy_rates_and_wilson_intervals_match_known_values():
    diary = Diary(
        person=Person(timezone=BERLIN),
        remedies=remedies("warm_compress", 14, 5) + remedies("magnesium", 0, 5, unknown=2),
    )
    rows = {r["code"]: r for r in compute_insights(diary, at("2026-05-03T12:00:00+02:00")).to_dict()["remedies"]}
    warm = rows["warm_compress"]
    assert (warm["tried"], warm["helped"], warm["answered"]) == (19, 14, 19)
    assert warm["helped_rate"] == pytest.approx(14 / 19, abs=1e-3)
    assert warm["ci95"] == pytest.approx([0.512, 0.882], abs=1e-3)  # the spec's example, 14 of 19
    magnesium = rows["magnesium"]
    assert (magnesium["tried"], magnesium["helped"], magnesium["answered"]) == (7, 0, 5)
    # 0 of 5: the Wilson upper bound is z^2 / (n + z^2).
    assert magnesium["ci95"] == pytest.approx([0.0, 1.96**2 / (5 + 1.96**2)], abs=1e-3)


def test_remedies_after_as_of_are_ignored_and_unanswered_ones_get_no_rate():
    diary = Diary(person=Person(timezone=BERLIN), remedies=remedies("massage", 0, 0, unknown=3))
    rows = compute_insights(diary, at("2026-05-01T11:30:00+02:00")).to_dict()["remedies"]
    assert rows == [{"code": "massage", "tried": 2, "helped": 0, "answered": 0, "helped_rate": None, "ci95": None}]


@given(st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_rate_and_stays_in_0_1(pair):
    successes, trials = pair
    interval = wilson_interval(successes, trials)
    if trials == 0:
        assert interval is None
        return
    low, high = interval
    assert 0 <= low <= successes / trials <= high <= 1


# --- the minimum data rule ---------------------------------------------------------------------------


def checkin_diary(checkin_days: int, *, total_days: int = 40) -> Diary:
    start = dt.date(2026, 3, 1)
    episodes = [
        Episode(id=f"e{i}", started_at=dt.datetime.combine(start + dt.timedelta(days=i), dt.time(12), tzinfo=dt.timezone.utc))
        for i in range(total_days)
    ]
    days = [
        DayCheckIn(date=start + dt.timedelta(days=i), caffeine_mg=float(100 + 37 * (i % 5)), sleep_h=7.0 + (i % 3) / 2)
        for i in range(checkin_days)
    ]
    return Diary(person=Person(timezone="UTC"), episodes=episodes, days=days)


def test_insufficient_data_below_the_minimum_of_check_in_days():
    as_of = at("2026-04-09T23:59:59+00:00")
    below = compute_insights(checkin_diary(MIN_CHECKIN_DAYS - 1), as_of)
    assert below.status == "insufficient_data" and below.associations == []
    assert "at least 28" in below.findings[0]
    enough = compute_insights(checkin_diary(MIN_CHECKIN_DAYS), as_of)
    assert enough.status == "ok"
    # The same twitching every day: nothing can stand out.
    assert enough.associations and not any(row.significant for row in enough.associations)


def test_the_unfinished_as_of_day_is_not_counted_as_a_check_in_day():
    diary = checkin_diary(MIN_CHECKIN_DAYS, total_days=MIN_CHECKIN_DAYS)
    last_day = dt.date(2026, 3, 1) + dt.timedelta(days=MIN_CHECKIN_DAYS - 1)
    midday = dt.datetime.combine(last_day, dt.time(12, 30), tzinfo=dt.timezone.utc)
    assert compute_insights(diary, midday).status == "insufficient_data"
    assert compute_insights(diary, midday.replace(hour=23, minute=59, second=59)).status == "ok"


def test_a_factor_recorded_on_few_days_or_without_variation_gets_no_row():
    diary = simulate_diary(days=90, seed=4, end=dt.date(2026, 5, 4))
    days = []
    for index, day in enumerate(diary.days):
        changes = {"exercise_min": 30.0, "potassium_mg": 2000.0 + index if index < 10 else None}
        days.append(day.model_copy(update=changes))
    report = compute_insights(diary.model_copy(update={"days": days}))
    factors = {row.factor for row in report.associations}
    assert "exercise_min" not in factors and "potassium_mg" not in factors
    assert "caffeine_mg" in factors


# --- JSON output and schema -----------------------------------------------------------------------------


def spec_example() -> dict:
    text = (SHARED / "spec" / "insights.md").read_text()
    block = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    return json.loads(block.replace('"…"', '"x"'))


def assert_has_fields(expected, actual, where="report"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is missing"
            if actual[key] is not None:
                assert_has_fields(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected and actual:
        assert_has_fields(expected[0], actual[0], f"{where}[0]")


def test_report_has_every_field_of_the_spec_and_validates_against_the_schema():
    if not SHARED.exists():
        pytest.skip("../shared is not beside the checkout")
    jsonschema.Draft202012Validator.check_schema(INSIGHTS_SCHEMA)
    report = compute_insights(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4))).to_dict()
    assert report["associations"] and report["remedies"]
    jsonschema.validate(report, INSIGHTS_SCHEMA)
    assert_has_fields(spec_example(), report)
    assert len(report["summary"]["by_hour"]) == 24
    json.dumps(report, allow_nan=False)  # strict JSON: no NaN or Infinity


PUBLIC_CASES = sorted(p for p in (SHARED / "cases" / "public").glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda p: p.stem)
def test_every_public_case_gives_a_valid_report(case):
    from nosetwitch.interfaces.interchange.diary_json import load_diary_file

    report = compute_insights(load_diary_file(case)).to_dict()
    jsonschema.validate(report, INSIGHTS_SCHEMA)


def test_findings_say_went_with_and_never_caused():
    report = compute_insights(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4), caffeine_mg=0.7))
    text = " ".join(report.findings)
    assert "went with" in text and "caffeine" in text
    # The association sentence itself (before the knowledge base's explanation).
    own_words = report.findings[0].split("How it can matter")[0].lower()
    assert "went with" in own_words
    assert not re.search(r"\bcaus(e|ed|es|ing)\b", own_words)
    assert "not a diagnosis" in report.findings[-1]


# --- the statistics underneath --------------------------------------------------------------------


def test_benjamini_hochberg_matches_hand_computed_values():
    # p sorted: 0.01, 0.02, 0.03, 0.5 with m = 4 -> 0.04, 0.04, 0.04, 0.5
    assert benjamini_hochberg([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.04, 0.5, 0.04, 0.04])
    assert benjamini_hochberg([]) == []


def test_own_poisson_fit_and_the_score_test_agree_with_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    import numpy as np

    rng = np.random.default_rng(0)
    n = 150
    design = np.column_stack([np.ones(n), (np.arange(n) % 7 < 5).astype(float), rng.standard_normal(n)])
    y = rng.poisson(np.exp(design @ np.array([1.2, 0.2, 0.15])) * rng.gamma(5, 0.2, n))
    beta, mu, bread = fit_poisson(y, design)
    model = sm.GLM(y, design, family=sm.families.Poisson())
    reference = model.fit()
    assert beta == pytest.approx(reference.params, rel=1e-6)
    quasi = model.fit(scale="X2")
    pearson = float(((y - mu) ** 2 / mu).sum() / (n - 3))
    assert math.sqrt(pearson * bread[-1, -1]) == pytest.approx(quasi.bse[-1], rel=1e-6)
    # The engine's score test from the base fit (without the factor) with its one-step estimate:
    # close to the full quasi-Poisson fit's coefficient, standard error and p-value.
    x = design[:, -1]
    candidate = _Candidate("x", 0, (x - x.mean()) / x.std(), None, float(x.std()), n)
    one_step, se, p, df = _score(y.astype(float), _base_fit(y.astype(float), design[:, :2], np.zeros(2), []), candidate)
    assert df == n - 3
    assert one_step / x.std() == pytest.approx(quasi.params[-1], rel=0.03)
    assert se / x.std() == pytest.approx(quasi.bse[-1], rel=0.03)
    assert p == pytest.approx(quasi.pvalues[-1], rel=0.25)


def test_the_dispersion_counts_a_shrunk_weekday_column_as_less_than_one_degree_of_freedom():
    import numpy as np

    from nosetwitch.insights.daily import DailyTable
    from nosetwitch.insights.triggers import DEFAULT_METHOD, base_design

    rng = np.random.default_rng(7)
    n = 120
    table = DailyTable(
        dt.date(2026, 1, 5), dt.date(2026, 1, 5) + dt.timedelta(days=n - 1), None, np.zeros(n, dtype=int),
        np.ones(n, dtype=bool), {}, np.zeros(24), np.zeros(0), True,
    )
    use = rng.random(n) > 0.2
    design = base_design(table, DEFAULT_METHOD)[use]
    penalty = np.zeros(design.shape[1])
    penalty[-7:] = DEFAULT_METHOD.weekday_ridge
    keep = design.any(axis=0)
    design, penalty = design[:, keep], penalty[keep]
    t = np.arange(n)[use] / n
    mu_true = 3.0 * np.exp(0.25 * (table.weekday[use] < 5) + 0.3 * (t - 0.5))  # in the model's span
    k = 8.0
    plain, used_estimates = [], []
    for _ in range(400):
        y = rng.poisson(mu_true * rng.gamma(k, 1 / k, len(mu_true))).astype(float)
        _, mu, bread, _, used = _base_fit(y, design, penalty, [])
        pearson = float(((y - mu) ** 2 / mu).sum())
        used_estimates.append(pearson / (len(y) - used))
        plain.append(pearson / (len(y) - design.shape[1]))
    # The degrees of freedom the fit uses up are tr(2A - A^2) of its hat matrix A = X B X'W:
    # the 4 trend columns and the weekend column count one each, the 7 shrunk weekdays about 2 together.
    hat = design @ bread @ design.T * mu[None, :]
    assert used == pytest.approx(np.trace(2 * hat - hat @ hat), rel=1e-9)
    assert 5 < used < design.shape[1] - 3
    # So the dispersion is estimated without the upward bias of counting every column as one.
    true = float(np.mean(1 + mu_true / k))
    assert abs(np.mean(used_estimates) / true - 1) < 0.03
    assert np.mean(plain) / true - 1 > 0.03


def test_weighted_bh_favours_the_heavier_rows_and_keeps_plain_bh_with_equal_weights():
    p = [0.01, 0.02, 0.03, 0.5]
    assert weighted_bh(p, [1, 1, 1, 1]) == pytest.approx(benjamini_hochberg(p))
    heavy_first = weighted_bh(p, [1.5, 0.5, 1.5, 0.5])
    assert heavy_first[0] < benjamini_hochberg(p)[0] and heavy_first[1] > benjamini_hochberg(p)[1]


def test_a_supported_factor_links_to_the_knowledge_base_explanation_and_relief():
    from nosetwitch.knowledge import knowledge

    report = compute_insights(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4), caffeine_mg=0.7))
    (finding,) = [f for f in report.findings if f.startswith("Each extra 100 mg of caffeine")]
    cause = knowledge().cause_for_factor("caffeine_mg")
    assert cause.explanation in finding
    assert all(knowledge().remedy(code).name in finding for code in cause.relief)


def test_exercise_has_no_usual_direction_so_no_verdict_is_added():
    report = compute_insights(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4), exercise_min=-0.8))
    (finding,) = [f for f in report.findings if f.startswith("Each extra 30 minutes of exercise") and "same day" in f]
    assert "fewer twitch episodes" in finding
    assert "usual pattern" not in finding and "What may help" not in finding


def test_an_association_against_the_usual_direction_gets_no_advice():
    report = compute_insights(simulate_diary(days=120, seed=1, end=dt.date(2026, 5, 4), sleep_h=0.7))
    (finding,) = [f for f in report.findings if f.startswith("Each extra hour of sleep") and "same day" in f]
    assert "more twitch episodes" in finding
    assert "runs against the usual pattern" in finding and "What may help" not in finding


ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


@given(
    tz=st.sampled_from(ZONES),
    instants=st.lists(
        st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 30), timezones=st.just(dt.timezone.utc)),
        min_size=1,
        max_size=40,
    ),
)
def test_summary_agrees_with_a_direct_count_in_any_zone(tz, instants):
    from zoneinfo import ZoneInfo

    diary = Diary(
        person=Person(timezone=tz),
        episodes=[Episode(id=f"e{i}", started_at=instant) for i, instant in enumerate(instants)],
    )
    summary = compute_insights(diary).summary
    local = [instant.astimezone(ZoneInfo(tz)) for instant in instants]
    assert summary["episodes"] == len(instants)
    assert summary["by_hour"] == [sum(t.hour == h for t in local) for h in range(24)]
    assert summary["episode_days"] == len({t.date() for t in local})
    assert 1 <= summary["current_streak_days"] <= summary["longest_streak_days"] <= summary["episode_days"]


def test_a_check_in_filled_in_long_before_twitches_were_logged_does_not_wipe_the_patterns():
    """Filling in a day months before the diary's twitches (the check-in page allows any
    past day) once left the trend nothing to fit over the unknown months: no row at all."""
    diary = simulate_diary(days=90, seed=3)
    as_of = max(e.started_at for e in diary.episodes)
    before = compute_insights(diary, as_of).to_dict()["associations"]
    first = min(e.started_at for e in diary.episodes).date()
    lonely = DayCheckIn(date=first - dt.timedelta(days=240), sleep_h=6.5, stress=7, caffeine_mg=180.0)
    after = compute_insights(diary.model_copy(update={"days": [lonely, *diary.days]}), as_of).to_dict()["associations"]
    assert before and len(after) == len(before)
