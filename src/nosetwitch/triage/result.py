"""What triage returns: a level, the reasons for it, advice and a safety net."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

POLICY = "nosetwitch-triage-2"


class Level(StrEnum):
    """How soon to get professional help, lowest to highest (compare with `rank`)."""

    SELF_CARE = "self_care"
    CONSULT = "consult"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {level: index for index, level in enumerate(Level)}


@dataclass(frozen=True)
class Reason:
    """One rule that fired: its code and level, the records behind it, and a sentence."""

    code: str
    level: Level
    evidence: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict:
        return {"code": self.code, "level": self.level.value, "evidence": list(self.evidence), "summary": self.summary}


@dataclass(frozen=True)
class Advice:
    """A self-care measure (a remedy code) and why it is suggested to this person."""

    code: str
    why: str
    name: str = ""
    how: str = ""
    points_to_you: bool = False  # True when the person's own check-ins point to it

    def to_dict(self) -> dict:
        return {"code": self.code, "why": self.why}


@dataclass(frozen=True)
class TriageResult:
    """The outcome of `triage(diary, as_of)`; `to_dict()` is the policy's output JSON."""

    as_of: dt.datetime
    level: Level
    reasons: tuple[Reason, ...]
    advice: tuple[Advice, ...]
    safety_net: tuple[str, ...]
    policy: str = field(default=POLICY)

    @property
    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "as_of": self.as_of.isoformat(),
            "level": self.level.value,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "advice": [advice.to_dict() for advice in self.advice],
            "safety_net": list(self.safety_net),
        }
