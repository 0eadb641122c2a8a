"""The words people read: one place for factor, symptom, remedy, site and level wording.

The CLI, the web pages (through their context, `words`), the doctor's report,
the triage and insights wording and the FHIR export all take their labels from
here, so a factor is called the same everywhere ("Sleep 8 h", never "sleep_h
8"), a level is named and explained the same way everywhere, and counts read
as English ("1 episode", "2 episodes"). `tests/test_one_vocabulary.py` fails
when a second definition appears elsewhere.

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
    (the report, FHIR); `ask`: how the day check-in asks for it ("Sleep last
    night"); `unit_words`: its unit (or, for a 0-10 scale, its ends) in words
    beside a box or in a table ("hours"); `hint`: an example or a reminder
    beside the box.
    """

    label: str
    unit: str
    long: str
    one: str = ""
    many: str = ""
    ask: str = ""
    unit_words: str = ""
    hint: str = ""

    @property
    def question(self) -> str:
        """The check-in's label for the box: `ask`, else the short name."""
        return self.ask or self.label

    @property
    def in_a_sentence(self) -> str:
        """How a sentence names it: "screen time"."""
        return self.label.lower()

    @property
    def value_unit(self) -> str:
        """The unit a sentence puts after a value: the symbol, else the counted noun."""
        return self.unit if self.unit and self.unit != "/10" else self.many

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
    "sleep_h": FactorWords("Sleep", "h", "Sleep the night before", ask="Sleep last night", unit_words="hours", hint="hours asleep before this day, e.g. 7.5"),
    "caffeine_mg": FactorWords(
        "Caffeine", "mg", "Caffeine, all sources", ask="Other caffeine", unit_words="mg",
        hint="a figure you know, or what you recorded earlier; added to the drinks above",
    ),
    "nicotine_units": FactorWords("Nicotine", "", "Nicotine (cigarettes, pouches or vape sessions)", "use", "uses", unit_words="cigarettes, pouches or vape sessions"),
    "alcohol_units": FactorWords("Alcohol", "", "Alcohol, standard drinks", "drink", "drinks", unit_words="standard drinks", hint="half a drink is 0.5"),
    "stress": FactorWords("Stress", "/10", "Stress, 0-10", "point", "points", unit_words="0 calm … 10 worst"),
    "water_l": FactorWords("Fluids", "L", "Fluid intake", unit_words="litres", hint="water, tea and other drinks, e.g. 1.5"),
    "magnesium_mg": FactorWords("Magnesium", "mg", "Magnesium intake", unit_words="mg, food and supplements"),
    "potassium_mg": FactorWords("Potassium", "mg", "Potassium intake", unit_words="mg"),
    "calcium_mg": FactorWords("Calcium", "mg", "Calcium intake", unit_words="mg"),
    "facial_strain": FactorWords(
        "Facial strain", "/10", "Repetitive facial strain, 0-10", "point", "points", unit_words="0 none … 10 a lot",
        hint="long talking or singing, squinting, a wind instrument",
    ),
    "screen_h": FactorWords("Screen time", "h", "Screen time", unit_words="hours"),
    "exercise_min": FactorWords("Exercise", "min", "Exercise", unit_words="minutes"),
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

CALL_NOW = "Call 112 / 911 / 999 now"
"""The emergency instruction in four words: the heading of every emergency screen."""

IF_IT_COMES_BACK = "If any sign of a stroke starts or comes back, call 112 / 911 / 999 now."
"""Said after a check answer is undone (the CLI and the page)."""


@dataclass(frozen=True)
class LevelWords:
    """How one triage level reads (policy levels: shared/spec/triage-policy.md).

    `headline`: its name on a badge, a card, a panel or a report; `action`:
    what to do, in one line; `instruction`: the full instruction, the first
    thing a result shows; `advice_heading`: the heading of the self-care advice
    at this level (at `emergency` something for later, after the call)."""

    headline: str
    action: str
    instruction: str
    advice_heading: str


LEVEL_WORDS: dict[str, LevelWords] = {
    "self_care": LevelWords(
        "Self-care for now",
        "Home measures, keep logging, and watch for the warning signs.",
        "Nothing logged in your diary so far calls for a doctor. Try the home measures below, keep logging, "
        "and watch for the warning signs listed at the end.",
        "What you can do yourself",
    ),
    "consult": LevelWords(
        "Book an appointment with a doctor",
        "Book an appointment with a doctor in the coming days. If a medicine is involved, talk to whoever prescribed it; "
        "do not stop it on your own.",
        "Book an appointment with your doctor in the coming days and take your diary along. "
        "If a medicine is involved, talk to the prescriber; do not stop it on your own.",
        "What you can do yourself meanwhile",
    ),
    "urgent": LevelWords(
        "Get medical advice today",
        "Get medical advice today (within 24 hours): your doctor, an urgent care service or an out-of-hours line.",
        "Get medical advice today, within the next few hours: your doctor's same-day service, an "
        "urgent care centre or your health advice line (for example NHS 111). If things get worse "
        "suddenly, call 112 / 911 / 999.",
        "Meanwhile, for the twitching itself",
    ),
    "emergency": LevelWords(
        f"EMERGENCY: {CALL_NOW[0].lower()}{CALL_NOW[1:]}",
        "Call the local emergency number now (112 / 911 / 999).",
        "Call your local emergency number now: 112 (Europe), 911 (North America) or 999 (UK). "
        "Say that you may be having a stroke and when the symptoms started. Do not drive yourself, "
        "and do not wait to see whether it passes.",
        "Later, once you have been seen: for the twitching itself",
    ),
}

LEVELS: dict[str, str] = {level: words.headline for level, words in LEVEL_WORDS.items()}
"""The level's headline, by level code (what a badge or a table shows)."""

LEVEL_ACTIONS: dict[str, str] = {level: words.action for level, words in LEVEL_WORDS.items()}
"""What to do at each level, in one line."""

NOT_A_DIAGNOSIS = "not a diagnosis and no substitute for a doctor"
"""The reminder every surface carries, as the phrase each puts into its own sentence."""

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
