"""The diary as a FHIR R5 Bundle (type `collection`) and back.

`diary_to_fhir_bundle` maps one person's diary to plain FHIR JSON:

- one minimal `Patient` (gender and birth year only; the diary has no name);
- one `Observation` per twitch episode: `effectivePeriod` from the start and
  duration, `bodySite` for the first site, every site, the side, the
  intensity, what it interfered with and whether it was visible as
  components;
- one `Observation` per accompanying symptom, per recorded day factor and per
  remedy attempt;
- one `MedicationStatement` per medicine (linked classes carry the ATC class);
- one `Condition` per *confirmed* diagnosis passed in (the diary format has no
  such field yet, so by default there is none);
- the triage result at `as_of` as a `RiskAssessment` whose `basis` points at
  the records that made each rule fire.

Clinical codes come from `knowledge/codes.toml` (each with its source); the
rest uses the project's own code systems. Every resource is validated with the
`fhir.resources` models before the bundle is returned. `fhir_bundle_to_episodes`
reads the episodes back (for round trips and for importing our own exports).
Resource ids are UUIDv5 of the record id, so exporting twice gives the same
bundle.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from nosetwitch.domain import vocabulary
from nosetwitch.domain.models import DAY_FACTORS, Diary, Episode, Side, Site
from nosetwitch.interfaces.interchange.fhir_codes import CodeBook, code_book
from nosetwitch.knowledge import knowledge
from nosetwitch.triage import triage
from nosetwitch.triage.result import POLICY

FHIR_VERSION = "5.0.0"
"""What `fhir.resources` 8.x validates against by default (R5)."""

_NAMESPACE = uuid.UUID("6f1f5a0e-2f4e-5d8a-9c61-6e6f73657477")

# Units of the day factors as UCUM (unit, code); None = a plain count/score.
_FACTOR_UNITS: dict[str, tuple[str, str] | None] = {
    "sleep_h": ("h", "h"),
    "caffeine_mg": ("mg", "mg"),
    "nicotine_units": None,
    "alcohol_units": None,
    "stress": None,
    "water_l": ("L", "L"),
    "magnesium_mg": ("mg", "mg"),
    "potassium_mg": ("mg", "mg"),
    "calcium_mg": ("mg", "mg"),
    "facial_strain": None,
    "screen_h": ("h", "h"),
    "exercise_min": ("min", "min"),
}
_FACTOR_LABELS = {name: vocabulary.factor_long(name) for name in vocabulary.FACTORS}
_LEVEL_ACTION = vocabulary.LEVEL_ACTIONS
NOT_A_DIAGNOSIS = f"Self-reported diary data exported by nosetwitch: {vocabulary.NOT_A_DIAGNOSIS}."


class FhirExportError(ValueError):
    """The bundle did not validate against the FHIR models (a bug, not bad input)."""


def _uuid(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{key}')}"


def _instant(value: dt.datetime) -> str:
    return value.isoformat()


def _concept(book: CodeBook, group: str, key: str, own_system: str, text: str) -> dict[str, Any]:
    """Project code first (always present, the reader relies on it), clinical code when confirmed."""
    codings = [book.own(own_system, key, text)]
    clinical = book.lookup(group, key)
    if clinical is not None:
        codings.append(clinical.coding())
    return {"coding": codings, "text": text}


def _component(book: CodeBook, code: str, display: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [book.own("episode", code, display)], "text": display}, **value}


# --- Patient -----------------------------------------------------------------------


def _patient(diary: Diary, name: str | None) -> dict[str, Any]:
    person = diary.person
    patient: dict[str, Any] = {"resourceType": "Patient", "id": _uuid("patient", "patient").removeprefix("urn:uuid:")}
    if name:
        patient["name"] = [{"text": name}]
    if person.sex is not None:
        patient["gender"] = person.sex.value  # female | male | other: the FHIR AdministrativeGender codes
    if person.birth_year is not None:
        patient["birthDate"] = f"{person.birth_year:04d}"  # FHIR date with year precision
    return patient


# --- episodes ---------------------------------------------------------------------------


def _episode(book: CodeBook, episode: Episode, patient_ref: dict[str, str]) -> dict[str, Any]:
    period: dict[str, str] = {"start": _instant(episode.started_at)}
    if episode.duration_s is not None:
        period["end"] = _instant(episode.started_at + dt.timedelta(seconds=episode.duration_s))
    code_codings = [book.own("episode", "twitch-episode", "Twitch episode (self-reported)")]
    twitch = book.single.get("twitch")
    if twitch is not None:
        code_codings.append(twitch.coding())
    components: list[dict[str, Any]] = []
    for site in episode.sites:
        components.append(
            _component(book, "site", "Site", valueCodeableConcept=_concept(book, "site", site.value, "site", site.value))
        )
    if episode.side is not None:
        components.append(
            _component(
                book,
                "side",
                "Side (the person's own)",
                valueCodeableConcept=_concept(book, "side", episode.side.value, "side", episode.side.value),
            )
        )
    if episode.duration_s is not None:
        components.append(
            _component(
                book,
                "duration",
                "Duration",
                valueQuantity={"value": episode.duration_s, "unit": "s", "system": book.system("ucum"), "code": "s"},
            )
        )
    if episode.intensity is not None:
        components.append(_component(book, "intensity", "Intensity, 1 barely noticeable to 5 strong", valueInteger=episode.intensity))
    for activity in episode.interferes_with:
        components.append(
            _component(
                book,
                "interferes-with",
                "Interfered with",
                valueCodeableConcept={"coding": [book.own("activity", activity.value, activity.value)], "text": activity.value},
            )
        )
    if episode.visible is not None:
        components.append(_component(book, "visible", "Visible to others", valueBoolean=episode.visible))
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uuid("episode", episode.id).removeprefix("urn:uuid:"),
        "identifier": [{"system": book.system("episode_id"), "value": episode.id}],
        "status": "final",
        "code": {"coding": code_codings, "text": "Nose twitch episode (self-reported)"},
        "subject": patient_ref,
        "effectivePeriod": period,
        "bodySite": _concept(book, "site", episode.sites[0].value, "site", episode.sites[0].value),
        "method": {"coding": [book.own("episode", f"source-{episode.source.value}", f"recorded: {episode.source.value}")]},
        "component": components,
    }
    if episode.note:
        observation["note"] = [{"text": episode.note}]
    return observation


# --- symptoms, day factors, remedies -------------------------------------------------


def _symptoms(book: CodeBook, diary: Diary, patient_ref: dict[str, str]) -> Iterable[tuple[str, dict[str, Any]]]:
    for symptom in diary.symptoms:
        period = {"start": _instant(symptom.started_at)}
        if symptom.ended_at is not None:
            period["end"] = _instant(symptom.ended_at)
        components = [
            _component(book, "onset", "Onset", valueCodeableConcept={"coding": [book.own("symptom", f"onset-{symptom.onset.value}")], "text": symptom.onset.value})
        ]
        for field, label in (("side", "Side"), ("region", "Region"), ("detail", "Detail")):
            value = getattr(symptom, field)
            if value is not None:
                components.append(
                    _component(book, field, label, valueCodeableConcept={"coding": [book.own("symptom", f"{field}-{value.value}")], "text": value.value})
                )
        if symptom.severity is not None:
            components.append(_component(book, "severity", "Severity, 0-10", valueInteger=symptom.severity))
        resource = {
            "resourceType": "Observation",
            "id": _uuid("symptom", symptom.id).removeprefix("urn:uuid:"),
            "identifier": [{"system": book.system("symptom_id"), "value": symptom.id}],
            "status": "final",
            "code": {"coding": [book.own("symptom", symptom.code.value)], "text": symptom.code.value.replace("_", " ")},
            "subject": patient_ref,
            "effectivePeriod": period,
            "component": components,
        }
        if symptom.note:
            resource["note"] = [{"text": symptom.note}]
        yield _uuid("symptom", symptom.id), resource


def _day_factors(book: CodeBook, diary: Diary, patient_ref: dict[str, str]) -> Iterable[tuple[str, dict[str, Any]]]:
    for day in diary.days:
        for factor in DAY_FACTORS:
            value = getattr(day, factor)
            if value is None:
                continue
            codings = [book.own("day_factor", factor, _FACTOR_LABELS[factor])]
            clinical = book.lookup("factor", factor)
            if clinical is not None:
                codings.insert(0, clinical.coding())
            unit = _FACTOR_UNITS[factor]
            quantity: dict[str, Any] = {"value": value}
            if unit is not None:
                quantity |= {"unit": unit[0], "system": book.system("ucum"), "code": unit[1]}
            key = f"{day.date.isoformat()}/{factor}"
            yield _uuid("day", key), {
                "resourceType": "Observation",
                "id": _uuid("day", key).removeprefix("urn:uuid:"),
                "status": "final",
                "code": {"coding": codings, "text": _FACTOR_LABELS[factor]},
                "subject": patient_ref,
                "effectiveDateTime": day.date.isoformat(),
                "valueQuantity": quantity,
            }
        for key, value in sorted(day.own.items()):
            yield _own_factor_value(book, diary, patient_ref, day.date, key, value)


def _own_factor_value(book: CodeBook, diary: Diary, patient_ref: dict[str, str], date, key: str, value) -> tuple[str, dict[str, Any]]:
    """An own factor's value of a day: coded in the project's own system as `own/<key>`, named by the person's label."""
    factor = diary.person.own_factor(key)
    label = factor.label if factor is not None else key
    if isinstance(value, bool):
        observed: dict[str, Any] = {"valueBoolean": value}
    elif factor is not None and factor.kind.value == "scale":
        observed = {"valueInteger": int(value)}
    else:
        observed = {"valueQuantity": {"value": value, **({"unit": factor.unit} if factor is not None and factor.unit else {})}}
    resource_key = f"{date.isoformat()}/own/{key}"
    return _uuid("day", resource_key), {
        "resourceType": "Observation",
        "id": _uuid("day", resource_key).removeprefix("urn:uuid:"),
        "status": "final",
        "code": {"coding": [book.own("day_factor", f"own/{key}", label)], "text": label},
        "subject": patient_ref,
        "effectiveDateTime": date.isoformat(),
        **observed,
    }


