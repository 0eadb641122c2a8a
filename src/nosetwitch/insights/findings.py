"""Plain-language findings, most important first, in the project's own words.

Associations are reported as what they are: the twitching went with a factor
in this diary. The words "cause" and "caused" are never used for them. A
factor that stood out is linked to the knowledge base's explanation of how it
can affect nerves and muscles and to the relief that matches, but only when
the direction fits that explanation (less sleep with more twitching, say);
an association the other way round is reported as an unexpected pattern.
"""

from __future__ import annotations

from nosetwitch.domain import vocabulary
from nosetwitch.insights.early import Outlook
from nosetwitch.insights.triggers import Association
from nosetwitch.knowledge import knowledge

NOT_A_DIAGNOSIS = (
    "These are patterns in your own diary, not proof of what sets the twitching off; "
    f"they are {vocabulary.NOT_A_DIAGNOSIS}."
)

# The direction in which each factor is expected to go with more twitching
# (exercise has none: it can relax or tire muscles).
EXPECTED_DIRECTION = {
    "sleep_h": "down",
    "caffeine_mg": "up",
    "nicotine_units": "up",
    "alcohol_units": "up",
    "stress": "up",
    "water_l": "down",
    "magnesium_mg": "down",
    "potassium_mg": "down",
    "calcium_mg": "down",
    "facial_strain": "up",
    "screen_h": "up",
}


def plural(count: int, word: str) -> str:
    """'1 episode', '2 episodes'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def association_sentence(row: Association) -> str:
    """'Each extra hour of sleep went with about 22 % fewer episodes ...'

    A yes/no factor of the person's own is a contrast: days with it against days without.
    """
    change = row.rate_ratio - 1.0
    low, high = row.ci95
    when = "on the same day" if row.lag_days == 0 else "on the following day"
    more = "more" if change > 0 else "fewer"
    evidence = f"(95 % interval: {_percent(low)} to {_percent(high)}, from {plural(row.n_days, 'day')})."
    if row.kind == "yes_no":
        days = "Days with" if row.lag_days == 0 else "The days after days with"
        return (
            f"{days} \u201c{row.unit}\u201d went with about {abs(change) * 100:.0f} % {more} twitch episodes "
            f"than {'days' if row.lag_days == 0 else 'those after days'} without {evidence}"
        )
    return f"Each extra {row.unit} went with about {abs(change) * 100:.0f} % {more} twitch episodes {when} {evidence}"


def _percent(ratio: float) -> str:
    change = (ratio - 1.0) * 100
    return f"{change:+.0f} %"


def knowledge_lines(factor: str, direction: str) -> list[str]:
    """Why the factor can matter and what may help, from the knowledge base."""
    expected = EXPECTED_DIRECTION.get(factor)
    if expected is None:
        return []  # no usual direction to compare with (exercise), so nothing to add
    if expected != direction:
        return [
            "This runs against the usual pattern for this factor, so it may be chance or something "
            "else that tends to come with those days."
        ]
    base = knowledge()
    cause = base.cause_for_factor(factor)
    if cause is None:
        return []
    lines = [f"How it can matter ({cause.name.lower()}): {cause.explanation}"]
    relief = []
    for code in cause.relief:
        remedy = base.remedy(code)
        relief.append(f"{remedy.name}: {remedy.how}")
    if relief:
        lines.append("What may help: " + " ".join(relief))
    return lines


def build_findings(
    status: str,
    summary: dict,
    associations: list[Association],
    remedies: list[dict],
    outlook: Outlook,
) -> list[str]:
    findings: list[str] = []
    if status == "insufficient_data":
        findings.extend(outlook.sentences(analysed=False))
        if outlook.checkin_days >= outlook.minimum_days:
            findings.append("The analysis also needs at least a few logged episodes on those days.")
    significant = sorted((r for r in associations if r.significant), key=lambda r: (r.q, -abs(r.log_rr)))
    seen_factors: set[str] = set()
    for row in significant:
        sentence = association_sentence(row)
        if row.factor in seen_factors:
            findings.append(sentence)
            continue
        seen_factors.add(row.factor)
        findings.append(" ".join([sentence, "This is a pattern in your diary; it does not show that one leads to the other.", *knowledge_lines(row.factor, row.direction)]))
    if status == "ok" and not significant:
        findings.append(
            "No day factor stood out: after allowing for weekday habits and slow ups and downs, none "
            "went with more or less twitching clearly enough to rule out chance."
        )
        findings.extend(outlook.sentences(analysed=True))
    rate7, rate30 = summary["episodes_per_day_7d"], summary["episodes_per_day_30d"]
    if summary["episodes"]:
        trend = ""
        if rate30 > 0 and rate7 >= 1.5 * rate30:
            trend = " The last week was busier than the month around it."
        elif rate30 > 0 and rate7 <= 0.5 * rate30:
            trend = " The last week was calmer than the month around it."
        findings.append(
            f"You logged {plural(summary['episodes'], 'episode')} on {plural(summary['episode_days'], 'day')}: "
            f"{rate7:g} a day over the last 7 days and {rate30:g} a day over the last 30.{trend}"
        )
    findings.extend(remedy_sentences(remedies))
    findings.append(NOT_A_DIAGNOSIS)
    return findings


REMEDY_MIN_ANSWERED = 5


def remedy_sentences(remedies: list[dict]) -> list[str]:
    """What the remedy table shows, saying exactly what was computed.

    Among several remedies the one picked as "best" (the highest lower end of
    the 95 % interval of its helped rate) carries the caveat of picking the
    best of several: its luck got it picked, so its rate likely overstates it.
    """
    answered = [r for r in remedies if r["answered"] >= REMEDY_MIN_ANSWERED]
    if not answered:
        return []
    best = max(answered, key=lambda r: (r["ci95"][0], r["helped_rate"]))
    low, high = best["ci95"]
    name = best["code"].replace("_", " ")
    counts = f"you said it helped {best['helped']} of the {best['answered']} times you answered (95 % interval {low:.0%} to {high:.0%})"
    worst_episodes = "Remedies are often tried on the worst episodes, so these rates can look lower than they are."
    if len(answered) == 1:
        return [f"{name.capitalize()} is the only remedy you rated at least {REMEDY_MIN_ANSWERED} times: {counts}. {worst_episodes}"]
    return [
        f"Of the {len(answered)} remedies you rated at least {REMEDY_MIN_ANSWERED} times, {name} has the highest "
        f"lower end of that interval: {counts}. Picked as the best of {len(answered)}, its rate is probably a little "
        f"flattering (the top of several is partly luck), and the others may do as well. {worst_episodes}"
    ]
