"""Writes the triage case files of this folder (run it after changing a case here).

Each case is `NAME.json` (a diary with `as_of`, format v1) and
`NAME.expected.json`: the exact `level`, the reason codes that must be
present (`reasons`), those that must not be (`absent`) and a `note` saying
what the case pins down. Expectations are worked out by hand from
shared/spec/triage-policy.md, never by running the engine.

    .venv/bin/python tests/cases/make_cases.py
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
LONDON_AS_OF = dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.timezone.utc)
CASES: dict[str, tuple[dict, dict]] = {}


def iso(instant: dt.datetime) -> str:
    return instant.isoformat()


def ago(**delta) -> str:
    """An instant before the default as_of (2026-03-10T20:00Z)."""
    return iso(LONDON_AS_OF - dt.timedelta(**delta))


def local(tz: str, *args) -> str:
    """A wall-clock time in a zone, written with that zone's offset."""
    return iso(dt.datetime(*args, tzinfo=ZoneInfo(tz)))


def ep(eid: str, at: str, sites=("nose",), side="left", interferes=()) -> dict:
    return {"id": eid, "started_at": at, "duration_s": 20, "intensity": 2, "side": side,
            "sites": list(sites), "interferes_with": list(interferes)}


def sym(sid: str, code: str, onset: str, at: str, ended: str | None = None, side=None, region=None) -> dict:
    return {"id": sid, "code": code, "onset": onset, "started_at": at, "ended_at": ended,
            "side": side, "region": region}


def med(name: str, started=None, stopped=None) -> dict:
    return {"name": name, "dose": None, "started": started, "stopped": stopped}


def rem(code: str, at: str) -> dict:
    return {"code": code, "at": at, "episode_id": None, "helped": False}


def case(name: str, level: str, reasons=(), absent=(), *, note: str, tz="Europe/London",
         as_of: str | None = None, episodes=(), symptoms=(), medications=(), remedies=(), days=()) -> None:
    diary = {
        "format": "nosetwitch-diary", "version": 1, "as_of": as_of or iso(LONDON_AS_OF),
        "person": {"timezone": tz, "birth_year": 1980, "sex": None},
        "medications": list(medications), "episodes": list(episodes), "symptoms": list(symptoms),
        "days": list(days), "remedies": list(remedies),
    }
    assert name not in CASES, name
    CASES[name] = (diary, {"level": level, "reasons": list(reasons), "absent": list(absent), "note": note})


ONE_EPISODE = [ep("e1", ago(hours=2))]

# --- stroke_sign / recent_stroke_sign: 24 h, 72 h, 30 days ------------------------------------
case("stroke-sudden-ended-23h59m", "emergency", ["stroke_sign"], note="ended sudden weakness that started 23h59m ago is still within 24 h",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "sudden", ago(hours=23, minutes=59), ago(hours=23), "left", "arm")])
case("stroke-sudden-ended-exactly-24h", "urgent", ["recent_stroke_sign"], ["stroke_sign", "accompanying_symptom"],
     note="policy 2: an ended sudden symptom that started exactly 24 h ago is a recent stroke sign ('at least 24 hours'); policy 1 left it at consult (safety.md H-01, closed)",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "sudden", ago(hours=24), ago(hours=23), "left", "arm")])
case("facial-droop-sudden-ended-exactly-24h", "urgent", ["recent_stroke_sign"], ["stroke_sign", "facial_weakness"],
     note="policy 2: a sudden facial droop that started exactly 24 h ago and passed is a recent stroke sign, first match, so not also facial weakness",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "sudden", ago(hours=24), ago(hours=23), "left", "face")])
case("unknown-onset-ended-exactly-24h", "urgent", ["recent_stroke_sign"], ["stroke_sign", "accompanying_symptom"],
     note="policy 2: unknown onset, started exactly 24 h ago, gone: recent stroke sign (not within the last 24 h, so not stroke_sign)",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "speech_difficulty", "unknown", ago(hours=24), ago(hours=20))])
case("stroke-sudden-ended-23h59m59s", "emergency", ["stroke_sign"], ["recent_stroke_sign"],
     note="one second inside 24 h: still the emergency rule",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "vision_change", "sudden", ago(hours=23, minutes=59, seconds=59), ago(hours=23), region="eye")])