def _remedies(book: CodeBook, diary: Diary, patient_ref: dict[str, str]) -> Iterable[tuple[str, dict[str, Any]]]:
    for index, remedy in enumerate(diary.remedies):
        key = f"{remedy.at.isoformat()}/{remedy.code.value}/{index}"
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": _uuid("remedy", key).removeprefix("urn:uuid:"),
            "status": "final",
            "code": {"coding": [book.own("remedy", "remedy-attempt", "Self-care measure tried")], "text": "Self-care measure tried"},
            "subject": patient_ref,
            "effectiveDateTime": _instant(remedy.at),
            "valueCodeableConcept": {"coding": [book.own("remedy", remedy.code.value)], "text": remedy.code.value.replace("_", " ")},
        }
        if remedy.helped is not None:
            resource["component"] = [_component(book, "helped", "Helped", valueBoolean=remedy.helped)]
        if remedy.episode_id is not None:
            resource["derivedFrom"] = [{"reference": _uuid("episode", remedy.episode_id)}]
        if remedy.note:
            resource["note"] = [{"text": remedy.note}]
        yield _uuid("remedy", key), resource


# --- medicines and diagnoses ------------------------------------------------------------


def _medicine_class(name: str) -> str | None:
    """The triage knowledge base's linked class for a medicine name, if any."""
    found = knowledge().medicine_class_of(name)
    return found.id if found is not None else None


