"""The knowledge base: everything the seed document names is there, in our own
words, with a source; medicine names are recognised on whole words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nosetwitch.domain.models import DAY_FACTORS, RemedyCode
from nosetwitch.knowledge import KnowledgeBase, KnowledgeError, knowledge
from nosetwitch.knowledge.models import Cause, Remedy
from nosetwitch.triage.rules import RULES

SEED = next((p / "shared" / "seed" / "nose-twitching.txt" for p in Path(__file__).resolve().parents if (p / "shared" / "seed" / "nose-twitching.txt").is_file()), Path(__file__).resolve().parents[2] / "shared" / "seed" / "nose-twitching.txt")

# The seed's items, listed by hand: (what the seed says, the entry that covers it, words its text must use).
SEED_CAUSES = [
    ("muscle fatigue or strain from repetitive facial movements", "muscle_strain", ["facial_strain"], ["muscle"]),
    ("stress and anxiety, cortisol and adrenaline", "stress", ["stress"], ["cortisol", "adrenaline", "anxious"]),
    ("excessive caffeine", "caffeine", ["caffeine_mg"], ["coffee"]),
    ("nicotine", "nicotine", ["nicotine_units"], ["nicotine"]),
    ("insufficient sleep or general fatigue", "short_sleep", ["sleep_h"], ["rest"]),
    ("magnesium, potassium and calcium deficiency", "mineral_shortfall", ["magnesium_mg", "potassium_mg", "calcium_mg"], ["minerals"]),
    ("dehydration and electrolytes", "dehydration", ["water_l"], ["electrolytes"]),
    ("diuretics, statins, antipsychotics", "medicines", [], ["diuretics", "statins", "antipsychotic"]),
]
SEED_REMEDIES = {
    "gently massaging the area": RemedyCode.MASSAGE,
    "a warm compress": RemedyCode.WARM_COMPRESS,
    "deep breathing exercises": RemedyCode.DEEP_BREATHING,
    "mindfulness": RemedyCode.MINDFULNESS,
    "adequate hydration": RemedyCode.HYDRATION,
    "reducing caffeine": RemedyCode.REDUCE_CAFFEINE,
    "reducing nicotine": RemedyCode.REDUCE_NICOTINE,
    "sufficient sleep": RemedyCode.SLEEP,
}
SEED_WARNING_SIGNS = {
    "persists for several days": ("persistent", "persistent"),
    "frequent despite home remedies": ("frequent_despite_remedies", "frequent_despite_remedies"),
    "weakness": ("weakness", "accompanying_symptom"),
    "numbness": ("numbness", "accompanying_symptom"),
    "changes in vision": ("vision_change", "accompanying_symptom"),
    "facial drooping": ("facial_drooping", "facial_weakness"),
    "pain": ("pain", "accompanying_symptom"),
    "spreads to other parts of the face or body": ("spread", "spread"),
    "interferes with eating or speaking": ("interferes", "interferes"),
    "medications linked to spasms": ("linked_medicine", "medication_review"),
}


@pytest.mark.parametrize("seed_item, cause_id, factors, words", SEED_CAUSES, ids=[c[1] for c in SEED_CAUSES])
def test_every_seed_cause_is_represented(seed_item, cause_id, factors, words) -> None:
    cause = knowledge().cause(cause_id)
    assert set(factors) <= set(cause.factors)
    for factor in factors:
        assert knowledge().cause_for_factor(factor) is cause
    text = cause.explanation.lower()
    assert all(word in text for word in words), (seed_item, words)
    assert "SEED, section" in cause.source


@pytest.mark.parametrize("seed_item, code", SEED_REMEDIES.items())
def test_every_seed_remedy_is_represented(seed_item, code) -> None:
    remedy = knowledge().remedy(code)
    assert remedy.code is code and remedy.how and remedy.why
    assert "SEED, section" in remedy.source


def test_factors_the_seed_does_not_name_point_to_no_cause() -> None:
    assert knowledge().cause_for_factor("alcohol_units") is None
    assert knowledge().cause_for_factor("exercise_min") is None


def test_magnesium_is_a_remedy_with_a_supplement_caution() -> None:
    remedy = knowledge().remedy("magnesium")
    assert "pharmacist or doctor before taking" in remedy.caution
    with pytest.raises(KeyError):
        knowledge().remedy("other")


@pytest.mark.parametrize("seed_item, ids", SEED_WARNING_SIGNS.items())
def test_every_seed_warning_sign_is_represented_and_watched_by_a_rule(seed_item, ids) -> None:
    sign_id, rule = ids
    sign = knowledge().warning_sign(sign_id)
    assert sign.layer == "seed" and rule in sign.rules
    assert any(sign_id in line.signs for line in knowledge().safety_net)


def test_safety_layer_stroke_and_bells_palsy() -> None:
    kb = knowledge()
    stroke = kb.warning_sign("stroke_be_fast")
    assert stroke.level == "emergency" and "stroke_sign" in stroke.rules
    assert all(word in stroke.explanation for word in ("Balance", "Eyes", "Face", "Arm", "Speech", "Time"))
    assert "nhs.uk" in stroke.source and "stroke.org" in stroke.source
    bells = kb.warning_sign("bells_palsy")
    assert bells.level == "urgent" and "72 hours" in bells.explanation and "ninds.nih.gov" in bells.source
    assert kb.safety_net[0].level == "emergency" and "112 / 911 / 999" in kb.safety_net[0].text


def test_warning_signs_and_rules_agree() -> None:
    kb = knowledge()
    levels = {rule.code: rule.level.value for rule in RULES}
    order = ["self_care", "consult", "urgent", "emergency"]
    for sign in kb.warning_signs:
        assert set(sign.rules) <= set(levels), sign.id
        assert sign.level == min((levels[r] for r in sign.rules), key=order.index), sign.id
    assert set(levels) <= {r for s in kb.warning_signs for r in s.rules}
    assert {s.id for s in kb.warning_signs} == {i for line in kb.safety_net for i in line.signs}


def test_every_day_factor_that_matters_has_a_sourced_threshold() -> None:
    kb = knowledge()
    wanted = {"sleep_h", "caffeine_mg", "nicotine_units", "water_l", "stress", "facial_strain", "magnesium_mg", "potassium_mg", "calcium_mg"}
    assert {t.factor for t in kb.advice_triggers} == wanted
    for trigger in kb.advice_triggers:
        assert trigger.factor in DAY_FACTORS
        assert "https://" in trigger.source or "convention" in trigger.source


def test_entries_are_in_our_own_words() -> None:
    """No sentence of ours shares a run of 8 words with the seed document."""
    if not SEED.is_file():
        pytest.skip(f"{SEED} is absent")

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z]+", text.lower())
        return {tuple(words[i : i + 8]) for i in range(len(words) - 7)}

    seed = runs(SEED.read_text())
    kb = knowledge()
    texts = [c.explanation for c in kb.causes] + [r.how + " " + r.why for r in kb.remedies]
    texts += [s.explanation for s in kb.warning_signs] + [line.text for line in kb.safety_net]
    for text in texts:
        assert not runs(text) & seed, text


# --- medicines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, class_id",
    [
        ("SEROQUEL XR", "antipsychotic"),
        ("lithium carbonate", "antipsychotic"),
        ("Lithium Citrate syrup", "antipsychotic"),
        ("Lasix 40mg", "diuretic"),
        ("furosemide", "diuretic"),
        ("Hydrochlorothiazide 25 mg", "diuretic"),
        ("losartan/HCTZ", "diuretic"),
        ("potassium canrenoate", "diuretic"),
        ("co-amilofruse 5/40", "diuretic"),
        ("Ethacrynic Acid", "diuretic"),
        ("spironolactone", "diuretic"),
        ("tolvaptan", "diuretic"),
        ("atorvastatin 20mg", "statin"),
        ("LIPITOR", "statin"),
        ("Crestor", "statin"),
        ("Zocor", "statin"),
        ("pitavastatin", "statin"),
        ("Risperdal Consta", "antipsychotic"),
        ("Zyprexa", "antipsychotic"),
        ("Abilify Maintena 400", "antipsychotic"),
        ("haloperidol decanoate", "antipsychotic"),
        ("Haldol", "antipsychotic"),
        ("quetiapine fumarate", "antipsychotic"),
        ("clozapine", "antipsychotic"),
    ],
)
def test_medicine_names_are_recognised(name: str, class_id: str) -> None:
    assert knowledge().medicine_class_of(name).id == class_id


@pytest.mark.parametrize(
    "name",
    [
        "Orapred", "toremifene", "ibuprofen", "vitamin D3", "acid reflux tablets", "potassium chloride", "Inspiryl",
        "amlodipine", "Lasixon", "", "Zestril 10mg", "Nystatin oral suspension", "imipenem/cilastatin", "Orapred ODT",
        "Exforge 5/160", "Twynsta 40/5", "Cozaar", "Ezetrol", "Zetia", "Prozac 20 mg", "Micardis 40", "Diovan",
        "Lotensin", "Benicar", "Atacand", "Tenormin", "Entresto 49/51", "Prinivil",
    ],
)  # fmt: skip
def test_other_names_are_not_matched_by_substring(name: str) -> None:
    """Look-alikes: a name inside another word, or a product without a linked ingredient."""
    assert knowledge().medicine_class_of(name) is None
    assert knowledge().linked_medicine(name) is None


@pytest.mark.parametrize(
    "name, class_ids, ingredient",
    [
        ("Zestoretic 20/12.5", {"diuretic"}, "hydrochlorothiazide"),
        ("Hyzaar 50/12.5", {"diuretic"}, "hydrochlorothiazide"),
        ("Symbyax 6/25", {"antipsychotic"}, "olanzapine"),
        ("Exforge HCT 10/160/12.5", {"diuretic"}, "hydrochlorothiazide"),
        ("Tenoretic 50/12.5", {"diuretic"}, "chlortalidone"),
        ("Lasilactone 20mg/50mg capsules", {"diuretic"}, "spironolactone"),
        ("ATOZET 10 mg/40 mg", {"statin"}, "atorvastatin"),
        ("caduet", {"statin"}, "atorvastatin"),
        ("Vytorin 10/20", {"statin"}, "simvastatin"),
        ("co-amilozide 2.5/25", {"diuretic"}, "amiloride"),
        ("Dyazide", {"diuretic"}, "triamterene"),
        ("Micardis Plus 80/12.5", {"diuretic"}, "hydrochlorothiazide"),
        ("CoAprovel 150/12.5", {"diuretic"}, "hydrochlorothiazide"),
        ("Atacand HCT", {"diuretic"}, "hydrochlorothiazide"),
        ("Olmetec Plus", {"diuretic"}, "hydrochlorothiazide"),
        ("Tribenzor", {"diuretic"}, "hydrochlorothiazide"),
        ("Lasix 40 mg tablets", {"diuretic"}, "furosemide"),
        ("valsartan/HCT 160/25", {"diuretic"}, "hct"),
        ("furosemide 20mg and simvastatin 40mg", {"diuretic", "statin"}, "simvastatin"),
    ],
)
def test_combination_products_are_linked_through_an_ingredient(name: str, class_ids: set[str], ingredient: str) -> None:
    linked = knowledge().linked_medicine(name)
    assert {c.id for c in linked.classes} == class_ids
    assert ingredient in dict(linked.ingredients)
    assert ingredient in linked.describe()


def test_every_product_has_a_source_and_known_ingredients() -> None:
    kb = knowledge()
    combinations = [p for p in kb.products if p.combination]
    assert len(combinations) >= 30
    for product in kb.products:
        assert "https://" in product.source, product.name
        assert any(kb.class_of_substance(i) for i in product.ingredients), product.name
        for name in product.names:  # each name of the product links to its classes
            classes = {kb.class_of_substance(i) for i in product.ingredients} - {None}
            assert set(kb.linked_medicine(name).classes) == classes, name
    named = {name for p in combinations for name in p.names}
    assert {"Zestoretic", "Hyzaar", "Symbyax", "Exforge HCT", "Tenoretic", "Lasilactone", "Atozet", "Caduet", "Vytorin",
            "co-amilofruse", "co-amilozide", "Moduretic", "Aldactazide", "Dyazide", "Maxzide", "Lotensin HCT", "Micardis HCT",
            "MicardisPlus", "Diovan HCT", "Co-Diovan", "Avalide", "CoAprovel", "Atacand HCT", "Atacand Plus", "Benicar HCT",
            "Olmetec Plus", "Tribenzor"} <= named  # fmt: skip
    assert "Twynsta" not in named  # telmisartan + amlodipine: no diuretic


@given(
    st.sampled_from([name for p in knowledge().products for name in p.names] + [g for c in knowledge().medicine_classes for g in c.common]),
    st.sampled_from(["", "40 mg", "10/160/12.5", "20mg/12.5mg", "5 mg/10 mg film-coated tablets", "XR", "oral solution", "(1 a day)"]),
    st.sampled_from(["", "tab", "Rx:", "1 x"]),
    st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
)
def test_strength_form_and_case_around_a_name_do_not_change_the_link(name, after, before, case) -> None:
    kb = knowledge()
    plain = kb.linked_medicine(name)
    written = kb.linked_medicine(case(f"{before} {name} {after}".strip()))
    assert written is not None and plain is not None
    assert written.classes == plain.classes


def test_a_misspelt_ingredient_or_an_unlinked_product_is_refused() -> None:
    from nosetwitch.knowledge.models import Product

    kb = knowledge()
    args = dict(causes=kb.causes, remedies=kb.remedies, warning_signs=kb.warning_signs, safety_net=kb.safety_net,
                medicine_classes=kb.medicine_classes, advice_triggers=kb.advice_triggers, other_substances=kb.other_substances)  # fmt: skip
    typo = Product(names=["Zestoretic"], ingredients=["lisinopril", "hydrochlorthiazide"], source="https://example.org/label")
    with pytest.raises(KnowledgeError, match="hydrochlorthiazide"):
        KnowledgeBase(**args, products=[typo])
    unlinked = Product(names=["Zestril"], ingredients=["lisinopril"], source="https://example.org/label")
    with pytest.raises(KnowledgeError, match="no member of a linked class"):
        KnowledgeBase(**args, products=[unlinked])


def test_every_statin_of_c10aa_and_key_substances_are_listed() -> None:
    kb = knowledge()
    statins = set(kb.medicine_class("statin").generics)
    assert statins == {"simvastatin", "lovastatin", "pravastatin", "fluvastatin", "atorvastatin", "cerivastatin", "rosuvastatin", "pitavastatin"}
    diuretics = set(kb.medicine_class("diuretic").generics)
    assert {"furosemide", "bumetanide", "torasemide", "hydrochlorothiazide", "indapamide", "chlortalidone", "spironolactone", "eplerenone", "amiloride", "triamterene", "metolazone", "bendroflumethiazide"} <= diuretics
    antipsychotics = set(kb.medicine_class("antipsychotic").generics)
    assert {"lithium", "haloperidol", "chlorpromazine", "olanzapine", "quetiapine", "risperidone", "aripiprazole", "clozapine", "amisulpride", "paliperidone", "cariprazine", "lurasidone", "ziprasidone"} <= antipsychotics
    assert [c.atc for c in kb.medicine_classes] == ["C03", "C10AA", "N05A"]


def test_common_members_are_current_human_medicines() -> None:
    """The Learn page lists `common`: no withdrawn (cerivastatin) or veterinary (acepromazine) ones."""
    kb = knowledge()
    common = {name for c in kb.medicine_classes for name in c.common}
    assert not common & {"cerivastatin", "acepromazine", "triflupromazine", "fluanisone", "mersalyl", "tienilic acid", "remoxipride", "thioridazine"}
    assert {"furosemide", "atorvastatin", "lithium", "quetiapine", "spironolactone", "simvastatin", "olanzapine"} <= common


# --- validation on load -------------------------------------------------------------------------


def test_knowledge_is_cached() -> None:
    assert knowledge() is knowledge()


def test_bad_data_is_refused_with_a_message() -> None:
    kb = knowledge()
    with pytest.raises(ValueError, match="unknown day factor"):
        Cause(id="x", name="X thing", explanation="An explanation.", factors=["coffee_cups"], source="SEED, section 'x'")
    with pytest.raises(ValueError, match="source"):
        Remedy(code="massage", name="Massage", how="Rub it.", why="Helps it.", general=True, source="my aunt")
    broken = Cause(id="broken", name="Broken", explanation="Points nowhere.", relief=["reduce_caffeine"], medicine_classes=["vitamins"], source="SEED, section 'x'")
    with pytest.raises(KnowledgeError, match="vitamins"):
        KnowledgeBase(
            causes=[broken], remedies=kb.remedies, warning_signs=kb.warning_signs, safety_net=kb.safety_net,
            medicine_classes=kb.medicine_classes, advice_triggers=kb.advice_triggers,
        )
    with pytest.raises(KnowledgeError, match="duplicate remedy code"):
        KnowledgeBase(
            causes=kb.causes, remedies=kb.remedies + kb.remedies[:1], warning_signs=kb.warning_signs,
            safety_net=kb.safety_net, medicine_classes=kb.medicine_classes, advice_triggers=kb.advice_triggers,
        )


def test_the_vocabulary_names_every_remedy_as_the_knowledge_base_does() -> None:
    """Learn, the advice and the diary (History, forms, PDF) call a measure by one name."""
    from nosetwitch.domain import vocabulary
    from nosetwitch.knowledge import knowledge

    assert {r.code.value: r.name for r in knowledge().remedies} == {k: v for k, v in vocabulary.REMEDIES.items() if k != "other"}
