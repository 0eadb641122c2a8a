"""The rules of policy `nosetwitch-triage-2`, one small function each.

Each function's docstring is its condition from the policy's rule table, and
`RULES` below lists them in the table's order with the table's levels.
Symptom rules are predicates: each symptom goes to the FIRST rule that
matches it. Pattern rules look at the whole diary and return a `Finding`
(the evidence and a sentence) or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nosetwitch.domain.models import Onset, Side, Site, Symptom, SymptomCode, SymptomSide
from nosetwitch.domain.timeline import reaches_beyond_the_nose
from nosetwitch.knowledge import knowledge
from nosetwitch.triage.result import Level
from nosetwitch.triage.snapshot import DAY, HOUR, DatedEpisode, Snapshot
from nosetwitch.triage.wording import day_range_text, day_text, join_and

# --- definitions of the policy -------------------------------------------------

_ALWAYS_STROKE_TYPE = frozenset(
    {
        SymptomCode.FACIAL_DROOP,
        SymptomCode.WEAKNESS,
        SymptomCode.SPEECH_DIFFICULTY,
        SymptomCode.SWALLOWING_DIFFICULTY,
        SymptomCode.VISION_CHANGE,
        SymptomCode.BALANCE_LOSS,
        SymptomCode.SEVERE_HEADACHE,
    }
)


def is_stroke_type(symptom: Symptom) -> bool:
    """facial_droop; weakness (any side); numbness on the left, right or an unrecorded
    side (not both); speech_difficulty; swallowing_difficulty; vision_change;
    balance_loss; severe_headache."""
    if symptom.code is SymptomCode.NUMBNESS:
        return symptom.side is not SymptomSide.BOTH
    return symptom.code in _ALWAYS_STROKE_TYPE


# --- symptom rules (first match per symptom) ------------------------------------------


def stroke_sign(symptom: Symptom, now: Snapshot) -> bool:
    """A stroke-type symptom with onset `sudden`, or with onset `unknown` that started
    within the last 72 hours; and that is active or started within the last 24 hours
    (symptoms that went away still count: they can be a warning stroke)."""
    if not is_stroke_type(symptom):
        return False
    sudden_enough = symptom.onset is Onset.SUDDEN or (
        symptom.onset is Onset.UNKNOWN and now.within(symptom.started_at, 72 * HOUR)
    )
    return sudden_enough and (now.is_active(symptom) or now.within(symptom.started_at, 24 * HOUR))


def recent_stroke_sign(symptom: Symptom, now: Snapshot) -> bool:
    """A stroke-type symptom with onset `sudden` or `unknown` that has ended and started at
    least 24 hours and at most 30 days before as_of (so a warning sign that came and went
    is never lower than `urgent` within 30 days)."""
    return (
        is_stroke_type(symptom)
        and symptom.onset in (Onset.SUDDEN, Onset.UNKNOWN)
        and not now.is_active(symptom)
        and now.as_of - 30 * DAY <= symptom.started_at <= now.as_of - 24 * HOUR
    )


def facial_weakness(symptom: Symptom, now: Snapshot) -> bool:
    """A `facial_droop`, or a `weakness` with region `face`, that is active or started
    within the last 7 days."""
    facial = symptom.code is SymptomCode.FACIAL_DROOP or (
        symptom.code is SymptomCode.WEAKNESS and symptom.region is not None and symptom.region.value == "face"
    )
    return facial and (now.is_active(symptom) or now.within(symptom.started_at, 7 * DAY))


def accompanying_symptom(symptom: Symptom, now: Snapshot) -> bool:
    """Any other symptom except code `other` that is active or started within the last 30 days."""
    return symptom.code is not SymptomCode.OTHER and (
        now.is_active(symptom) or now.within(symptom.started_at, 30 * DAY)
    )


# --- pattern rules (the whole diary) ---------------------------------------------------


@dataclass(frozen=True)
class Finding:
    summary: str
    evidence: Callable[[], tuple[str, ...]]
    """The ids behind the finding, listed when asked for: with thousands of twitches
    logged today, the overview needs the sentence, not the list."""


def persistent(now: Snapshot) -> Finding | None:
    """There were episodes on each of 3 or more consecutive calendar days, the last of
    them today or yesterday."""
    last = now.today if now.twitched_on(now.today) else now.yesterday
    if not now.twitched_on(last):
        return None
    first = last
    while now.twitched_on(first - DAY):
        first -= DAY
    streak = (last - first).days + 1
    if streak < 3:
        return None
    return Finding(
        f"Twitching on {streak} days in a row ({day_range_text(first, last, now.today)}).",
        lambda: tuple(d.id for n in range(streak) for d in now.episodes_on(first + n * DAY)),
    )


def frequent_despite_remedies(now: Snapshot) -> Finding | None:
    """Within the last 7 days at least 2 different remedy codes were tried, and at least
    5 episodes started after the moment the second different code was first tried."""
    tried = now.remedies_within(7 * DAY)
    codes: list[str] = []
    second_at = None
    for remedy in tried:
        if remedy.code.value not in codes:
            codes.append(remedy.code.value)
            if len(codes) == 2:
                second_at = remedy.at
                break
    if second_at is None:
        return None
    after = now.count_after(second_at)
    if after < 5:
        return None
    names = join_and([_remedy_name(code) for code in codes])
    when = day_text(now.local(second_at).date(), now.today)
    return Finding(
        f"{after} episodes since {when}, although you tried {names}.",
        lambda: tuple(d.id for d in now.episodes_after(second_at)),
    )


# spread, hemifacial_pattern and interferes can only match a notable episode (one
# beyond the nose or in the way of something), so they read just those.


def spread(now: Snapshot) -> Finding | None:
    """An episode within the last 30 days has a site other than `nose`."""
    hits = [d for d in now.notable_within(30 * DAY) if reaches_beyond_the_nose(d.episode)]
    if not hits:
        return None
    sites = sorted({site.value for d in hits for site in d.episode.sites if site is not Site.NOSE})
    return Finding(f"Twitching reached beyond the nose ({', '.join(sites)}) {_when(hits, now)}.", lambda: _ids(hits))


_LOWER_FACE = frozenset({Site.CHEEK, Site.MOUTH, Site.CHIN, Site.JAW})


def hemifacial_pattern(now: Snapshot) -> Finding | None:
    """An episode within the last 30 days has side `left` or `right` and sites including
    `eyelid` and at least one of `cheek`, `mouth`, `chin`, `jaw` (also reported with `spread`)."""
    hits = [
        d
        for d in now.notable_within(30 * DAY)
        if d.episode.side in (Side.LEFT, Side.RIGHT)
        and Site.EYELID in d.episode.sites
        and not _LOWER_FACE.isdisjoint(d.episode.sites)
    ]
    if not hits:
        return None
    sides = join_and(sorted({d.episode.side.value for d in hits if d.episode.side is not None}))  # all of them: left or right
    return Finding(
        f"Eyelid and lower face twitched together on the {sides} side {_when(hits, now)}; "
        "a doctor should see this pattern.",
        lambda: _ids(hits),
    )


def interferes(now: Snapshot) -> Finding | None:
    """An episode within the last 30 days interferes with a daily activity: `eating`,
    `speaking`, `seeing` or `sleeping`."""
    hits = [d for d in now.notable_within(30 * DAY) if d.episode.interferes_with]
    if not hits:
        return None
    what = join_and(sorted({i.value for d in hits for i in d.episode.interferes_with}))
    return Finding(f"Twitching got in the way of {what} {_when(hits, now)}.", lambda: _ids(hits))


def medication_review(now: Snapshot) -> Finding | None:
    """An active medicine of a linked class, and at least one episode within the last 30 days."""
    if not now.twitched_within(30 * DAY):
        return None
    kb = knowledge()
    linked = [(m.name, found) for m in now.active_medications if (found := kb.linked_medicine(m.name)) is not None]
    if not linked:
        return None
    described = join_and([f"{name} ({found.describe()})" for name, found in linked])
    names = tuple(name for name, _ in linked)
    return Finding(
        f"You take {described}: medicines of this kind can cause muscle twitches in some people. "
        "Talk to your prescriber or pharmacist; do not stop a medicine on your own.",
        lambda: names,
    )


def _ids(hits: list[DatedEpisode]) -> tuple[str, ...]:
    return tuple(d.id for d in hits)


def _when(hits: list[DatedEpisode], now: Snapshot) -> str:
    first, last = hits[0].day, hits[-1].day  # hits keep the episodes' time order
    if first == last:
        return f"on {day_text(first, now.today)}"
    return f"on {len(hits)} occasions ({day_range_text(first, last, now.today)})"


def _remedy_name(code: str) -> str:
    try:
        return knowledge().remedy(code).name.lower()
    except KeyError:
        return "another measure"


# --- the rule table: one row per row of the policy's table, in its order --------------


@dataclass(frozen=True)
class Rule:
    code: str
    level: Level
    check: Callable


SYMPTOM_RULES: tuple[Rule, ...] = (
    Rule("stroke_sign", Level.EMERGENCY, stroke_sign),
    Rule("recent_stroke_sign", Level.URGENT, recent_stroke_sign),
    Rule("facial_weakness", Level.URGENT, facial_weakness),
    Rule("accompanying_symptom", Level.CONSULT, accompanying_symptom),
)
PATTERN_RULES: tuple[Rule, ...] = (
    Rule("persistent", Level.CONSULT, persistent),
    Rule("frequent_despite_remedies", Level.CONSULT, frequent_despite_remedies),
    Rule("spread", Level.CONSULT, spread),
    Rule("hemifacial_pattern", Level.CONSULT, hemifacial_pattern),
    Rule("interferes", Level.CONSULT, interferes),
    Rule("medication_review", Level.CONSULT, medication_review),
)
RULES: tuple[Rule, ...] = SYMPTOM_RULES + PATTERN_RULES