case("gradual-ended-exactly-24h-is-not-a-stroke-sign", "consult", ["accompanying_symptom"], ["stroke_sign", "recent_stroke_sign"],
     note="a gradual stroke-type symptom is never a (recent) stroke sign, also at exactly 24 h",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "balance_loss", "gradual", ago(hours=24), ago(hours=23))])
case("stroke-sudden-ended-24h01m", "urgent", ["recent_stroke_sign"], ["stroke_sign"], note="just over 24 h ago and gone: recent stroke sign",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "speech_difficulty", "sudden", ago(hours=24, minutes=1), ago(hours=23, minutes=30))])
case("stroke-sudden-active-10-days", "emergency", ["stroke_sign"], note="a sudden stroke-type symptom still present counts however old it is",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "balance_loss", "sudden", ago(days=10))])
case("stroke-unknown-active-71h59m", "emergency", ["stroke_sign"], note="unknown onset, started just inside 72 h, still present",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "unknown", ago(hours=71, minutes=59), None, "right", "leg")])
case("stroke-unknown-active-exactly-72h", "consult", ["accompanying_symptom"], ["stroke_sign", "recent_stroke_sign"],
     note="unknown onset exactly 72 h ago is outside 'within the last 72 hours'; still present so not 'ended': accompanying",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "unknown", ago(hours=72), None, "right", "arm")])
case("stroke-unknown-ended-10h", "emergency", ["stroke_sign"], note="unknown onset within 72 h and within 24 h, already gone",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "vision_change", "unknown", ago(hours=10), ago(hours=9), region="eye")])
case("stroke-unknown-ended-71h", "urgent", ["recent_stroke_sign"], ["stroke_sign"],
     note="unknown onset within 72 h but gone and older than 24 h: recent stroke sign",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "numbness", "unknown", ago(hours=71), ago(hours=70), "left", "arm")])
case("recent-stroke-exactly-30-days", "urgent", ["recent_stroke_sign"], note="'at most 30 days' includes exactly 30 days",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "sudden", ago(days=30), ago(days=30, minutes=-20), "left", "arm")])
case("recent-stroke-30-days-and-a-minute", "self_care", [], ["recent_stroke_sign", "accompanying_symptom"],
     note="older than 30 days and gone: no rule applies any more",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "sudden", ago(days=30, minutes=1), ago(days=29, hours=23), "left", "arm")])
case("gradual-arm-weakness", "consult", ["accompanying_symptom"], ["stroke_sign", "facial_weakness"],
     note="gradual onset is not a stroke sign; arm weakness is not facial weakness",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "gradual", ago(days=2), None, "left", "arm")])
case("numbness-both-sides-sudden", "consult", ["accompanying_symptom"], ["stroke_sign"],
     note="numbness on both sides is not stroke-type",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "numbness", "sudden", ago(hours=1), None, "both", "face")])
case("numbness-left-sudden", "emergency", ["stroke_sign"], note="one-sided sudden numbness is stroke-type",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "numbness", "sudden", ago(hours=1), None, "left", "face")])
case("numbness-side-unknown-sudden", "emergency", ["stroke_sign"], note="numbness with no side recorded counts as stroke-type",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "numbness", "sudden", ago(hours=3), None, None, "arm")])
case("severe-headache-sudden", "emergency", ["stroke_sign"], note="sudden worst-ever headache",
     symptoms=[sym("s1", "severe_headache", "sudden", ago(minutes=30), None, region="head")])
case("swallowing-sudden-ended", "emergency", ["stroke_sign"], note="sudden swallowing trouble that passed 2 h ago",
     symptoms=[sym("s1", "swallowing_difficulty", "sudden", ago(hours=3), ago(hours=2), region="mouth")])
case("unknown-onset-droop-4-days-active", "urgent", ["facial_weakness"], ["stroke_sign"],
     note="unknown onset older than 72 h is not a stroke sign, but an active droop is facial weakness",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "unknown", ago(days=4), None, "right", "face")])

# --- facial_weakness: 7 days ---------------------------------------------------------------
case("facial-weakness-ended-6d23h", "urgent", ["facial_weakness"], note="weakness of the face, gone, started just inside 7 days",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "weakness", "gradual", ago(days=6, hours=23), ago(days=5), "left", "face")])
case("facial-droop-ended-exactly-7-days", "consult", ["accompanying_symptom"], ["facial_weakness"],
     note="exactly 7 days ago is not within the last 7 days; within 30 days it is an accompanying symptom",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "gradual", ago(days=7), ago(days=6), "left", "face")])
