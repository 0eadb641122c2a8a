"""The JSON Schema (draft 2020-12) of `nosetwitch insights --json`.

Exported by `nosetwitch insights --schema`; the tests validate real output
against it. Fields beyond the spec (`checkin_days`, `minimum_checkin_days`,
`remedy_caution`, a remedy's `answered`, `outlook`) are documented extras.
"""

from __future__ import annotations

_NUMBER_PAIR = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
_FACTORS = [
    "sleep_h", "caffeine_mg", "nicotine_units", "alcohol_units", "stress", "water_l",
    "magnesium_mg", "potassium_mg", "calcium_mg", "facial_strain", "screen_h", "exercise_min",
]

INSIGHTS_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://nosetwitch.example/schemas/insights-v1.json",
    "title": "nosetwitch insights, version 1",
    "type": "object",
    "required": ["as_of", "status", "days_observed", "summary", "associations", "remedies", "findings"],
    "properties": {
        "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"},
        "status": {"enum": ["ok", "insufficient_data"]},
        "days_observed": {"type": "integer", "minimum": 0},
        "checkin_days": {"type": "integer", "minimum": 0},
        "minimum_checkin_days": {"type": "integer", "minimum": 1},
        "summary": {
            "type": "object",
            "required": [
                "episodes", "episode_days", "episodes_per_day_7d", "episodes_per_day_30d",
                "current_streak_days", "longest_streak_days", "median_duration_s", "by_hour",
            ],
            "properties": {
                "episodes": {"type": "integer", "minimum": 0},
                "episode_days": {"type": "integer", "minimum": 0},
                "episodes_per_day_7d": {"type": "number", "minimum": 0},
                "episodes_per_day_30d": {"type": "number", "minimum": 0},
                "current_streak_days": {"type": "integer", "minimum": 0},
                "longest_streak_days": {"type": "integer", "minimum": 0},
                "median_duration_s": {"type": ["number", "null"], "exclusiveMinimum": 0},
                "by_hour": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 24, "maxItems": 24},
            },
        },
        "associations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "factor", "lag_days", "direction", "rate_ratio", "per", "ci95",
                    "p", "q", "significant", "n_days", "method",
                ],
                "properties": {
                    "factor": {"anyOf": [{"enum": _FACTORS}, {"type": "string", "pattern": "^own:[a-z][a-z0-9_]{0,39}$"}]},
                    "lag_days": {"enum": [0, 1]},
                    "direction": {"enum": ["up", "down"]},
                    "rate_ratio": {"type": "number", "exclusiveMinimum": 0},
                    "per": {"type": "number", "exclusiveMinimum": 0},
                    "ci95": _NUMBER_PAIR,
                    "p": {"type": "number", "minimum": 0, "maximum": 1},
                    "q": {"type": "number", "minimum": 0, "maximum": 1},
                    "significant": {"type": "boolean"},
                    "n_days": {"type": "integer", "minimum": 0},
                    "method": {"type": "string", "minLength": 1},
                },
            },
        },
        "remedies": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "tried", "helped", "helped_rate", "ci95"],
                "properties": {
                    "code": {"type": "string"},
                    "tried": {"type": "integer", "minimum": 1},
                    "helped": {"type": "integer", "minimum": 0},
                    "answered": {"type": "integer", "minimum": 0},
                    "helped_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                    "ci95": {"oneOf": [_NUMBER_PAIR, {"type": "null"}]},
                },
            },
        },
        "remedy_caution": {"type": "string"},
        "findings": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "outlook": {
            "type": "object",
            "required": ["checkin_days", "episodes_per_checkin_day", "typical_effect_detectable_after_days", "so_far"],
            "properties": {
                "checkin_days": {"type": "integer", "minimum": 0},
                "episodes_per_checkin_day": {"type": "number", "minimum": 0},
                "typical_effect_detectable_after_days": {"type": ["integer", "null"], "minimum": 1},
                "so_far": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["factor", "split", "days_high", "episodes_per_day_high", "days_low", "episodes_per_day_low"],
                        "properties": {
                            "factor": {"type": "string"},
                            "split": {"type": ["number", "null"]},
                            "days_high": {"type": "integer", "minimum": 0},
                            "episodes_per_day_high": {"type": "number", "minimum": 0},
                            "days_low": {"type": "integer", "minimum": 0},
                            "episodes_per_day_low": {"type": "number", "minimum": 0},
                        },
                    },
                },
            },
        },
    },
}