def _medications(book: CodeBook, diary: Diary, patient_ref: dict[str, str], as_of: dt.datetime) -> Iterable[tuple[str, dict[str, Any]]]:
    today = as_of.astimezone(diary.tz).date()
    for index, medication in enumerate(diary.medications):
        key = f"{medication.name}/{index}"
        resource: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "id": _uuid("medication", key).removeprefix("urn:uuid:"),
            "status": "recorded",
            "medication": {"concept": {"text": medication.name}},
            "subject": patient_ref,
            "dateAsserted": _instant(as_of),
        }
        if medication.started or medication.stopped:
            period = {}
            if medication.started:
                period["start"] = medication.started.isoformat()
            if medication.stopped:
                period["end"] = medication.stopped.isoformat()
            resource["effectivePeriod"] = period
        if medication.dose:
            resource["dosage"] = [{"text": medication.dose}]
        linked = _medicine_class(medication.name)
        clinical = book.lookup("medicine_class", linked) if linked else None
        if linked:
            resource["category"] = [
                {
                    "coding": [clinical.coding()] if clinical else [],
                    "text": f"{linked}: a medicine class linked to muscle spasms",
                }
            ]
        taking = "taking it" if medication.is_active_on(today) else "not taking it"
        resource["note"] = [{"text": f"As of {today.isoformat()} the person is {taking}."}]
        yield _uuid("medication", key), resource


