"""Worked triage cases: the shared public ones and ours in tests/cases/.

Each `NAME.json` is a diary with `as_of`; `NAME.expected.json` gives the
exact level, reason codes that must be present and (ours only) codes that
must be absent. The shared folder sits beside the checkout (`../shared`);
without it those cases skip.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nosetwitch.interfaces.interchange.diary_json import load_diary_file
from nosetwitch.triage import triage

REPO_ROOT = Path(__file__).resolve().parents[1]
PUBLIC_CASES = REPO_ROOT.parent / "shared" / "cases" / "public"
OWN_CASES = REPO_ROOT / "tests" / "cases"


def _cases(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".expected.json"))


def _expected(case: Path) -> dict:
    return json.loads(case.with_name(case.stem + ".expected.json").read_text())


def _public_params():
    cases = _cases(PUBLIC_CASES)
    if not cases:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{PUBLIC_CASES} is absent"), id="no-shared-folder")]
    return [pytest.param(case, id=case.stem) for case in cases]


def _check(case: Path) -> None:
    expected = _expected(case)
    diary = load_diary_file(case)
    result = triage(diary, diary.as_of)
    codes = result.reason_codes
    assert result.level.value == expected["level"], f"{case.stem}: reasons {codes}"
    missing = set(expected["reasons"]) - set(codes)
    assert not missing, f"{case.stem}: expected reasons {sorted(missing)} among {codes}"
    unwanted = set(expected.get("absent", ())) & set(codes)
    assert not unwanted, f"{case.stem}: reasons {sorted(unwanted)} must not fire ({expected.get('note')})"
    # every piece of evidence names a record of the diary
    known = {e.id for e in diary.episodes} | {s.id for s in diary.symptoms} | {m.name for m in diary.medications}
    for reason in result.reasons:
        assert reason.evidence and set(reason.evidence) <= known, reason


@pytest.mark.parametrize("case", _public_params())
def test_public_case(case: Path) -> None:
    _check(case)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in _cases(OWN_CASES)])
def test_own_case(case: Path) -> None:
    _check(case)


def test_own_cases_are_many_and_cover_every_rule_and_level() -> None:
    from nosetwitch.triage.rules import RULES

    expectations = [_expected(c) for c in _cases(OWN_CASES)]
    assert len(expectations) >= 40
    mentioned = {code for e in expectations for code in e["reasons"] + e["absent"]}
    assert {rule.code for rule in RULES} <= mentioned
    assert {e["level"] for e in expectations} == {"self_care", "consult", "urgent", "emergency"}


@pytest.mark.parametrize("offset_hours", [-12, -10, -5, 0, 1, 5.5, 9, 14])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in _cases(OWN_CASES)[::4]])
def test_same_instant_written_with_any_offset_gives_the_same_result(case: Path, offset_hours: float) -> None:
    diary = load_diary_file(case)
    shifted = diary.as_of.astimezone(dt.timezone(dt.timedelta(hours=offset_hours)))
    first, second = triage(diary, diary.as_of).to_dict(), triage(diary, shifted).to_dict()
    assert second.pop("as_of") == shifted.isoformat()
    first.pop("as_of")
    assert first == second
