"""The words people read: one place for factor, symptom, remedy, site and level wording.

The CLI, the web pages, the doctor's report and the FHIR export all take their
labels from here, so a factor is called the same everywhere ("Sleep 8 h",
never "sleep_h 8") and counts read as English ("1 episode", "2 episodes").

Spelling: British English throughout ("centre", "colour"), chosen once for the
whole project. Pure data and small pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from nosetwitch.domain.models import DAY_FACTORS


@dataclass(frozen=True)
class FactorWords:
    """How one day factor reads.

    `label`: the short name ("Sleep"); `unit`: the symbol after a number ("h"),
    or "" for a count; `one`/`many`: the counted noun for factors without a
    symbol ("1 drink", "2 drinks"); `long`: a fuller name for a clinician
    (the report, FHIR); `per`: the usual step the insights speak of.
    """

    label: str
    unit: str
    long: str
    one: str = ""
    many: str = ""

    def amount(self, value: float) -> str:
        """'8 h', '250 mg', '2 drinks', '1 drink', '6/10'."""
        number = number_text(value)
        if self.unit == "/10":
            return f"{number}/10"
        if self.unit:
            return f"{number} {self.unit}"
        if self.one:
            return f"{number} {self.one if value == 1 else self.many}"
        return number


FACTORS: dict[str, FactorWords] = {
    "sleep_h": FactorWords("Sleep", "h", "Sleep the night before"),
    "caffeine_mg": FactorWords("Caffeine", "mg", "Caffeine, all sources"),
    "nicotine_units": FactorWords("Nicotine", "", "Nicotine (cigarettes, pouches or vape sessions)", "use", "uses"),
    "alcohol_units": FactorWords("Alcohol", "", "Alcohol, standard drinks", "drink", "drinks"),
    "stress": FactorWords("Stress", "/10", "Stress, 0-10", "point", "points"),
    "water_l": FactorWords("Fluids", "L", "Fluid intake"),
    "magnesium_mg": FactorWords("Magnesium", "mg", "Magnesium intake"),
    "potassium_mg": FactorWords("Potassium", "mg", "Potassium intake"),
    "calcium_mg": FactorWords("Calcium", "mg", "Calcium intake"),
    "facial_strain": FactorWords("Facial strain", "/10", "Repetitive facial strain, 0-10", "point", "points"),
    "screen_h": FactorWords("Screen time", "h", "Screen time"),
    "exercise_min": FactorWords("Exercise", "min", "Exercise"),
}
assert set(FACTORS) == set(DAY_FACTORS), "every day factor needs its words"

SYMPTOMS: dict[str, str] = {
    "facial_droop": "Face drooping",
    "weakness": "Weakness",
    "numbness": "Numbness or tingling",
    "vision_change": "Change in sight",
    "pain": "Pain",
    "speech_difficulty": "Trouble speaking",
    "swallowing_difficulty": "Trouble swallowing",
    "balance_loss": "Loss of balance",
    "severe_headache": "Sudden, very bad headache",
    "eyelid_closure": "Eye forced shut by the spasm",
    "other": "Something else",
}

REMEDIES: dict[str, str] = {
    # the knowledge base's own names (knowledge/remedies.toml; tests/test_knowledge.py keeps them equal)
    "massage": "Gentle massage",
    "warm_compress": "Warm compress",
    "deep_breathing": "Slow breathing",
    "mindfulness": "Mindfulness or a short rest",
    "hydration": "Enough to drink",
    "reduce_caffeine": "Less caffeine",
    "reduce_nicotine": "Less nicotine",
    "sleep": "More sleep",
    "magnesium": "Mineral-rich food (magnesium, potassium, calcium)",
    "other": "Something else",
}

SIDES: dict[str, str] = {"left": "Left", "right": "Right", "both": "Both sides", "center": "Centre"}
"""The stored value stays `center` (the diary format); people read British 'Centre'."""

LEVELS: dict[str, str] = {
    "self_care": "Self-care",
    "consult": "See a doctor in the coming days",
    "urgent": "Get medical advice today",
    "emergency": "Emergency: call 112 / 911 / 999 now",
}
"""The short level headline on a badge or in a table."""

LEVEL_ACTIONS: dict[str, str] = {
    "self_care": "Home measures, keep logging, watch for the warning signs.",
    "consult": "Book an appointment with a doctor in the coming days; do not stop a prescribed medicine on your own.",
    "urgent": "Get medical advice today (within 24 hours).",
    "emergency": "Call the local emergency number now (112 / 911 / 999).",
}
"""What to do at each level, in one line."""

NOT_A_DIAGNOSIS = "Patterns in your own diary, not a diagnosis; no substitute for a doctor."
"""The one-line reminder every surface carries."""

DAYS_IN_A_ROW = "days in a row with twitching"
"""What the CLI and the pages call a run of consecutive days with twitching (never 'streak')."""


def number_text(value: float) -> str:
    """8 -> '8', 6.5 -> '6.5', 1.25 -> '1.25', 0.333 -> '0.33'."""
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def factor_label(field: str) -> str:
    """'Sleep' for 'sleep_h'; an unknown or own factor key reads as words ('Cold weather')."""
    words = FACTORS.get(field)
    if words is not None:
        return words.label
    return field.removeprefix("own:").replace("_", " ").capitalize()


def factor_unit(field: str) -> str:
    words = FACTORS.get(field)
    return words.unit if words else ""


def factor_long(field: str) -> str:
    words = FACTORS.get(field)
    return words.long if words else factor_label(field)


def factor_amount(field: str, value: float) -> str:
    """'8 h', '2 drinks', '6/10'; a plain number for a factor without words."""
    words = FACTORS.get(field)
    return words.amount(value) if words else number_text(value)


def factor_value(field: str, value: float) -> str:
    """'Sleep 8 h', 'Alcohol 1 drink', 'Stress 6/10'."""
    return f"{factor_label(field)} {factor_amount(field, value)}"


def per_text(field: str, per: float | None) -> str:
    """'per 100 mg', 'per 1 point', 'per 2 drinks' (how much of a factor a change is about)."""
    if not per:
        return ""
    words = FACTORS.get(field)
    if words is not None and words.one:
        return f"per {number_text(per)} {words.one if per == 1 else words.many}"
    return f"per {number_text(per)} {factor_unit(field)}".strip()


def lag_words(lag: int) -> str:
    return "same day" if lag == 0 else ("day before" if lag == 1 else f"{lag} days before")


def counted(number: int, one: str, many: str | None = None) -> str:
    """'1 episode', '3 episodes', '2 remedies' (give `many` where adding 's' is wrong)."""
    return f"{number} {one if number == 1 else (many or one + 's')}"


def symptom_name(code: str) -> str:
    return SYMPTOMS.get(code, code.replace("_", " ").capitalize())


def remedy_name(code: str) -> str:
    return REMEDIES.get(code, code.replace("_", " ").capitalize())


def side_name(value: str) -> str:
    return SIDES.get(value, value.capitalize())


def site_name(value: str) -> str:
    return value.capitalize()


def level_words(level: str) -> str:
    return LEVELS.get(level, level)


def own_factor_value(label: str, value: bool | float, kind: str = "number", unit: str | None = None) -> str:
    """A factor of the person's own: 'Antihistamine yes', 'Cold weather 6/10', 'Driving 2 hours'."""
    if isinstance(value, bool):
        return f"{label} {'yes' if value else 'no'}"
    if kind == "scale":
        return f"{label} {number_text(value)}/10"
    return f"{label} {number_text(value)}{' ' + unit if unit else ''}"
