"""Read the TOML data files of this package and validate them."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from nosetwitch.knowledge.base import KnowledgeBase, KnowledgeError
from nosetwitch.knowledge.models import (
    AdviceTrigger,
    Cause,
    Drink,
    MedicineClass,
    OtherSubstances,
    Product,
    Remedy,
    SafetyNetLine,
    WarningSign,
)

# file -> {table key: entry model}; codes.toml (the report helper's clinical
# codes) is read by its own module, not here.
_FILES: dict[str, dict[str, type[BaseModel]]] = {
    "causes.toml": {"cause": Cause},
    "remedies.toml": {"remedy": Remedy},
    "warning_signs.toml": {"sign": WarningSign, "safety_net": SafetyNetLine},
    "medicines.toml": {"class": MedicineClass, "product": Product, "other_substances": OtherSubstances},
    "advice_triggers.toml": {"trigger": AdviceTrigger},
    "drinks.toml": {"drink": Drink},
}


def _read(file: str) -> dict:
    return tomllib.loads(resources.files("nosetwitch.knowledge").joinpath(file).read_text(encoding="utf-8"))


def _entries(file: str) -> dict[str, list[Any]]:  # each list holds its table's model (_FILES)
    data = _read(file)
    tables = _FILES[file]
    unknown = set(data) - set(tables)
    if unknown:
        raise KnowledgeError(f"{file}: unknown table(s) {sorted(unknown)}")
    out = {}
    for key, model in tables.items():
        try:
            # mypy cannot take a model chosen at run time as a type argument
            out[key] = TypeAdapter(list[model]).validate_python(data.get(key, []))  # type: ignore[valid-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise KnowledgeError(f"{file}: [[{key}]] {where}: {first['msg']}") from None
    return out


@cache
def knowledge() -> KnowledgeBase:
    """The validated knowledge base, read once per process."""
    signs = _entries("warning_signs.toml")
    medicines = _entries("medicines.toml")
    return KnowledgeBase(
        causes=_entries("causes.toml")["cause"],
        remedies=_entries("remedies.toml")["remedy"],
        warning_signs=signs["sign"],
        safety_net=signs["safety_net"],
        medicine_classes=medicines["class"],
        advice_triggers=_entries("advice_triggers.toml")["trigger"],
        drinks=_entries("drinks.toml")["drink"],
        products=medicines["product"],
        other_substances=medicines["other_substances"],
    )
