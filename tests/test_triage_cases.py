"""Worked triage cases: the shared public ones and ours in tests/cases/.

Each `NAME.json` is a diary with `as_of`; `NAME.expected.json` gives the
exact level and the exact reason codes (policy `nosetwitch-triage-2`), and
(ours only) codes that must be absent, named for the reader. The shared folder sits beside the checkout (`../shared`);
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
# the shared folder sits beside the checkout (../shared), or beside its parent for a worktree
PUBLIC_CASES = next(
    (p / "shared" / "cases" / "public" for p in REPO_ROOT.parents if (p / "shared" / "cases" / "public").is_dir()),
    REPO_ROOT.parent / "shared" / "cases" / "public",
)
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
    # exact: no reason fires that the case does not name
    assert sorted(codes) == sorted(expected["reasons"]), f"{case.stem}: reasons {codes}, expected exactly {expected['reasons']}"
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


def test_own_cases_pin_the_changes_of_policy_2() -> None:
    """Exactly 24 h, every daily activity, 20+ combination products and 5+ look-alikes."""
    names = {c.stem for c in _cases(OWN_CASES)}
    exactly_24h = _expected(OWN_CASES / "stroke-sudden-ended-exactly-24h.json")
    assert (exactly_24h["level"], exactly_24h["reasons"]) == ("urgent", ["recent_stroke_sign"])
    from nosetwitch.domain.models import Interference

    assert {f"interferes-{i.value}" for i in Interference} <= names
    combinations = [n for n in names if n.startswith("combination-")]
    look_alikes = [n for n in names if n.startswith("look-alike-")]
    assert len(combinations) >= 20 and len(look_alikes) >= 5
    for name in combinations:
        assert _expected(OWN_CASES / f"{name}.json")["reasons"] == ["medication_review"]
    for name in look_alikes:
        assert _expected(OWN_CASES / f"{name}.json")["level"] == "self_care"


@pytest.mark.parametrize("offset_hours", [-12, -10, -5, 0, 1, 5.5, 9, 14])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in _cases(OWN_CASES)[::4]])
def test_same_instant_written_with_any_offset_gives_the_same_result(case: Path, offset_hours: float) -> None:
    diary = load_diary_file(case)
    shifted = diary.as_of.astimezone(dt.timezone(dt.timedelta(hours=offset_hours)))
    first, second = triage(diary, diary.as_of).to_dict(), triage(diary, shifted).to_dict()
    assert second.pop("as_of") == shifted.isoformat()
    first.pop("as_of")
    assert first == second
