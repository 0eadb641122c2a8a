"""JSON Schema (draft 2020-12) of `TriageResult.to_dict()`, printed by `nosetwitch triage --schema`."""

from __future__ import annotations

from nosetwitch.domain.models import RemedyCode
from nosetwitch.triage.result import POLICY, Level
from nosetwitch.triage.rules import RULES


def result_schema() -> dict:
    levels = [level.value for level in Level]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://nosetwitch.example/schema/triage-result-2.json",
        "title": "nosetwitch triage result",
        "description": f"Output of `nosetwitch triage --json`, policy {POLICY}. Not a diagnosis.",
        "type": "object",
        "additionalProperties": False,
        "required": ["policy", "as_of", "level", "reasons", "advice", "safety_net"],
        "properties": {
            "policy": {"const": POLICY},
            "as_of": {
                "type": "string",
                "format": "date-time",
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$",
                "description": "the moment evaluated, with the offset it was given in",
            },
            "level": {"enum": levels, "description": "the highest level of any reason; self_care when none"},
            "reasons": {
                "type": "array",
                "description": "every rule that fired, highest level first",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "level", "evidence", "summary"],
                    "properties": {
                        "code": {"enum": [rule.code for rule in RULES]},
                        "level": {"enum": levels},
                        "evidence": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "minLength": 1},
                            "description": "episode or symptom ids, or medicine names",
                        },
                        "summary": {"type": "string", "minLength": 1},
                    },
                },
            },
            "advice": {
                "type": "array",
                "minItems": 1,
                "description": "self-care measures, those the person's own check-ins point to first",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "why"],
                    "properties": {
                        "code": {"enum": [code.value for code in RemedyCode if code is not RemedyCode.OTHER]},
                        "why": {"type": "string", "minLength": 1},
                    },
                },
            },
            "safety_net": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        },
    }
