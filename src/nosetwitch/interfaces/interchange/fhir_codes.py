"""The clinical codes of the FHIR export, read from `knowledge/codes.toml`.

Every clinical code there names its published source; vocabularies we
could not confirm are marked `coded = false`, and for those the export
sends only the project's own code system. This module turns entries into
FHIR `Coding` dicts so the exporter never spells a system URL itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ClinicalCode:
    """One confirmed code: a system URL, the code, its display and where it was checked."""

    system: str
    code: str
    display: str
    source: str

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True)
class CodeBook:
    """codes.toml, resolved: system URLs by key, and the codes by group and key."""

    systems: dict[str, str]
    sources: dict[str, str]
    groups: dict[str, dict[str, ClinicalCode | None]]
    single: dict[str, ClinicalCode | None]

    def system(self, key: str) -> str:
        return self.systems[key]

    def lookup(self, group: str, key: str) -> ClinicalCode | None:
        """The confirmed code for e.g. ("site", "nose"); None when not coded."""
        return self.groups.get(group, {}).get(key)

    def own(self, system_key: str, code: str, display: str | None = None) -> dict[str, str]:
        """A coding in one of the project's own code systems."""
        coding = {"system": self.systems[system_key], "code": code}
        if display:
            coding["display"] = display
        return coding


def _entry(raw: dict[str, Any], systems: dict[str, str], sources: dict[str, str], where: str) -> ClinicalCode | None:
    if raw.get("coded", True) is False:
        return None
    try:
        return ClinicalCode(
            system=systems[raw["system"]], code=raw["code"], display=raw["display"], source=sources[raw["source"]]
        )
    except KeyError as exc:
        raise ValueError(f"codes.toml [{where}]: missing or unknown {exc.args[0]!r}") from None


@lru_cache(maxsize=1)
def code_book() -> CodeBook:
    """Load and check codes.toml once per process."""
    text = resources.files("nosetwitch.knowledge").joinpath("codes.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    systems, sources = data.pop("systems"), data.pop("sources")
    groups: dict[str, dict[str, ClinicalCode | None]] = {}
    single: dict[str, ClinicalCode | None] = {}
    for name, body in data.items():
        if "system" in body or "coded" in body:
            single[name] = _entry(body, systems, sources, name)
        else:
            groups[name] = {key: _entry(raw, systems, sources, f"{name}.{key}") for key, raw in body.items()}
    return CodeBook(systems=systems, sources=sources, groups=groups, single=single)
