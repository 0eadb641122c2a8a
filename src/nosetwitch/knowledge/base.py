"""`KnowledgeBase`: the validated entries plus the look-ups the engines need."""

from __future__ import annotations

from collections.abc import Iterable

from nosetwitch.domain.models import RemedyCode
from nosetwitch.knowledge.models import (
    AdviceTrigger,
    Cause,
    MedicineClass,
    Remedy,
    SafetyNetLine,
    WarningSign,
    name_words,
)
from nosetwitch.knowledge.models import Drink


class KnowledgeError(ValueError):
    """The knowledge data is inconsistent (a dangling reference, a duplicate)."""


class KnowledgeBase:
    """Causes, remedies, warning signs, medicine classes and advice thresholds."""

    def __init__(
        self,
        *,
        causes: Iterable[Cause],
        remedies: Iterable[Remedy],
        warning_signs: Iterable[WarningSign],
        safety_net: Iterable[SafetyNetLine],
        medicine_classes: Iterable[MedicineClass],
        advice_triggers: Iterable[AdviceTrigger],
        drinks: Iterable[Drink] = (),
    ):
        self.causes: tuple[Cause, ...] = tuple(causes)
        self.remedies: tuple[Remedy, ...] = tuple(remedies)
        self.warning_signs: tuple[WarningSign, ...] = tuple(warning_signs)
        self.safety_net: tuple[SafetyNetLine, ...] = tuple(safety_net)
        self.medicine_classes: tuple[MedicineClass, ...] = tuple(medicine_classes)
        self.advice_triggers: tuple[AdviceTrigger, ...] = tuple(advice_triggers)
        self.drinks: tuple[Drink, ...] = tuple(drinks)
        self._drinks = _unique(self.drinks, lambda d: d.key, "drink key")
        self._causes = _unique(self.causes, lambda c: c.id, "cause id")
        self._remedies = _unique(self.remedies, lambda r: r.code, "remedy code")
        self._signs = _unique(self.warning_signs, lambda s: s.id, "warning sign id")
        self._classes = _unique(self.medicine_classes, lambda m: m.id, "medicine class id")
        self._cause_by_factor = {f: c for c in self.causes for f in c.factors}
        self._medicine_index = self._index_medicine_names()
        self._check_references()

    # --- look-ups -------------------------------------------------------------

    def cause(self, cause_id: str) -> Cause:
        return self._causes[cause_id]

    def cause_for_factor(self, field: str) -> Cause | None:
        """The cause a DayCheckIn field relates to (e.g. 'caffeine_mg' -> caffeine), or None."""
        return self._cause_by_factor.get(field)

    def remedy(self, code: RemedyCode | str) -> Remedy:
        """The self-care measure for a remedy code; KeyError for `other` or an unknown code."""
        return self._remedies[RemedyCode(code)]

    def drink(self, key: str) -> Drink:
        """A caffeinated drink of drinks.toml by its key ('coffee', 'energy_drink'); KeyError if unknown."""
        return self._drinks[key]

    def warning_sign(self, sign_id: str) -> WarningSign:
        return self._signs[sign_id]

    def medicine_class(self, class_id: str) -> MedicineClass:
        return self._classes[class_id]

    def medicine_class_of(self, name: str) -> MedicineClass | None:
        """The linked class a medicine name belongs to, matched on whole words.

        'SEROQUEL XR', 'lithium carbonate' and 'Lasix 40mg' are recognised;
        'Orapred' does not match the brand 'Orap', nor 'toremifene' 'Torem'.
        """
        words = name_words(name)
        for start, word in enumerate(words):
            for phrase, medicine_class in self._medicine_index.get(word, ()):
                if words[start : start + len(phrase)] == phrase:
                    return medicine_class
        return None

    # --- building ---------------------------------------------------------------

    def _index_medicine_names(self) -> dict[str, list[tuple[tuple[str, ...], MedicineClass]]]:
        index: dict[str, list[tuple[tuple[str, ...], MedicineClass]]] = {}
        owner: dict[tuple[str, ...], str] = {}
        for medicine_class in self.medicine_classes:
            for name in medicine_class.generics + medicine_class.brands:
                phrase = name_words(name)
                if owner.setdefault(phrase, medicine_class.id) != medicine_class.id:
                    raise KnowledgeError(f"medicine name {name!r} is listed in two classes")
                index.setdefault(phrase[0], []).append((phrase, medicine_class))
        for entries in index.values():  # longest phrase first: 'potassium canrenoate' before a bare word
            entries.sort(key=lambda entry: -len(entry[0]))
        return index

    def _check_references(self) -> None:
        for cause in self.causes:
            for code in cause.relief:
                if code not in self._remedies:
                    raise KnowledgeError(f"cause {cause.id!r} names remedy {code.value!r}, which has no entry")
            for class_id in cause.medicine_classes:
                if class_id not in self._classes:
                    raise KnowledgeError(f"cause {cause.id!r} names medicine class {class_id!r}, which has no entry")
        for trigger in self.advice_triggers:
            if trigger.cause not in self._causes:
                raise KnowledgeError(f"advice trigger for {trigger.factor!r} names unknown cause {trigger.cause!r}")
            for code in trigger.remedies:
                if code not in self._remedies:
                    raise KnowledgeError(f"advice trigger for {trigger.factor!r} names remedy {code.value!r}, which has no entry")
        for line in self.safety_net:
            for sign_id in line.signs:
                if sign_id not in self._signs:
                    raise KnowledgeError(f"safety-net line names unknown warning sign {sign_id!r}")


def _unique(entries, key, what: str) -> dict:
    seen: dict = {}
    for entry in entries:
        k = key(entry)
        if k in seen:
            raise KnowledgeError(f"duplicate {what} {getattr(k, 'value', k)!r}")
        seen[k] = entry
    return seen