case("facial-droop-gradual-active-20-days", "urgent", ["facial_weakness"], note="an active droop counts whatever its age",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "gradual", ago(days=20), None, "left", "face")])

# --- accompanying_symptom: 30 days and codes --------------------------------------------------
case("pain-active", "consult", ["accompanying_symptom"], note="pain alongside the twitching",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "pain", "gradual", ago(days=40), None, region="face")])
case("eyelid-closure-ended-20-days", "consult", ["accompanying_symptom"], note="eyelid_closure within 30 days",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "eyelid_closure", "sudden", ago(days=20), ago(days=20, minutes=-1), "left", "eye")])
case("other-code-ignored", "self_care", [], ["accompanying_symptom"], note="code other never fires accompanying_symptom",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "other", "sudden", ago(hours=1), None)])
case("pain-ended-exactly-30-days", "self_care", [], ["accompanying_symptom"], note="exactly 30 days ago is outside the window",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "pain", "gradual", ago(days=30), ago(days=29), region="ear")])
case("pain-ended-29d23h", "consult", ["accompanying_symptom"], note="just inside 30 days",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "pain", "gradual", ago(days=29, hours=23), ago(days=29), region="ear")])

# --- persistent: calendar days, DST, midnight, as_of offsets --------------------------------------
case("persistent-ends-yesterday", "consult", ["persistent"], note="3 days in a row, the last yesterday",
     episodes=[ep("e1", ago(days=3)), ep("e2", ago(days=2)), ep("e3", ago(days=1))])
case("persistent-ends-two-days-ago", "self_care", [], ["persistent"], note="the streak must end today or yesterday",
     episodes=[ep("e1", ago(days=4)), ep("e2", ago(days=3)), ep("e3", ago(days=2))])
BERLIN = "Europe/Berlin"
case("dst-berlin-spring-streak-across-the-night", "consult", ["persistent"],
     note="29 Mar 2026 clocks go forward; 00:30 CEST on 30 Mar is still 29 Mar in UTC: local days 28, 29, 30",
     tz=BERLIN, as_of=local(BERLIN, 2026, 3, 30, 12, 0),
     episodes=[ep("e1", local(BERLIN, 2026, 3, 28, 23, 0)), ep("e2", local(BERLIN, 2026, 3, 29, 23, 30)),
               ep("e3", local(BERLIN, 2026, 3, 30, 0, 30))])
case("dst-berlin-spring-utc-days-are-not-local-days", "self_care", [], ["persistent"],
     note="UTC dates 27, 28, 29 Mar but Berlin dates 28, 28, 29: only two local days",
     tz=BERLIN, as_of="2026-03-30T08:00:00+02:00",
     episodes=[ep("e1", "2026-03-27T23:30:00+00:00"), ep("e2", "2026-03-28T12:00:00+00:00"),
               ep("e3", "2026-03-29T21:30:00+00:00")])
case("dst-berlin-autumn-streak", "consult", ["persistent"],
     note="25 Oct 2026 has 25 hours in Berlin; late-evening episodes 24, 25, 26 Oct are three local days",
     tz=BERLIN, as_of=local(BERLIN, 2026, 10, 26, 23, 50),
     episodes=[ep("e1", local(BERLIN, 2026, 10, 24, 23, 45)), ep("e2", local(BERLIN, 2026, 10, 25, 23, 45)),
               ep("e3", local(BERLIN, 2026, 10, 26, 23, 45))])
NEW_YORK = "America/New_York"
case("dst-new-york-spring-streak", "consult", ["persistent"],
     note="8 Mar 2026 clocks go forward in New York; episodes at 21:00 local on 7, 8, 9 Mar are UTC 8, 9, 10",
     tz=NEW_YORK, as_of=local(NEW_YORK, 2026, 3, 9, 23, 0),
     episodes=[ep("e1", local(NEW_YORK, 2026, 3, 7, 21, 0)), ep("e2", local(NEW_YORK, 2026, 3, 8, 21, 0)),
               ep("e3", local(NEW_YORK, 2026, 3, 9, 21, 0))])
