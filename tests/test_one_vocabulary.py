"""The words people read are defined once, in `nosetwitch.domain.vocabulary`.

They were defined several times and had started to disagree: factor labels in
five places, the level wording in four, "not a diagnosis" in four. These tests
read every module, template and script and fail when a second definition
appears: the reminder or a level's words written out again, a template that
words a level itself, or a table of factor names outside the vocabulary.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nosetwitch.domain import vocabulary
from nosetwitch.domain.models import DAY_FACTORS
from nosetwitch.interfaces.cli.main import run_captured as cli

SRC = Path(__file__).resolve().parents[1] / "src" / "nosetwitch"
THE_DEFINITION = SRC / "domain" / "vocabulary.py"
TEXT_FILES = sorted(p for p in SRC.rglob("*") if p.suffix in {".py", ".html", ".js", ".toml"} and p != THE_DEFINITION)
LEVEL_CODES = {"self_care", "consult", "urgent", "emergency"}
FACTOR_INPUT_ALIASES = SRC / "interfaces" / "interchange" / "health" / "csv_days.py"
"""Column names people's CSV files use for a factor ("sleep", "sleephours"): what we read, not words we show."""


def _sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in TEXT_FILES]


def _level_words() -> list[str]:
    words = [vocabulary.NOT_A_DIAGNOSIS, vocabulary.IF_IT_COMES_BACK, "no substitute for"]
    for level in vocabulary.LEVEL_WORDS.values():
        words += [level.headline, level.action, level.instruction, level.advice_heading]
    return words


@pytest.mark.parametrize("words", _level_words(), ids=lambda w: w[:40])
def test_the_reminder_and_each_levels_words_are_written_only_in_the_vocabulary(words):
    again = [str(path.relative_to(SRC)) for path, text in _sources() if words in text]
    assert not again, f"{words!r} is written out again in {again}: take it from nosetwitch.domain.vocabulary"


def _level_tables(tree: ast.AST) -> list[int]:
    """Dicts keyed by three or more level codes whose values are sentences (a style
    table, "bold blue", is not wording)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value if isinstance(k, ast.Constant) else getattr(k, "attr", "").lower() for k in node.keys if k is not None}
            sentences = [v for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str) and re.match(r"[A-Z].* ", v.value)]
            if len(keys & LEVEL_CODES) >= 3 and sentences:
                found.append(node.lineno)
    return found


def _factor_name_tables(tree: ast.AST) -> list[int]:
    """Dicts keyed by three or more day factors whose values name the factor in words
    ("sleep", "Screen time", "sleep (hours)")."""
    names = set()
    for words in vocabulary.FACTORS.values():
        names |= {words.label.casefold(), words.question.casefold(), words.long.casefold(), f"{words.in_a_sentence} ({words.unit_words})"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            texts = [c.value.casefold() for v in node.values for c in ast.walk(v) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            if len(keys & set(DAY_FACTORS)) >= 3 and names.intersection(texts):
                found.append(node.lineno)
    return found


def test_the_finders_find_the_old_second_definitions():
    assert _level_tables(ast.parse('HEADLINE = {Level.EMERGENCY: "EMERGENCY: call", Level.URGENT: "Get advice", Level.CONSULT: "Book one"}'))
    assert not _level_tables(ast.parse('_STYLE = {"emergency": "bold white on red", "urgent": "bold", "consult": "bold blue"}'))
    assert _factor_name_tables(ast.parse('FACTOR_WORDS = {"sleep_h": ("sleep", "h"), "caffeine_mg": ("caffeine", "mg"), "stress": ("stress", "points")}'))
    assert _factor_name_tables(ast.parse('F = {"sleep_h": "sleep (hours)", "caffeine_mg": "caffeine (mg)", "water_l": "water (litres)"}'))


def test_no_module_keeps_its_own_table_of_level_or_factor_words():
    for path in TEXT_FILES:
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not _level_tables(tree), f"{path.relative_to(SRC)}:{_level_tables(tree)} words the levels itself"
        if path != FACTOR_INPUT_ALIASES:
            assert not _factor_name_tables(tree), f"{path.relative_to(SRC)}:{_factor_name_tables(tree)} names the factors itself"


def test_no_template_words_a_level_itself():
    for path in TEXT_FILES:
        if path.suffix == ".html":
            wording = re.findall(r"== '(?:self_care|consult|urgent|emergency)' %\}\s*[A-Za-z]{3,}", path.read_text(encoding="utf-8"))
            assert not wording, f"{path.name} words a level itself: {wording}; use words.LEVEL_ACTIONS / level_words"


def test_the_cli_and_the_triage_result_use_the_same_level_words(sqlite_url):
    code, out, _ = cli("--db", sqlite_url, "triage")
    assert code == 0
    assert vocabulary.LEVELS["self_care"] in out and vocabulary.NOT_A_DIAGNOSIS in " ".join(out.split())
