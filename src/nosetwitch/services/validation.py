"""Records made from their fields, or `InvalidRecord` naming what is wrong.

The one validation of every write path (`DiaryService`, `services.episodes`).
It imports no SQLAlchemy, so `nosetwitch log twitch` on its quick path
validates with exactly these words and still starts fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from nosetwitch.domain.models import Episode
from nosetwitch.services.errors import InvalidRecord

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: Mapping[str, Any], what: str) -> M:
    """Validate a record, turning pydantic's error into one readable InvalidRecord."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord.of(exc, what) from None


def validated_episode(fields: Mapping[str, Any]) -> Episode:
    """An Episode made from its fields, or InvalidRecord naming what is wrong."""
    return validated(Episode, fields, "episode")
