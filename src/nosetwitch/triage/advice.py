"""Self-care advice ranked by what the person's own check-ins of the last 7 days point to.

For every threshold in the knowledge base (advice_triggers.toml: short sleep,
high caffeine, nicotine, low fluids, high stress, facial strain, low
magnesium / potassium / calcium) we count the days among today and the six
before it on which the recorded value crossed it. Measures pointed to on
more days come first; the general measures follow, so advice is never empty.
"""

from __future__ import annotations

from nosetwitch.knowledge import Remedy, knowledge
from nosetwitch.triage.result import Advice
from nosetwitch.triage.snapshot import Snapshot


def rank_advice(now: Snapshot) -> tuple[Advice, ...]:
    kb = knowledge()
    check_ins = now.check_ins_last_7_days
    # remedy code -> (days pointed to, order of discovery, sentences saying why)
    pointed: dict[str, tuple[int, int, list[str]]] = {}
    for trigger in kb.advice_triggers:
        days = sum(1 for day in check_ins if trigger.crossed_by(getattr(day, trigger.factor)))
        if not days:
            continue
        said = trigger.says.format(days=f"{days} of the last 7 days")
        for code in trigger.remedies:
            count, order, why = pointed.get(code.value, (0, len(pointed), []))
            pointed[code.value] = (max(count, days), order, why + [said])
    advice = []
    for code_value, (_, _, reasons) in sorted(pointed.items(), key=lambda item: (-item[1][0], item[1][1])):
        remedy = kb.remedy(code_value)
        advice.append(_advice(remedy, " ".join(reasons + [remedy.why]), points_to_you=True))
    advice.extend(_advice(r, r.why) for r in kb.remedies if r.general and r.code.value not in pointed)
    return tuple(advice)


def _advice(remedy: Remedy, why: str, points_to_you: bool = False) -> Advice:
    if remedy.caution:
        why = f"{why} {remedy.caution}"
    return Advice(remedy.code.value, why, name=remedy.name, how=remedy.how, points_to_you=points_to_you)


def safety_net() -> tuple[str, ...]:
    """The safety-net lines, highest level first (always the same list)."""
    return tuple(line.text for line in knowledge().safety_net)
