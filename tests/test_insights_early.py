"""Early honest answers: from the first days, insights say what the diary already
shows, what it cannot show yet, and when a factor of typical size would show."""

from __future__ import annotations

import datetime as dt
import re

import jsonschema
import pytest

from nosetwitch.insights import INSIGHTS_SCHEMA, compute_insights
from nosetwitch.insights.early import days_needed
from nosetwitch.insights.findings import remedy_sentences
from nosetwitch.simulate import simulate_diary

END = dt.date(2026, 5, 4)


def early(days: int, seed: int = 3):
    report = compute_insights(simulate_diary(days=days, seed=seed, end=END))
    jsonschema.validate(report.to_dict(), INSIGHTS_SCHEMA)
    return report


def test_three_days_say_how_many_days_and_what_is_needed_but_compare_nothing():
    report = early(3)
    assert report.status == "insufficient_data"
    first = report.findings[0]
    assert first.startswith("3 complete days with a check-in so far")
    assert "needs at least 28 (about 4 weeks)" in first
    assert re.search(r"a factor of typical size usually shows after about \d+ days with a check-in", first)
    assert "Too few days yet to compare any factor" in report.findings[1]
    assert report.to_dict()["outlook"]["so_far"] == []


@pytest.mark.parametrize("days", [10, 20])
def test_ten_and_twenty_days_show_the_comparison_so_far_marked_too_early(days):
    report = early(days)
    assert report.status == "insufficient_data" and report.associations == []
    outlook = report.to_dict()["outlook"]
    assert outlook["checkin_days"] == report.checkin_days and 0 < report.checkin_days <= days
    so_far = report.findings[1]
    # The caution comes first (on a phone it is read before the figures).
    assert so_far.startswith("Too early to tell whether any of this is more than chance, but so far days with more ")
    # The figures in the sentence are the plain averages of those days.
    first = outlook["so_far"][0]
    assert f"averaged {first['episodes_per_day_high']:.1f} twitches ({first['days_high']} days)" in so_far
    assert f"the other days {first['episodes_per_day_low']:.1f} ({first['days_low']} days)" in so_far
    assert first["days_high"] + first["days_low"] <= report.checkin_days
    assert not any("stood out" in f or "went with about" in f for f in report.findings)


def test_the_days_needed_follow_the_persons_own_rate_and_dispersion():
    # Fewer twitches a day or busier bad days: more days needed; none at all: no promise.
    assert days_needed(4.0, 2.0) < days_needed(1.5, 2.0) < days_needed(0.8, 2.0)
    assert days_needed(2.0, 1.5) < days_needed(2.0, 3.0)
    assert days_needed(0.0, 1.0) is None
    assert days_needed(0.05, 3.0) is None  # beyond two years: said so, not a number
    report = early(10)
    assert report.to_dict()["outlook"]["typical_effect_detectable_after_days"] % 7 == 0


def test_a_long_diary_without_findings_says_whether_a_typical_factor_could_have_shown():
    report = compute_insights(simulate_diary(days=40, seed=5, end=END, caffeine_mg=0))
    assert report.status == "ok"
    if not any(r.significant for r in report.associations):
        needed = report.to_dict()["outlook"]["typical_effect_detectable_after_days"]
        if needed and needed > report.checkin_days:
            assert any("a real factor may not stand out yet" in f for f in report.findings)


def row(code, helped, answered):
    return {"code": code, "tried": answered, "helped": helped, "answered": answered,
            "helped_rate": helped / answered, "ci95": _wilson(helped, answered)}


def _wilson(h, n):
    from nosetwitch.insights.remedies import wilson_interval

    return list(wilson_interval(h, n))


def test_the_best_of_several_remedies_says_how_it_was_picked_and_that_picking_flatters():
    sentences = remedy_sentences([row("warm_compress", 14, 19), row("massage", 9, 15), row("hydration", 3, 8)])
    assert len(sentences) == 1
    text = sentences[0]
    assert "Of the 3 remedies you rated at least 5 times, warm compress has the highest lower end" in text
    assert "14 of the 19 times you answered" in text
    assert "best of 3" in text and "partly luck" in text
    assert "most often" not in text


def test_a_single_remedy_is_not_called_the_best():
    (text,) = remedy_sentences([row("massage", 6, 9), row("hydration", 1, 3)])
    assert text.startswith("Massage is the only remedy you rated at least 5 times")
    assert "best" not in text