case("dst-new-york-spring-utc-yesterday-is-not-local-yesterday", "self_care", [], ["persistent"],
     note="episodes 5-7 Mar 21:00 EST (UTC 6-8 Mar); as_of 9 Mar 01:00 EDT: local today 9, the streak ended 7",
     tz=NEW_YORK, as_of="2026-03-09T05:00:00+00:00",
     episodes=[ep("e1", local(NEW_YORK, 2026, 3, 5, 21, 0)), ep("e2", local(NEW_YORK, 2026, 3, 6, 21, 0)),
               ep("e3", local(NEW_YORK, 2026, 3, 7, 21, 0))])
case("dst-new-york-autumn-streak", "consult", ["persistent"],
     note="1 Nov 2026 clocks go back in New York; episodes at 00:30 on 31 Oct, 1 and 2 Nov",
     tz=NEW_YORK, as_of=local(NEW_YORK, 2026, 11, 2, 9, 0),
     episodes=[ep("e1", local(NEW_YORK, 2026, 10, 31, 0, 30)), ep("e2", local(NEW_YORK, 2026, 11, 1, 0, 30)),
               ep("e3", local(NEW_YORK, 2026, 11, 2, 0, 30))])
case("today-after-local-midnight", "consult", ["persistent"],
     note="as_of 23:30 UTC is 00:30 on 11 Mar in Berlin: today is 11 Mar, so a streak 8-10 Mar ends yesterday",
     tz=BERLIN, as_of="2026-03-10T23:30:00+00:00",
     episodes=[ep("e1", local(BERLIN, 2026, 3, 8, 12, 0)), ep("e2", local(BERLIN, 2026, 3, 9, 12, 0)),
               ep("e3", local(BERLIN, 2026, 3, 10, 12, 0))])
case("episode-after-local-midnight-is-a-new-day", "consult", ["persistent"],
     note="00:10 on 11 Mar in Berlin is 23:10 UTC on 10 Mar: local days 9, 10, 11 make three in a row",
     tz=BERLIN, as_of="2026-03-10T23:30:00+00:00",
     episodes=[ep("e1", local(BERLIN, 2026, 3, 9, 12, 0)), ep("e2", local(BERLIN, 2026, 3, 10, 12, 0)),
               ep("e3", local(BERLIN, 2026, 3, 11, 0, 10))])
case("as-of-offset-plus-14", "consult", ["persistent"],
     note="as_of written at +14:00 is 10 Mar 18:00 in London: today is 10 Mar, the streak 7-9 Mar ends yesterday",
     as_of="2026-03-11T08:00:00+14:00",
     episodes=[ep("e1", "2026-03-07T12:00:00+00:00"), ep("e2", "2026-03-08T12:00:00+00:00"), ep("e3", "2026-03-09T12:00:00+00:00")])
case("as-of-offset-minus-10", "self_care", [], ["persistent"],
     note="as_of 10 Mar 22:00 at -10:00 is 11 Mar 08:00 in London: the streak 7-9 Mar no longer ends yesterday",
     as_of="2026-03-10T22:00:00-10:00",
     episodes=[ep("e1", "2026-03-07T12:00:00+00:00"), ep("e2", "2026-03-08T12:00:00+00:00"), ep("e3", "2026-03-09T12:00:00+00:00")])

# --- frequent_despite_remedies: 7 days, 'after' ----------------------------------------------
FIVE_TODAY = [ep(f"e{i}", ago(hours=10 - i)) for i in range(1, 6)]
case("frequent-exactly-five-after", "consult", ["frequent_despite_remedies"], ["persistent"],
     note="two codes tried this morning, then five episodes",
     episodes=FIVE_TODAY, remedies=[rem("massage", ago(hours=12)), rem("warm_compress", ago(hours=11))])
case("frequent-only-four-after", "self_care", [], ["frequent_despite_remedies"], note="four episodes after the second code are not enough",
     episodes=FIVE_TODAY, remedies=[rem("massage", ago(hours=12)), rem("warm_compress", ago(hours=8, minutes=30))])
case("frequent-episode-at-the-same-moment-not-after", "self_care", [], ["frequent_despite_remedies"],
     note="an episode starting at the very moment of the second code is not after it",
     episodes=FIVE_TODAY, remedies=[rem("massage", ago(hours=12)), rem("hydration", ago(hours=9))])
case("frequent-same-code-twice", "self_care", [], ["frequent_despite_remedies"], note="the same code twice is one code",
     episodes=FIVE_TODAY, remedies=[rem("massage", ago(hours=12)), rem("massage", ago(hours=11))])
