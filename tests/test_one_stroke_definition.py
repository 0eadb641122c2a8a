"""One function decides "stroke-type" (`triage.rules.is_stroke_type`); no other part of
the program keeps its own list of red-flag symptoms (hazard H-14 in docs/safety.md).

The CLI once had its own list that disagreed with triage about numbness on
both sides. These tests scan the source and the templates for a collection of
symptom codes that looks like such a list, and check that the CLI's warning
follows the one definition.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nosetwitch.domain.models import Onset, Symptom, SymptomCode, SymptomSide
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.triage.rules import is_stroke_type

SRC = Path(__file__).resolve().parents[1] / "src" / "nosetwitch"
THE_DEFINITION = SRC / "triage" / "rules.py"
STROKE_TYPE = {c.value for c in SymptomCode if is_stroke_type(Symptom(id="x", code=c, onset=Onset.SUDDEN, started_at="2026-01-01T00:00:00+00:00"))}
OTHERS = {c.value for c in SymptomCode} - STROKE_TYPE


def _code_of(node: ast.AST) -> str | None:
    """'weakness' for the string "weakness" or for SymptomCode.WEAKNESS (or .value of it)."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STROKE_TYPE | OTHERS:
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "SymptomCode":
        return node.attr.lower()
    return None


def _red_flag_lists(tree: ast.AST) -> list[tuple[int, set[str]]]:
    """Collections of 3 or more stroke-type codes and nothing else: a list of red flags.

    A table of every code (names for a form, say) also holds pain or
    eyelid_closure and is not a second definition."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            elements = node.elts
        elif isinstance(node, ast.Dict):
            elements = [k for k in node.keys if k is not None]
        else:
            continue
        codes = {_code_of(e) for e in elements} - {None}
        if len(codes) >= 3 and codes <= STROKE_TYPE:
            found.append((node.lineno, codes))
    return found


def test_the_finder_finds_a_list_like_the_old_cli_one() -> None:
    old = 'RED = {"facial_droop", "weakness", "numbness", "vision_change", "speech_difficulty"}\nif code in RED: pass'
    assert _red_flag_lists(ast.parse(old))
    as_enum = "RED = (SymptomCode.FACIAL_DROOP, SymptomCode.WEAKNESS, SymptomCode.BALANCE_LOSS)"
    assert _red_flag_lists(ast.parse(as_enum))
    every_code = "NAMES = {" + ", ".join(f'"{c}": "{c}"' for c in sorted(STROKE_TYPE | OTHERS)) + "}"
    assert not _red_flag_lists(ast.parse(every_code))


def test_no_second_list_of_stroke_type_symptoms_in_the_program() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == THE_DEFINITION:
            continue
        for line, codes in _red_flag_lists(ast.parse(path.read_text(), filename=str(path))):
            offenders.append(f"{path.relative_to(SRC)}:{line} {sorted(codes)}")
    assert not offenders, "use triage.rules.is_stroke_type instead of a list: " + "; ".join(offenders)


def test_no_list_of_stroke_type_symptoms_in_the_templates_or_scripts() -> None:
    quoted = re.compile(r"""\[[^\[\]]*\]|\{[^{}]*\}|\([^()]*\)""")
    offenders = []
    for path in sorted([*SRC.rglob("*.html"), *SRC.rglob("*.js")]):
        for group in quoted.findall(path.read_text()):
            codes = set(re.findall(r"""['"]([a-z_]+)['"]""", group)) & (STROKE_TYPE | OTHERS)
            if len(codes) >= 3 and codes <= STROKE_TYPE:
                offenders.append(f"{path.relative_to(SRC)}: {sorted(codes)}")
    assert not offenders


def test_the_one_definition_is_the_policys() -> None:
    assert STROKE_TYPE == {
        "facial_droop", "weakness", "numbness", "speech_difficulty", "swallowing_difficulty",
        "vision_change", "balance_loss", "severe_headache",
    }  # fmt: skip
    both = Symptom(id="x", code=SymptomCode.NUMBNESS, onset=Onset.SUDDEN, side=SymptomSide.BOTH, started_at="2026-01-01T00:00:00+00:00")
    assert not is_stroke_type(both)


@pytest.mark.parametrize(
    "args, warned",
    [
        (["numbness", "--onset", "sudden", "--side", "left"], True),
        (["numbness", "--onset", "sudden"], True),  # side not recorded: stroke-type
        (["numbness", "--onset", "sudden", "--side", "both"], False),  # the old CLI list said yes here
        (["weakness", "--onset", "unknown", "--region", "arm"], True),
        (["weakness", "--onset", "gradual", "--region", "arm"], False),
        (["pain", "--onset", "sudden"], False),
    ],
)
def test_the_cli_warns_exactly_for_stroke_type_symptoms_that_did_not_come_on_slowly(sqlite_url, args, warned) -> None:
    code, out, err = cli("--db", sqlite_url, "log", "symptom", *args)
    assert code == 0 and "Logged symptom" in out
    assert ("emergency number" in err) is warned
