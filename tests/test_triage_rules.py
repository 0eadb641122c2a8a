"""The triage engine rule by rule: the policy table maps onto the code, the
properties a frightened user relies on hold for any diary, and the advice
follows the person's own check-ins."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nosetwitch.domain.models import (
    DayCheckIn,
    Diary,
    Episode,
    Medication,
    Onset,
    Person,
    RemedyAttempt,
    Side,
    Site,
    Symptom,
    SymptomCode,
    SymptomSide,
)
from nosetwitch.triage import Level, triage
from nosetwitch.triage.rules import PATTERN_RULES, RULES, SYMPTOM_RULES, is_stroke_type

POLICY = next((p / "shared" / "spec" / "triage-policy.md" for p in Path(__file__).resolve().parents if (p / "shared" / "spec" / "triage-policy.md").is_file()), Path(__file__).resolve().parents[2] / "shared" / "spec" / "triage-policy.md")
UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 3, 10, 20, 0, tzinfo=UTC)


def diary(tz: str = "Europe/London", **records) -> Diary:
    return Diary(person=Person(timezone=tz), **records)


def episode(eid: str, at: dt.datetime, **fields) -> Episode:
    return Episode(id=eid, started_at=at, **fields)


# --- the rule table is the policy's table ----------------------------------------------------


def test_rule_table_matches_the_policy_table_row_for_row() -> None:
    if not POLICY.is_file():
        pytest.skip(f"{POLICY} is absent")
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (.+) \|$", POLICY.read_text(), flags=re.MULTILINE)
    assert [(code, level) for code, level, _ in rows] == [(r.code, r.level.value) for r in RULES]


def test_every_rule_function_states_its_condition() -> None:
    for rule in RULES:
        doc = " ".join((rule.check.__doc__ or "").split())
        assert rule.check.__name__ == rule.code
        assert len(doc) > 40, rule.code
    assert len(SYMPTOM_RULES) + len(PATTERN_RULES) == len(RULES) == 10


@pytest.mark.parametrize("code", list(SymptomCode))
@pytest.mark.parametrize("side", [None, *SymptomSide])
def test_stroke_type_definition(code: SymptomCode, side: SymptomSide | None) -> None:
    symptom = Symptom(id="s", code=code, onset=Onset.SUDDEN, started_at=AS_OF, side=side)
    expected = code in {
        SymptomCode.FACIAL_DROOP, SymptomCode.WEAKNESS, SymptomCode.SPEECH_DIFFICULTY,
        SymptomCode.SWALLOWING_DIFFICULTY, SymptomCode.VISION_CHANGE, SymptomCode.BALANCE_LOSS,
        SymptomCode.SEVERE_HEADACHE,
    } or (code is SymptomCode.NUMBNESS and side is not SymptomSide.BOTH)
    assert is_stroke_type(symptom) is expected


# --- properties over generated diaries --------------------------------------------------------

ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "UTC"]
instants = st.integers(min_value=-40 * 24 * 60, max_value=2 * 24 * 60).map(lambda m: AS_OF + dt.timedelta(minutes=m))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))


@st.composite
def diaries(draw) -> Diary:
    n_episodes = draw(st.integers(0, 12))
    episodes = [
        Episode(
            id=f"e{i}",
            started_at=draw(instants).astimezone(draw(offsets)),
            sites=draw(st.lists(st.sampled_from(list(Site)), min_size=1, max_size=3, unique=True)),
            side=draw(st.none() | st.sampled_from(list(Side))),
            interferes_with=draw(st.lists(st.sampled_from(["eating", "speaking", "sleeping", "seeing"]), max_size=2, unique=True)),
        )
        for i in range(n_episodes)
    ]
    symptoms = []
    for i in range(draw(st.integers(0, 3))):
        start = draw(instants)
        ended = draw(st.none() | st.integers(1, 5 * 24 * 60).map(lambda m, s=start: s + dt.timedelta(minutes=m)))
        symptoms.append(
            Symptom(
                id=f"s{i}", code=draw(st.sampled_from(list(SymptomCode))), onset=draw(st.sampled_from(list(Onset))),
                started_at=start, ended_at=ended, side=draw(st.none() | st.sampled_from(list(SymptomSide))),
                region=draw(st.none() | st.sampled_from(["face", "arm", "eye"])),
            )
        )
    remedies = [
        RemedyAttempt(code=draw(st.sampled_from(["massage", "warm_compress", "sleep", "other"])), at=draw(instants))
        for _ in range(draw(st.integers(0, 4)))
    ]
    medications = [Medication(name=draw(st.sampled_from(["Lasix", "atorvastatin", "Seroquel XR", "ibuprofen"])))] if draw(st.booleans()) else []
    return diary(draw(st.sampled_from(ZONES)), episodes=episodes, symptoms=symptoms, remedies=remedies, medications=medications)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(diaries(), st.sampled_from(list(SymptomCode)), st.sampled_from([None, SymptomSide.LEFT, SymptomSide.RIGHT]))
def test_adding_a_sudden_stroke_type_symptom_never_lowers_the_level_and_is_an_emergency(d: Diary, code, side) -> None:
    before = triage(d, AS_OF)
    new = Symptom(id="new", code=code, onset=Onset.SUDDEN, started_at=AS_OF - dt.timedelta(minutes=10), side=side)
    after = triage(d.model_copy(update={"symptoms": [*d.symptoms, new]}), AS_OF)
    assert after.level.rank >= before.level.rank
    if is_stroke_type(new):
        assert after.level is Level.EMERGENCY
        assert "new" in next(r for r in after.reasons if r.code == "stroke_sign").evidence


@SETTINGS
@given(diaries(), offsets)
def test_result_does_not_depend_on_the_offset_as_of_is_written_in(d: Diary, offset) -> None:
    first, second = triage(d, AS_OF).to_dict(), triage(d, AS_OF.astimezone(offset)).to_dict()
    first.pop("as_of"), second.pop("as_of")
    assert first == second


@SETTINGS
@given(diaries(), diaries())
def test_records_after_as_of_are_ignored(d: Diary, later: Diary) -> None:
    shift = dt.timedelta(days=41)  # every generated instant is after AS_OF once moved by 41 days
    future = {
        "episodes": d.episodes + [e.model_copy(update={"id": "f" + e.id, "started_at": e.started_at + shift}) for e in later.episodes],
        "symptoms": d.symptoms + [s.model_copy(update={"id": "f" + s.id, "started_at": s.started_at + shift, "ended_at": None}) for s in later.symptoms],
        "remedies": d.remedies + [r.model_copy(update={"at": r.at + shift}) for r in later.remedies],
    }
    assert triage(d, AS_OF).to_dict() == triage(d.model_copy(update=future), AS_OF).to_dict()


@SETTINGS
@given(diaries())
def test_level_reasons_advice_and_safety_net_are_consistent(d: Diary) -> None:
    result = triage(d, AS_OF)
    ranks = [r.level.rank for r in result.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert result.level.rank == max(ranks, default=Level.SELF_CARE.rank)
    assert len({r.code for r in result.reasons}) == len(result.reasons)
    symptom_ids = [i for r in result.reasons if r.code in {x.code for x in SYMPTOM_RULES} for i in r.evidence]
    assert len(symptom_ids) == len(set(symptom_ids)), "a symptom gave more than one reason"
    assert result.advice and result.safety_net
    assert result.safety_net[0].startswith("Call 112 / 911 / 999")


def test_as_of_without_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        triage(diary(), dt.datetime(2026, 3, 10, 20, 0))


def test_as_of_defaults_to_the_diary_s_own() -> None:
    d = diary(as_of=AS_OF, episodes=[episode(f"e{i}", AS_OF - dt.timedelta(days=i)) for i in range(3)])
    assert triage(d).reason_codes == ["persistent"]


# --- summaries people read ------------------------------------------------------------------


def test_persistent_summary_names_the_local_days() -> None:
    d = diary("Europe/Berlin", episodes=[episode(f"e{i}", dt.datetime(2026, 3, 8 + i, 12, tzinfo=UTC)) for i in range(3)])
    reason = triage(d, AS_OF).reasons[0]
    assert reason.summary == "Twitching on 3 days in a row (8–10 March)."
    assert reason.evidence == ("e0", "e1", "e2")


def test_streak_across_months_and_years_is_written_out() -> None:
    start = dt.datetime(2025, 12, 30, 12, tzinfo=UTC)
    d = diary(episodes=[episode(f"e{i}", start + dt.timedelta(days=i)) for i in range(4)])
    summary = triage(d, start + dt.timedelta(days=3, hours=1)).reasons[0].summary
    assert summary == "Twitching on 4 days in a row (30 December 2025 – 2 January 2026)."


def test_symptom_summary_gives_local_date_and_time() -> None:
    s = Symptom(id="s1", code=SymptomCode.FACIAL_DROOP, onset=Onset.SUDDEN, started_at=dt.datetime(2026, 3, 10, 18, 5, tzinfo=UTC), side=SymptomSide.LEFT, region="face")
    reason = triage(diary("Europe/Berlin", symptoms=[s]), AS_OF).reasons[0]
    assert reason.code == "stroke_sign" and reason.level is Level.EMERGENCY
    assert "10 March at 19:05" in reason.summary and "stroke" in reason.summary


def test_medicine_evidence_is_the_name_as_written() -> None:
    d = diary(episodes=[episode("e1", AS_OF)], medications=[Medication(name="SEROQUEL XR"), Medication(name="ibuprofen")])
    reason = triage(d, AS_OF).reasons[0]
    assert (reason.code, reason.evidence) == ("medication_review", ("SEROQUEL XR",))
    assert "do not stop" in reason.summary


# --- advice follows the last 7 days of check-ins -----------------------------------------------


def _days(**per_day) -> list[DayCheckIn]:
    """per_day: factor -> list of values for today, yesterday, ..."""
    out: dict[dt.date, dict] = {}
    for factor, values in per_day.items():
        for back, value in enumerate(values):
            out.setdefault(AS_OF.date() - dt.timedelta(days=back), {})[factor] = value
    return [DayCheckIn(date=day, **factors) for day, factors in out.items()]


def _advice_codes(days: list[DayCheckIn]) -> list[str]:
    return [a.code for a in triage(diary(days=days), AS_OF).advice]


def test_advice_without_check_ins_is_the_general_measures() -> None:
    codes = _advice_codes([])
    assert codes[:2] == ["massage", "warm_compress"]
    assert "reduce_nicotine" not in codes and "magnesium" not in codes


def test_advice_ranks_what_crossed_the_threshold_on_more_days_first() -> None:
    days = _days(sleep_h=[5.0, 6.5, 8.0], caffeine_mg=[450.0, 500.0, 400.0, 420.0], nicotine_units=[2.0])
    codes = _advice_codes(days)
    assert codes[:3] == ["reduce_caffeine", "sleep", "reduce_nicotine"]
    result = triage(diary(days=days), AS_OF)
    assert "4 of the last 7 days" in result.advice[0].why and result.advice[0].points_to_you


def test_advice_thresholds_at_their_edges() -> None:
    assert _advice_codes(_days(sleep_h=[7.0] * 7))[0] == "massage"  # 7 h is enough
    assert _advice_codes(_days(sleep_h=[6.9]))[0] == "sleep"
    assert _advice_codes(_days(caffeine_mg=[399.0]))[0] == "massage"
    assert _advice_codes(_days(caffeine_mg=[400.0]))[0] == "reduce_caffeine"
    assert _advice_codes(_days(water_l=[1.4]))[0] == "hydration"
    assert _advice_codes(_days(stress=[7]))[:2] == ["deep_breathing", "mindfulness"]
    assert _advice_codes(_days(facial_strain=[8]))[:2] == ["massage", "warm_compress"]
    assert _advice_codes(_days(potassium_mg=[2000.0]))[0] == "magnesium"
    assert _advice_codes(_days(calcium_mg=[900.0]))[0] == "magnesium"


def test_magnesium_advice_says_to_ask_before_supplements() -> None:
    why = triage(diary(days=_days(magnesium_mg=[150.0, 200.0])), AS_OF).advice[0].why
    assert "magnesium intake was below 310 mg on 2 of the last 7 days" in why
    assert "pharmacist or doctor before taking" in why


def test_old_future_and_unrecorded_check_ins_do_not_count() -> None:
    today = AS_OF.date()
    days = [
        DayCheckIn(date=today - dt.timedelta(days=7), sleep_h=3.0),  # 8th day back: outside
        DayCheckIn(date=today + dt.timedelta(days=1), caffeine_mg=900.0),  # after as_of
        DayCheckIn(date=today, stress=None, note="nothing recorded"),
    ]
    assert _advice_codes(days)[0] == "massage"


def test_advice_is_present_at_every_level() -> None:
    droop = Symptom(id="s1", code=SymptomCode.FACIAL_DROOP, onset=Onset.SUDDEN, started_at=AS_OF)
    result = triage(diary(symptoms=[droop], days=_days(sleep_h=[4.0])), AS_OF)
    assert result.level is Level.EMERGENCY and result.advice[0].code == "sleep"
