"""Reading a FHIR R4 Patient back into the fields MarrowTrack keeps (pure, no ORM).

The inverse of `people.patient_resource` for the mapped fields (docs/fhir.md, "Import"):
an export imported elsewhere comes back with the same name, birth date, gender, phone,
email, address and preferred language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marrowtrack.core.validators import unencodable, unreadable_characters
from marrowtrack.interop.fhir.people import GENDERS, LANGUAGES


@dataclass
class IncomingPatient:
    values: dict[str, Any] = field(default_factory=dict)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (FHIR path, what is wrong)


# Where each of the patient service's fields lives in a Patient resource (error messages).
FIELD_PATHS = {
    "family_name": "Patient.name.family",
    "given_name": "Patient.name.given",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
    "address": "Patient.address",
    "preferred_language": "Patient.communication",
}


def _list(resource: dict[str, Any], key: str, found: IncomingPatient) -> list[dict[str, Any]]:
    items = resource.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        found.errors.append((f"Patient.{key}", "must be a list of objects"))
        return []
    return items


def _name(resource: dict[str, Any], found: IncomingPatient) -> None:
    names = _list(resource, "name", found)
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family, given = chosen.get("family"), chosen.get("given", [])
    if not isinstance(family, str) or not family.strip():
        found.errors.append(("Patient.name.family", "a family name is required"))
    if not isinstance(given, list) or not given or not all(isinstance(g, str) for g in given):
        found.errors.append(("Patient.name.given", "a given name is required"))
        given = []
    found.values["family_name"] = family if isinstance(family, str) else ""
    found.values["given_name"] = " ".join(given)


def _birth_date(resource: dict[str, Any], found: IncomingPatient) -> None:
    text = resource.get("birthDate")
    try:
        found.values["date_of_birth"] = date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        found.values["date_of_birth"] = None
    if found.values["date_of_birth"] is None or len(str(text)) != 10:
        found.errors.append(("Patient.birthDate", "a full date (YYYY-MM-DD) is required"))


def _gender(resource: dict[str, Any], found: IncomingPatient) -> None:
    gender = resource.get("gender", "unknown")
    if gender not in GENDERS:
        found.errors.append(("Patient.gender", f"{gender!r} is not male, female, other or unknown"))
    found.values["sex"] = gender if gender in GENDERS else "unknown"


def _contact(resource: dict[str, Any], found: IncomingPatient) -> None:
    telecom = _list(resource, "telecom", found)
    for system, key in (("phone", "phone"), ("email", "email")):
        value = next((t.get("value") for t in telecom if t.get("system") == system), "")
        found.values[key] = value if isinstance(value, str) else ""
    addresses = _list(resource, "address", found)
    first = addresses[0] if addresses else {}
    lines = first.get("line") if isinstance(first.get("line"), list) else []
    parts = [*lines, first.get("city"), first.get("state"), first.get("postalCode")]
    text = first.get("text") or ", ".join(str(p) for p in parts if p)
    found.values["address"] = text if isinstance(text, str) else ""


def _language(resource: dict[str, Any], found: IncomingPatient) -> None:
    for entry in _list(resource, "communication", found):
        codings = (entry.get("language") or {}).get("coding") or []
        codes = [c.get("code", "")[:2] for c in codings if isinstance(c, dict)]
        chosen = next((c for c in codes if c in LANGUAGES), None)
        if chosen:
            found.values["preferred_language"] = chosen
            return


def _identifiers(resource: dict[str, Any], found: IncomingPatient) -> None:
    for item in _list(resource, "identifier", found):
        system, value = item.get("system"), item.get("value")
        if isinstance(system, str) and isinstance(value, str) and system and value:
            found.identifiers.append((system, value))
    if not found.identifiers:
        found.errors.append(
            ("Patient.identifier", "at least one identifier (system and value) is needed")
        )


def incoming_patient(resource: Any) -> IncomingPatient:
    """The service fields, identifiers and problems of one resource meant to be a Patient."""
    found = IncomingPatient()
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        kind = resource.get("resourceType") if isinstance(resource, dict) else type(resource)
        found.errors.append(("resourceType", f"expected a Patient, found {kind}"))
        return found
    for read in (_name, _birth_date, _gender, _contact, _language, _identifiers):
        read(resource, found)
    _readable(found)
    return found


def _refused(text: str) -> bool:
    return unencodable(text) or bool(unreadable_characters(text))


def _readable(found: IncomingPatient) -> None:
    """Refuse invisible and control characters, as every other entry point does
    (docs/decisions/0008-input-hygiene-and-reauthentication.md)."""
    message = "contains invisible or control characters; correct it at the source"
    for name, value in found.values.items():
        if isinstance(value, str) and _refused(value):
            found.errors.append((FIELD_PATHS[name], message))
    if any(_refused(system + value) for system, value in found.identifiers):
        found.errors.append(("Patient.identifier", message))