case("frequent-first-code-exactly-7-days-ago", "self_care", [], ["frequent_despite_remedies"],
     note="a code tried exactly 7 days ago is outside the window, so only one code counts",
     episodes=FIVE_TODAY, remedies=[rem("sleep", ago(days=7)), rem("warm_compress", ago(hours=11))])
case("frequent-first-code-6d23h-ago", "consult", ["frequent_despite_remedies"], note="just inside 7 days",
     episodes=FIVE_TODAY, remedies=[rem("sleep", ago(days=6, hours=23)), rem("warm_compress", ago(hours=11))])
case("frequent-future-remedy-ignored", "self_care", [], ["frequent_despite_remedies"],
     note="a second code logged after as_of does not count",
     episodes=FIVE_TODAY, remedies=[rem("massage", ago(hours=12)), rem("mindfulness", ago(hours=-1))])

# --- spread, hemifacial_pattern, interferes: 30 days ---------------------------------------------
case("spread-exactly-30-days", "self_care", [], ["spread"], note="an episode exactly 30 days ago is outside the window",
     episodes=[ep("e1", ago(days=30), sites=("nose", "cheek"))])
case("spread-29d23h", "consult", ["spread"], note="just inside 30 days",
     episodes=[ep("e1", ago(days=29, hours=23), sites=("nose", "forehead"))])
case("spread-to-arm", "consult", ["spread"], ["hemifacial_pattern"], note="twitching elsewhere in the body",
     episodes=[ep("e1", ago(days=1), sites=("nose", "arm"))])
case("hemifacial-both-sides-is-only-spread", "consult", ["spread"], ["hemifacial_pattern"],
     note="side both is not the one-sided pattern",
     episodes=[ep("e1", ago(days=1), sites=("eyelid", "mouth"), side="both")])
case("hemifacial-left-jaw", "consult", ["hemifacial_pattern", "spread"], note="eyelid and jaw on the left",
     episodes=[ep("e1", ago(days=2), sites=("eyelid", "jaw"), side="left")])
case("hemifacial-eyelid-alone", "consult", ["spread"], ["hemifacial_pattern"], note="eyelid without the lower face",
     episodes=[ep("e1", ago(days=2), sites=("nose", "eyelid", "forehead"), side="right")])
for activity in ("eating", "speaking", "seeing", "sleeping"):
    case(f"interferes-{activity}", "consult", ["interferes"], ["spread"],
         note=f"policy 2: twitching in the way of {activity} counts (every daily activity the format records)",
         episodes=[ep("e1", ago(days=12), interferes=(activity,))])
case("interferes-seeing-and-sleeping", "consult", ["interferes"], note="policy 2: seeing and sleeping count, together as one reason",
     episodes=[ep("e1", ago(days=2), interferes=("sleeping", "seeing"))])
case("interferes-sleeping-exactly-30-days", "self_care", [], ["interferes"], note="an episode exactly 30 days ago is outside the window",
     episodes=[ep("e1", ago(days=30), interferes=("sleeping",))])
case("interferes-seeing-29d23h", "consult", ["interferes"], note="just inside 30 days",
     episodes=[ep("e1", ago(days=29, hours=23), interferes=("seeing",))])
case("interferes-nothing", "self_care", [], ["interferes"], note="an episode in the way of nothing",
     episodes=[ep("e1", ago(days=2))])

# --- medication_review: active, future and stopped medicines, names -----------------------------------
case("medicine-started-today", "consult", ["medication_review"], note="started today is active",
     episodes=ONE_EPISODE, medications=[med("furosemide", "2026-03-10")])
case("medicine-starts-tomorrow", "self_care", [], ["medication_review"], note="started after today is not active yet",
     episodes=ONE_EPISODE, medications=[med("Lipitor", "2026-03-11")])
case("medicine-stopped-today", "self_care", [], ["medication_review"], note="stopped today is no longer active",
     episodes=ONE_EPISODE, medications=[med("risperidone", "2025-01-01", "2026-03-10")])
case("medicine-stops-tomorrow", "consult", ["medication_review"], note="stopping tomorrow: still taken today",
     episodes=ONE_EPISODE, medications=[med("risperidone", "2025-01-01", "2026-03-11")])
