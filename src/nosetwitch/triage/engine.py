"""`triage(diary, as_of)`: apply every rule of the policy and explain the outcome."""

from __future__ import annotations

import datetime as dt

from nosetwitch.domain.models import Diary, Symptom
from nosetwitch.domain.timeline import DiaryTimeline
from nosetwitch.triage.advice import rank_advice, safety_net
from nosetwitch.triage.result import Level, Reason, TriageResult
from nosetwitch.triage.rules import PATTERN_RULES, RULES, SYMPTOM_RULES
from nosetwitch.triage.snapshot import Snapshot
from nosetwitch.triage.wording import describe_symptom

_CONTEXT = {
    "stroke_sign": "This can be a sign of a stroke, even when it passes quickly.",
    "recent_stroke_sign": "Signs like this that come and go can be a warning of a stroke.",
    "facial_weakness": "New weakness of one side of the face can be Bell's palsy, which is treated best within 72 hours.",
    "accompanying_symptom": "A doctor should hear about symptoms that come with the twitching.",
}
_ORDER = {rule.code: index for index, rule in enumerate(RULES)}


def triage(
    diary: Diary,
    as_of: dt.datetime | None = None,
    *,
    timeline: DiaryTimeline | None = None,
    with_evidence: bool = True,
) -> TriageResult:
    """The triage result for the diary at `as_of` (default: the diary's own `as_of`, else now).

    `as_of` must carry a UTC offset; any offset works, calendar days are
    always taken in the person's time zone. `timeline`, when given, stands
    for the diary's episodes, remedies and check-ins (a long-running server
    keeps one up to date, so triage does not sort and date them all again).
    `with_evidence=False` leaves the pattern reasons' lists of episode ids
    empty, for a view that shows only the level and the sentences (the web
    overview): the list can hold every twitch of the last days.
    """
    if as_of is None:
        as_of = diary.as_of or dt.datetime.now(dt.timezone.utc)
    now = Snapshot(diary, as_of, timeline)
    reasons = _symptom_reasons(now) + _pattern_reasons(now, with_evidence)
    reasons.sort(key=lambda r: (-r.level.rank, _ORDER[r.code]))
    level = max((r.level for r in reasons), key=lambda level: level.rank, default=Level.SELF_CARE)
    return TriageResult(
        as_of=as_of,
        level=level,
        reasons=tuple(reasons),
        advice=rank_advice(now),
        safety_net=safety_net(),
    )


def _symptom_reasons(now: Snapshot) -> list[Reason]:
    matched: dict[str, list[Symptom]] = {}
    for symptom in sorted(now.symptoms, key=lambda s: s.started_at):
        for rule in SYMPTOM_RULES:  # first matching rule wins
            if rule.check(symptom, now):
                matched.setdefault(rule.code, []).append(symptom)
                break
    reasons = []
    for rule in SYMPTOM_RULES:
        symptoms = matched.get(rule.code)
        if symptoms:
            listed = "; ".join(_describe(s, now) for s in symptoms)
            summary = f"{listed[0].upper()}{listed[1:]}. {_CONTEXT[rule.code]}"
            reasons.append(Reason(rule.code, rule.level, tuple(s.id for s in symptoms), summary))
    return reasons


def _describe(symptom: Symptom, now: Snapshot) -> str:
    ended = symptom.ended_at if symptom.ended_at is not None and symptom.ended_at <= now.as_of else None
    return describe_symptom(
        symptom, now.local(symptom.started_at), now.local(ended) if ended else None, now.today
    )


def _pattern_reasons(now: Snapshot, with_evidence: bool) -> list[Reason]:
    reasons = []
    for rule in PATTERN_RULES:
        finding = rule.check(now)
        if finding is not None:
            evidence = finding.evidence() if with_evidence else ()
            reasons.append(Reason(rule.code, rule.level, evidence, finding.summary))
    return reasons
