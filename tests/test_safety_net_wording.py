"""The safety net's wording (policy: "Every place that shows a result"): it names every
stroke-type sign, is defined once (knowledge/warning_signs.toml) and every surface shows
that same text: CLI, web pages, PDF, API and the README banner."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader

from nosetwitch.domain.models import Diary, Person
from nosetwitch.reports import render_report
from nosetwitch.triage import triage
from nosetwitch.triage.wording import emergency_safety_net

README = Path(__file__).resolve().parents[1] / "README.md"

POLICY_SIGNS = (
    "sudden weakness or numbness of the face, an arm or a leg (especially on one side)",
    "sudden trouble seeing (blurred, double or lost sight)",
    "sudden trouble speaking or understanding, or confusion",
    "sudden trouble swallowing",
    "sudden loss of balance",
    "a sudden, very bad headache",
    "even if it passes",
)


def _flat(text: str) -> str:
    return " ".join(text.replace("**", "").replace("> ", " ").split())


def test_the_emergency_line_names_every_stroke_type_sign_of_the_policy() -> None:
    line = emergency_safety_net()
    assert line.startswith("Call 112 / 911 / 999 now")
    for sign in POLICY_SIGNS:
        assert sign in line, sign


def test_the_safety_net_gives_the_bells_palsy_and_warning_stroke_advice() -> None:
    net = " ".join(triage(Diary(person=Person(timezone="UTC"))).safety_net)
    assert net.startswith(emergency_safety_net())
    assert re.search(r"same day if one side of your face .* Bell's palsy.* within 72 hours", net)
    assert re.search(r"came and went .* warning stroke", net)


def test_the_readme_banner_is_the_same_text() -> None:
    banner = _flat("\n".join(line for line in README.read_text().splitlines() if line.startswith(">")))
    assert _flat(emergency_safety_net()) in banner


def test_the_pdf_shows_the_same_text() -> None:
    pdf = render_report(Diary(person=Person(timezone="UTC")))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert _flat(emergency_safety_net()) in text