case("medicine-brand-with-dose", "consult", ["medication_review"], note="brand names with strength and release form",
     episodes=ONE_EPISODE, medications=[med("SEROQUEL XR 50mg"), med("Lasix 40mg"), med("lithium carbonate")])
case("medicine-look-alike-names", "self_care", [], ["medication_review"],
     note="Orapred is not Orap, toremifene is not Torem: whole words only",
     episodes=ONE_EPISODE, medications=[med("Orapred"), med("toremifene"), med("vitamin D3")])

# Combination products: linked through one ingredient (a diuretic, a statin or an
# antipsychotic), written as people write them, with strength and form around the name.
COMBINATIONS = {
    "zestoretic": "Zestoretic 20/12.5",  # lisinopril + hydrochlorothiazide
    "prinzide": "PRINZIDE 20-25 tablets",  # lisinopril + hydrochlorothiazide
    "hyzaar": "Hyzaar 50/12.5 mg",  # losartan + hydrochlorothiazide
    "cozaar-comp": "Cozaar-Comp 100 mg/25 mg",  # losartan + hydrochlorothiazide
    "exforge-hct": "Exforge HCT 10/160/12.5",  # amlodipine + valsartan + hydrochlorothiazide
    "tenoretic": "tenoretic 50mg/12.5mg",  # atenolol + chlortalidone
    "co-tenidone": "Co-tenidone 100/25",  # atenolol + chlortalidone
    "lasilactone": "Lasilactone 20mg/50mg capsules",  # furosemide + spironolactone
    "co-amilofruse": "Co-amilofruse 5/40 tablets",  # amiloride + furosemide
    "co-amilozide": "co-amilozide 2.5 mg/25 mg",  # amiloride + hydrochlorothiazide
    "moduretic": "Moduretic",  # amiloride + hydrochlorothiazide
    "aldactazide": "Aldactazide 25/25",  # spironolactone + hydrochlorothiazide
    "dyazide": "Dyazide caps",  # triamterene + hydrochlorothiazide
    "maxzide": "MAXZIDE-25",  # triamterene + hydrochlorothiazide
    "lotensin-hct": "Lotensin HCT 20/12.5",  # benazepril + hydrochlorothiazide
    "micardis-hct": "Micardis HCT 80/25",  # telmisartan + hydrochlorothiazide
    "micardisplus": "MicardisPlus 80 mg/12.5 mg",  # telmisartan + hydrochlorothiazide
    "diovan-hct": "Diovan HCT 160/12.5",  # valsartan + hydrochlorothiazide
    "co-diovan": "Co-Diovan 80/12,5",  # valsartan + hydrochlorothiazide
    "avalide": "Avalide",  # irbesartan + hydrochlorothiazide
    "coaprovel": "CoAprovel 300 mg/12.5 mg film-coated tablets",  # irbesartan + hydrochlorothiazide
    "atacand-plus": "Atacand Plus 16/12.5",  # candesartan + hydrochlorothiazide
    "benicar-hct": "Benicar HCT 40-25",  # olmesartan + hydrochlorothiazide
    "olmetec-plus": "Olmetec Plus 20 mg/12.5 mg",  # olmesartan + hydrochlorothiazide
    "tribenzor": "Tribenzor 40/10/25",  # olmesartan + amlodipine + hydrochlorothiazide
    "coversyl-plus": "Coversyl Plus 5mg/1.25mg",  # perindopril + indapamide
    "edarbyclor": "Edarbyclor 40/12.5",  # azilsartan + chlortalidone
    "caduet": "Caduet 5 mg/10 mg",  # amlodipine + atorvastatin
    "vytorin": "Vytorin 10/40",  # ezetimibe + simvastatin
    "inegy": "Inegy 10mg/20mg tablets",  # ezetimibe + simvastatin
    "atozet": "ATOZET 10 mg/20 mg",  # ezetimibe + atorvastatin
    "roszet": "Roszet 10/10",  # rosuvastatin + ezetimibe
    "triveram": "Triveram 20mg/10mg/5mg",  # atorvastatin + perindopril + amlodipine
    "symbyax": "Symbyax 6 mg/25 mg capsules",  # olanzapine + fluoxetine
    "lybalvi": "Lybalvi 10/10",  # olanzapine + samidorphan
}
for key, name in COMBINATIONS.items():
    case(f"combination-{key}", "consult", ["medication_review"],
         note=f"policy 2: '{name}' is a combination product that contains a member of a linked class",
         episodes=ONE_EPISODE, medications=[med(name)])