def _conditions(book: CodeBook, diagnoses: Iterable[str], patient_ref: dict[str, str]) -> Iterable[tuple[str, dict[str, Any]]]:
    known = book.groups.get("diagnosis", {})
    for diagnosis in diagnoses:
        if diagnosis not in known:
            raise ValueError(f"unknown confirmed diagnosis {diagnosis!r}; known: {', '.join(sorted(known))}")
        clinical = known[diagnosis]
        codings = [book.own("diagnosis", diagnosis)] + ([clinical.coding()] if clinical else [])
        yield _uuid("condition", diagnosis), {
            "resourceType": "Condition",
            "id": _uuid("condition", diagnosis).removeprefix("urn:uuid:"),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "code": {"coding": codings, "text": clinical.display if clinical else diagnosis.replace("_", " ")},
            "subject": patient_ref,
            "note": [{"text": "Diagnosis confirmed by a clinician, as recorded by the person."}],
        }


# --- triage ---------------------------------------------------------------------------


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))


def _risk_assessment(
    book: CodeBook, result: Any, as_of: dt.datetime, patient_ref: dict[str, str], references: dict[str, str]
) -> dict[str, Any]:
    level = _value(result.level)
    basis: list[dict[str, str]] = []
    predictions = [
        {
            "outcome": {"coding": [book.own("triage", f"level-{level}", level)], "text": f"Triage level: {level}"},
            "rationale": _LEVEL_ACTION.get(level, level),
        }
    ]
    for reason in result.reasons:
        for evidence in reason.evidence:
            reference = references.get(str(evidence))
            if reference and {"reference": reference} not in basis:
                basis.append({"reference": reference})
        predictions.append(
            {
                "outcome": {"coding": [book.own("triage", f"reason-{reason.code}", _value(reason.level))], "text": reason.code},
                "rationale": reason.summary,
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": _uuid("triage", _instant(as_of)).removeprefix("urn:uuid:"),
        "status": "final",
        "subject": patient_ref,
        "occurrenceDateTime": _instant(as_of),
        "code": {"coding": [book.own("triage", "urgency", "How soon to seek professional help")]},
        "method": {"coding": [book.own("triage", POLICY, f"nosetwitch triage policy {POLICY.rsplit('-', 1)[-1]}")]},
        "prediction": predictions,
        "mitigation": _LEVEL_ACTION.get(level, level),
        "note": [{"text": NOT_A_DIAGNOSIS}],
    }
    if basis:
        resource["basis"] = basis
    return resource


# --- the bundle -------------------------------------------------------------------------


def default_as_of(diary: Diary) -> dt.datetime:
    """The diary's own `as_of`, else now (UTC)."""
    return diary.as_of or dt.datetime.now(dt.timezone.utc)


def diary_to_fhir_bundle(
    diary: Diary,
    as_of: dt.datetime | None = None,
    *,
    triage_result: Any = None,
    confirmed_diagnoses: Iterable[str] = (),
    name: str | None = None,
    validate: bool = True,
) -> dict[str, Any]:
    """The diary as a FHIR R5 Bundle of type `collection`, as JSON-ready dicts.

    `triage_result` defaults to `nosetwitch.triage.triage(diary, as_of)`.
    `confirmed_diagnoses` are keys of `[diagnosis]` in codes.toml (e.g.
    "facial_myokymia"), only for diagnoses a clinician confirmed.
    """
    as_of = as_of or default_as_of(diary)
    if triage_result is None:
        triage_result = triage(diary, as_of)
    book = code_book()
    patient_url = _uuid("patient", "patient")
    patient_ref = {"reference": patient_url}
    entries: list[tuple[str, dict[str, Any]]] = [(patient_url, _patient(diary, name))]
    references: dict[str, str] = {}
    for episode in diary.episodes:
        url = _uuid("episode", episode.id)
        references[episode.id] = url
        entries.append((url, _episode(book, episode, patient_ref)))
    for url, resource in _symptoms(book, diary, patient_ref):
        references[resource["identifier"][0]["value"]] = url
        entries.append((url, resource))
    for url, resource in _medications(book, diary, patient_ref, as_of):
        references.setdefault(resource["medication"]["concept"]["text"], url)
        entries.append((url, resource))
    entries.extend(_day_factors(book, diary, patient_ref))
    entries.extend(_remedies(book, diary, patient_ref))
    entries.extend(_conditions(book, confirmed_diagnoses, patient_ref))
    entries.append((_uuid("triage", _instant(as_of)), _risk_assessment(book, triage_result, as_of, patient_ref, references)))
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"bundle/{_instant(as_of)}/{len(entries)}")),
        "meta": {"tag": [{"system": book.system("episode"), "code": "self-reported", "display": NOT_A_DIAGNOSIS}]},
        "type": "collection",
        "timestamp": _instant(as_of),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    if validate:
        validate_bundle(bundle)
    return bundle


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Check the bundle and every resource in it against the fhir.resources R5 models."""
    from fhir.resources import get_fhir_model_class
    from pydantic import ValidationError

    model = get_fhir_model_class("Bundle")
    try:
        model.model_validate(bundle)
    except ValidationError as exc:
        raise FhirExportError(f"FHIR bundle does not validate: {exc}") from exc


# --- reading back --------------------------------------------------------------------------


def _own_code(concept: dict[str, Any], system: str) -> str | None:
    for coding in concept.get("coding", []):
        if coding.get("system") == system:
            return coding.get("code")
    return None


def _required_code(concept: dict[str, Any], system: str) -> str:
    code = _own_code(concept, system)
    if code is None:
        raise ValueError(f"no code of {system} in {concept!r}")
    return code


def fhir_bundle_to_episodes(bundle: dict[str, Any]) -> list[Episode]:
    """The twitch episodes of a bundle written by `diary_to_fhir_bundle`, in bundle order."""
    book = code_book()
    episode_system, site_system, side_system = book.system("episode"), book.system("site"), book.system("side")
    episodes: list[Episode] = []
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "Observation" or _own_code(resource.get("code", {}), episode_system) != "twitch-episode":
            continue
        period = resource["effectivePeriod"]
        started = dt.datetime.fromisoformat(period["start"])
        fields: dict[str, Any] = {"sites": [], "interferes_with": []}
        for component in resource.get("component", []):
            kind = _own_code(component["code"], episode_system)
            concept = component.get("valueCodeableConcept", {})
            if kind == "site":
                fields["sites"].append(Site(_required_code(concept, site_system)))
            elif kind == "side":
                fields["side"] = Side(_required_code(concept, side_system))
            elif kind == "duration":
                fields["duration_s"] = float(component["valueQuantity"]["value"])
            elif kind == "intensity":
                fields["intensity"] = component["valueInteger"]
            elif kind == "interferes-with":
                fields["interferes_with"].append(_own_code(concept, book.system("activity")))
            elif kind == "visible":
                fields["visible"] = component["valueBoolean"]
        if not fields["sites"]:
            fields["sites"].append(Site(_own_code(resource.get("bodySite", {}), site_system) or "other"))
        method = _own_code(resource.get("method", {}), episode_system) or "source-manual"
        identifier = next((i["value"] for i in resource.get("identifier", []) if i.get("system") == book.system("episode_id")), resource["id"])
        episodes.append(
            Episode(
                id=identifier,
                started_at=started,
                source=method.removeprefix("source-"),
                note=(resource.get("note") or [{}])[0].get("text"),
                **fields,
            )
        )
    return episodes
