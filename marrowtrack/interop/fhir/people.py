"""Organization (clinic), Location (room), Practitioner (staff) and Patient (docs/fhir.md)."""

from __future__ import annotations

from typing import Any

from marrowtrack.interop.fhir.base import Names, Resource, day, pruned, ref, uuid_identifier

# Patient.gender is a required binding to administrative-gender: the same four codes.
GENDERS = {"female", "male", "other", "unknown"}
LANGUAGES = {"en": "English", "es": "Spanish"}
BCP47 = "urn:ietf:bcp:47"


def organization(clinic: Any) -> Resource:
    return pruned(
        {
            "resourceType": "Organization",
            "id": str(clinic.public_id),
            "identifier": [uuid_identifier(clinic.public_id)],
            "active": True,
            "name": clinic.name,
            "telecom": [{"system": "phone", "value": clinic.phone}] if clinic.phone else [],
            "address": [{"text": clinic.address}] if clinic.address else [],
        }
    )


def location(room: Any, clinic_public_id: object) -> Resource:
    return {
        "resourceType": "Location",
        "id": str(room.public_id),
        "identifier": [uuid_identifier(room.public_id)],
        "status": "active" if room.active else "inactive",
        "name": room.name,
        "mode": "instance",
        "type": [{"text": room.get_kind_display()}],
        "managingOrganization": ref("Organization", clinic_public_id),
    }


def practitioner(user: Any) -> Resource:
    name = pruned(
        {
            "text": user.printed_name,
            "family": user.last_name,
            "given": [user.first_name] if user.first_name else [],
        }
    )
    return pruned(
        {
            "resourceType": "Practitioner",
            "id": str(user.public_id),
            "identifier": [uuid_identifier(user.public_id)],
            "active": user.is_active,
            "name": [name],
            "qualification": [{"code": {"text": user.credentials}}] if user.credentials else [],
        }
    )


def _telecom(patient: Any) -> list[dict[str, str]]:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "home"})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return telecom


def _communication(language: str) -> list[dict[str, Any]]:
    if language not in LANGUAGES:
        return []
    coding = {"system": BCP47, "code": language, "display": LANGUAGES[language]}
    return [{"language": {"coding": [coding], "text": LANGUAGES[language]}, "preferred": True}]


def patient_resource(
    patient: Any, *, names: Names, clinic_code: str, clinic_id: object
) -> Resource:
    """The patient's identity and contact details; the MRN keeps its clinic as the system."""
    return pruned(
        {
            "resourceType": "Patient",
            "id": str(patient.public_id),
            "identifier": [
                {"use": "usual", "system": names.mrn_system(clinic_code), "value": patient.mrn},
                uuid_identifier(patient.public_id),
            ],
            "active": patient.archived_at is None,
            "name": [
                {"use": "official", "family": patient.family_name, "given": [patient.given_name]}
            ],
            "telecom": _telecom(patient),
            "gender": patient.sex if patient.sex in GENDERS else "unknown",
            "birthDate": day(patient.date_of_birth),
            "address": [{"text": patient.address}] if patient.address else [],
            "communication": _communication(patient.preferred_language),
            "managingOrganization": ref("Organization", clinic_id),
        }
    )
