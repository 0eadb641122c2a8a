"""What nosetwitch knows about nose twitching, kept as data (TOML files here).

`knowledge()` returns the validated, cached knowledge base: causes (with the
day factors and remedies they relate to), self-care measures, warning signs
and the safety net, the medicine classes linked to spasms, and the thresholds
that turn day check-ins into advice. Every entry says where it comes from.
"""

from nosetwitch.knowledge.base import KnowledgeBase, KnowledgeError, LinkedMedicine
from nosetwitch.knowledge.loader import knowledge
from nosetwitch.knowledge.models import (
    AdviceTrigger,
    Cause,
    Drink,
    MedicineClass,
    Product,
    Remedy,
    SafetyNetLine,
    WarningSign,
)

__all__ = [
    "AdviceTrigger",
    "Cause",
    "Drink",
    "KnowledgeBase",
    "KnowledgeError",
    "LinkedMedicine",
    "MedicineClass",
    "Product",
    "Remedy",
    "SafetyNetLine",
    "WarningSign",
    "knowledge",
]
