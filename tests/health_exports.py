"""Small exports of other health apps, written by the tests (never real people's data).

`apple_xml(records)` writes an Apple Health export.xml with Apple's own
internal DTD and `<HealthData>` root; `record(...)` builds one <Record>.
The other helpers write a Fitbit Google Takeout zip, Oura files and CSVs.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

APPLE_DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ATTLIST Me HKCharacteristicTypeIdentifierDateOfBirth CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
"""

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n' + APPLE_DTD + '<HealthData locale="en_US">\n <ExportDate value="2024-04-02 09:00:00 +0200"/>\n <Me HKCharacteristicTypeIdentifierDateOfBirth=""/>\n'


def record(kind: str, start: str, end: str, value, unit: str | None = None, source: str = "Apple Watch", metadata: dict | None = None) -> str:
    """One <Record>; `kind` without its HK prefix is completed ('DietaryWater', 'SleepAnalysis')."""
    if not kind.startswith("HK"):
        category = kind in ("SleepAnalysis", "MindfulSession")
        kind = ("HKCategoryTypeIdentifier" if category else "HKQuantityTypeIdentifier") + kind
    if kind.endswith("SleepAnalysis") and not str(value).startswith("HK"):
        value = "HKCategoryValueSleepAnalysis" + str(value)
    attrs = {"type": kind, "sourceName": source, "sourceVersion": "10.1", "creationDate": end, "startDate": start, "endDate": end, "value": str(value)}
    if unit:
        attrs["unit"] = unit
    text = " <Record " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    if not metadata:
        return text + "/>\n"
    inner = "".join(f'  <MetadataEntry key={quoteattr(k)} value={quoteattr(str(v))}/>\n' for k, v in metadata.items())
    return text + ">\n" + inner + " </Record>\n"


def apple_xml(records: list[str]) -> bytes:
    return (HEAD + "".join(records) + "</HealthData>\n").encode()


def apple_zip(path: Path, xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)
        archive.writestr("apple_health_export/export_cda.xml", b"<ClinicalDocument/>")
    return path


def zip_of(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def json_bytes(document) -> bytes:
    return json.dumps(document, indent=1).encode()


def takeout_zip(path: Path, files: dict[str, object]) -> Path:
    """A Google Takeout zip with Fitbit files under Takeout/Fitbit/Global Export Data/."""
    return zip_of(path, {f"Takeout/Fitbit/Global Export Data/{name}": json_bytes(doc) for name, doc in files.items()})


def stored_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
