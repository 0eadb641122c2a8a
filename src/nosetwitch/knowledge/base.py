"""`KnowledgeBase`: the validated entries plus the look-ups the engines need."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from nosetwitch.domain.models import RemedyCode
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
    name_words,
)

E = TypeVar("E")
K = TypeVar("K", bound=Hashable)


class KnowledgeError(ValueError):
    """The knowledge data is inconsistent (a dangling reference, a duplicate)."""


@dataclass(frozen=True)
class LinkedMedicine:
    """What a medicine name, as a person wrote it, was recognised as."""

    found: tuple[str, ...]
    """The names of the knowledge base found in it ('Zestoretic', 'furosemide')."""
    ingredients: tuple[tuple[str, MedicineClass], ...]
    """Each linked active substance with its class, in the order found."""
    just_the_substance: bool = False
    """The name is one linked substance and nothing else ('Furosemide')."""

    @property
    def classes(self) -> tuple[MedicineClass, ...]:
        return tuple(dict.fromkeys(cls for _, cls in self.ingredients))

    def describe(self) -> str:
        """'contains hydrochlorothiazide: diuretic group' or, for a bare substance, 'diuretic group'
        (the ATC group: lithium is in the antipsychotic group without being called one)."""
        if self.just_the_substance:
            return f"{self.ingredients[0][1].id} group"
        return "contains " + "; ".join(f"{ingredient}: {cls.id} group" for ingredient, cls in self.ingredients)


# A product names its substances; a generic name is itself the substance.
_Entry = tuple[tuple[str, ...], str, tuple[str, ...]]  # (phrase, listed name, ingredients)


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
        products: Iterable[Product] = (),
        other_substances: Iterable[OtherSubstances] = (),
    ):
        self.causes: tuple[Cause, ...] = tuple(causes)
        self.remedies: tuple[Remedy, ...] = tuple(remedies)
        self.warning_signs: tuple[WarningSign, ...] = tuple(warning_signs)
        self.safety_net: tuple[SafetyNetLine, ...] = tuple(safety_net)
        self.medicine_classes: tuple[MedicineClass, ...] = tuple(medicine_classes)
        self.advice_triggers: tuple[AdviceTrigger, ...] = tuple(advice_triggers)
        self.drinks: tuple[Drink, ...] = tuple(drinks)
        self._drinks = _unique(self.drinks, lambda d: d.key, "drink key")
        self.products: tuple[Product, ...] = tuple(products)
        self.other_substances: tuple[OtherSubstances, ...] = tuple(other_substances)
        self._other_substances = frozenset(n.lower() for entry in self.other_substances for n in entry.names)
        self._causes = _unique(self.causes, lambda c: c.id, "cause id")
        self._remedies = _unique(self.remedies, lambda r: r.code, "remedy code")
        self._signs = _unique(self.warning_signs, lambda s: s.id, "warning sign id")
        self._classes: dict[str, MedicineClass] = _unique(self.medicine_classes, lambda m: m.id, "medicine class id")
        self._cause_by_factor = {f: c for c in self.causes for f in c.factors}
        self._class_of_substance = self._index_substances()
        self._medicine_index = self._index_medicine_names()
        self._linked_cache: dict[str, LinkedMedicine | None] = {}
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
        """The (first) linked class of a medicine name, or None; see `linked_medicine`."""
        linked = self.linked_medicine(name)
        return linked.classes[0] if linked is not None else None

    def linked_medicine(self, name: str) -> LinkedMedicine | None:
        """What in a medicine name, as a person wrote it, belongs to a linked class; None
        when nothing does.

        Names are matched on whole words, case-insensitively, whatever strength,
        form or abbreviation stands around them: 'Exforge HCT 10/160/12.5',
        'Lasix 40 mg tablets', 'lithium carbonate'. A product is linked through
        its ingredients (Zestoretic contains hydrochlorothiazide, a diuretic).
        Look-alikes stay unlinked: 'Zestril' is not 'Zestoretic', 'Orapred' not
        'Orap', 'nystatin' no statin.
        """
        key = name.casefold()
        if key not in self._linked_cache:
            self._linked_cache[key] = self._link(name)
        return self._linked_cache[key]

    def products_of_class(self, class_id: str, *, combinations: bool) -> tuple[Product, ...]:
        """Products containing a member of the class, only combinations or only single substances."""
        return tuple(
            p for p in self.products
            if p.combination == combinations
            and any(self._class_of_substance.get(i.lower()) is self._classes[class_id] for i in p.ingredients)
        )  # fmt: skip

    def class_of_substance(self, substance: str) -> MedicineClass | None:
        return self._class_of_substance.get(substance.lower())

    # --- building ---------------------------------------------------------------

    def _link(self, name: str) -> LinkedMedicine | None:
        words = name_words(name)
        found: list[str] = []
        ingredients: dict[str, MedicineClass] = {}
        start = 0
        while start < len(words):
            for phrase, listed, contents in self._medicine_index.get(words[start], ()):  # longest first
                if words[start : start + len(phrase)] == phrase:
                    linked = [(i, self._class_of_substance[i.lower()]) for i in contents if i.lower() in self._class_of_substance]
                    if linked:
                        found.append(listed)
                        for ingredient, cls in linked:
                            ingredients.setdefault(ingredient, cls)
                    start += len(phrase)
                    break
            else:
                start += 1
        if not ingredients:
            return None
        found_names = tuple(dict.fromkeys(found))
        bare = len(ingredients) == 1 and name_words(found_names[0]) == words and found_names[0] in ingredients
        return LinkedMedicine(found_names, tuple(ingredients.items()), bare)

    def _index_substances(self) -> dict[str, MedicineClass]:
        owner: dict[str, MedicineClass] = {}
        for medicine_class in self.medicine_classes:
            for generic in medicine_class.generics:
                if owner.setdefault(generic.lower(), medicine_class) is not medicine_class:
                    raise KnowledgeError(f"medicine name {generic!r} is listed in two classes")
                if generic.lower() in self._other_substances:
                    raise KnowledgeError(f"substance {generic!r} is listed as linked and as other")
        for product in self.products:
            for ingredient in product.ingredients:
                if ingredient.lower() not in owner and ingredient.lower() not in self._other_substances:
                    raise KnowledgeError(
                        f"product {product.name!r} names ingredient {ingredient!r}, which is neither a class member nor another known substance"
                    )
            if not any(i.lower() in owner for i in product.ingredients):
                raise KnowledgeError(f"product {product.name!r} contains no member of a linked class")
        return owner

    def _index_medicine_names(self) -> dict[str, list[_Entry]]:
        index: dict[str, list[_Entry]] = {}
        listed: dict[tuple[str, ...], str] = {}
        entries: list[tuple[str, tuple[str, ...]]] = [(generic, (generic,)) for c in self.medicine_classes for generic in c.generics]
        entries += [(name, product.ingredients) for product in self.products for name in product.names]
        for name, contents in entries:
            phrase = name_words(name)
            if phrase in listed:
                raise KnowledgeError(f"medicine name {name!r} is listed twice (also as {listed[phrase]!r})")
            listed[phrase] = name
            index.setdefault(phrase[0], []).append((phrase, name, contents))
        for candidates in index.values():  # longest phrase first: 'Exforge HCT' before a bare word
            candidates.sort(key=lambda entry: -len(entry[0]))
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


def _unique(entries: Iterable[E], key: Callable[[E], K], what: str) -> dict[K, E]:
    seen: dict[K, E] = {}
    for entry in entries:
        k = key(entry)
        if k in seen:
            raise KnowledgeError(f"duplicate {what} {getattr(k, 'value', k)!r}")
        seen[k] = entry
    return seen