# Look-alikes: the name looks like a linked medicine but is not one (whole words only,
# and a product without a linked ingredient is not linked).
LOOK_ALIKES = {
    "zestril": "Zestril 10 mg",  # lisinopril alone (the diuretic is in Zestoretic)
    "nystatin": "Nystatin oral suspension",  # an antifungal, not a statin
    "cilastatin": "imipenem/cilastatin",  # an antibiotic partner, not a statin
    "orapred": "Orapred ODT",  # prednisolone, not Orap (pimozide)
    "exforge": "Exforge 5/160",  # amlodipine + valsartan, no diuretic (Exforge HCT has one)
    "twynsta": "Twynsta 40/5",  # telmisartan + amlodipine, no diuretic
    "cozaar": "Cozaar 50mg",  # losartan alone
    "ezetrol": "Ezetrol 10 mg",  # ezetimibe alone, not a statin
    "lasixon": "Lasixon",  # not Lasix: whole words only
    "torem-in-toremifene": "toremifene 60 mg",  # not Torem (torasemide)
}
for key, name in LOOK_ALIKES.items():
    case(f"look-alike-{key}", "self_care", [], ["medication_review"],
         note=f"'{name}' only looks like a linked medicine: not linked",
         episodes=ONE_EPISODE, medications=[med(name)])

case("medicine-but-no-recent-episode", "self_care", [], ["medication_review"], note="the last episode was 31 days ago",
     episodes=[ep("e1", ago(days=31))], medications=[med("simvastatin")])
case("medicine-today-in-person-zone", "consult", ["medication_review"],
     note="as_of 23:30 UTC is already 11 Mar in Berlin, the day this medicine starts",
     tz=BERLIN, as_of="2026-03-10T23:30:00+00:00",
     episodes=[ep("e1", "2026-03-10T20:00:00+00:00")], medications=[med("Crestor", "2026-03-11")])
case("medicine-not-yet-in-new-york", "self_care", [], ["medication_review"],
     note="as_of 02:00 UTC on 11 Mar is still 10 Mar in New York: the medicine starting 11 Mar is not active",
     tz=NEW_YORK, as_of="2026-03-11T02:00:00+00:00",
     episodes=[ep("e1", "2026-03-10T20:00:00+00:00")], medications=[med("Crestor", "2026-03-11")])

# --- future records and several rules at once -------------------------------------------------------
case("future-symptom-ignored", "self_care", [], ["stroke_sign"], note="a sudden droop logged after as_of is ignored",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "sudden", ago(minutes=-5), None, "left", "face")])
case("future-episodes-ignored", "self_care", [], ["persistent", "spread"],
     note="episodes after as_of (later today, tomorrow) make no streak and no spread",
     episodes=[ep("e1", ago(days=1)), ep("e2", ago(hours=-1), sites=("nose", "cheek")), ep("e3", ago(days=-1))])
case("several-rules-at-once", "emergency",
     ["stroke_sign", "facial_weakness", "accompanying_symptom", "persistent", "spread", "hemifacial_pattern", "interferes", "medication_review"],
     note="every level at once: the highest wins, every rule is reported",
     episodes=[ep("e1", ago(days=2)), ep("e2", ago(days=1), sites=("nose", "eyelid", "cheek"), side="right"),
               ep("e3", ago(hours=3), interferes=("eating",))],
     symptoms=[sym("s1", "speech_difficulty", "sudden", ago(hours=1)), sym("s2", "facial_droop", "gradual", ago(days=3), None, "right", "face"),
               sym("s3", "pain", "gradual", ago(days=5), None, region="face")],
     medications=[med("Abilify")])
case("first-matching-rule-per-symptom", "emergency", ["stroke_sign"], ["facial_weakness", "accompanying_symptom"],
     note="a sudden facial droop is a stroke sign only, not also facial weakness or accompanying",
     episodes=ONE_EPISODE, symptoms=[sym("s1", "facial_droop", "sudden", ago(hours=2), None, "left", "face")])


def main() -> None:
    for old in HERE.glob("*.json"):
        old.unlink()
    for name, (diary, expected) in CASES.items():
        (HERE / f"{name}.json").write_text(json.dumps(diary, indent=2) + "\n")
        (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {len(CASES)} cases to {HERE}")


if __name__ == "__main__":
    main()
