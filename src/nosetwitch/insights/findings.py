"""Plain-language findings, most important first, in the project's own words.

Associations are reported as what they are: the twitching went with a factor
in this diary. The words "cause" and "caused" are never used for them. A
factor that stood out is linked to the knowledge base's explanation of how it
can affect nerves and muscles and to the relief that matches, but only when
the direction fits that explanation (less sleep with more twitching, say);
an association the other way round is reported as an unexpected pattern.
"""

from __future__ import annotations

from nosetwitch.insights.triggers import PER_UNIT, Association

NOT_A_DIAGNOSIS = (
    "These are patterns in your own diary, not a diagnosis and not proof of what sets the twitching off; "
    "they are no substitute for a clinician."
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
    """'Each extra hour of sleep went with about 22 % fewer episodes ...'"""
    unit = PER_UNIT[row.factor][1]
    change = row.rate_ratio - 1.0
    low, high = row.ci95
    when = "on the same day" if row.lag_days == 0 else "on the following day"
    more = "more" if change > 0 else "fewer"
    return (
        f"Each extra {unit} went with about {abs(change) * 100:.0f} % {more} twitch episodes {when} "
        f"(95 % interval: {_percent(low)} to {_percent(high)}, from {plural(row.n_days, 'day')})."
    )


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
    from nosetwitch.knowledge import knowledge

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
    checkin_days: int,
    minimum_days: int,
) -> list[str]:
    findings: list[str] = []
    if status == "insufficient_data":
        missing = max(0, minimum_days - checkin_days)
        findings.append(
            f"Not enough data yet to look for patterns: {plural(checkin_days, 'complete day')} with a check-in so far; "
            f"the analysis needs at least {minimum_days}"
            + (f" (about {missing} more)." if missing else " and at least a few logged episodes.")
        )
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
    answered = [r for r in remedies if r["answered"] >= 5]
    if answered:
        best = max(answered, key=lambda r: (r["ci95"][0], r["helped_rate"]))
        low, high = best["ci95"]
        findings.append(
            f"Of the remedies you tried at least 5 times, {best['code'].replace('_', ' ')} was said to help most "
            f"often: {best['helped']} of {best['answered']} times (95 % interval {low:.0%} to {high:.0%}). "
            "Remedies are often tried on the worst episodes, so these rates can look lower than they are."
        )
    findings.append(NOT_A_DIAGNOSIS)
    return findings
