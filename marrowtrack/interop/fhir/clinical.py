"""Condition and CarePlan (a treatment plan), body-weight and screening-lab Observations,
Consent and Appointment (docs/fhir.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marrowtrack.interop import terminology as t
from marrowtrack.interop.fhir.base import (
    Names,
    Resource,
    concept,
    day,
    derived_id,
    instant,
    pruned,
    quantity,
    ref,
    uuid_identifier,
)

CARE_PLAN_STATUS = {
    "draft": "draft",
    "approved": "active",
    "treated": "completed",
    "not_eligible": "revoked",
    "cancelled": "revoked",
}
ACTIVITY_STATUS = {
    "draft": "not-started",
    "approved": "scheduled",
    "treated": "completed",
    "not_eligible": "cancelled",
    "cancelled": "cancelled",
}
CONSENT_STATUS = {
    "draft": "proposed",
    "signed": "active",
    "witnessed": "active",
    "invalidated": "inactive",
}
APPOINTMENT_STATUS = {
    "booked": "booked",
    "rescheduled": "cancelled",
    "cancelled": "cancelled",
    "completed": "fulfilled",
}


def laterality_extension(names: Names, laterality: str) -> list[dict[str, Any]]:
    """Laterality of a body site as a SNOMED CT qualifier (R4 has no laterality element)."""
    coding = t.LATERALITY.get(laterality)
    if coding is None:
        return []
    url = f"{names.namespace}/StructureDefinition/laterality"
    return [{"url": url, "valueCodeableConcept": concept(coding)}]


def body_site(names: Names, target: str, label: str, laterality: str, level: str = "") -> dict:
    """The target as a CodeableConcept: SNOMED CT where verified, text always."""
    words = [laterality.capitalize()] if laterality in t.LATERALITY else []
    words += [label, level] if level else [label]
    site = concept(t.BODY_SITE.get(target), " ".join(words))
    extension = laterality_extension(names, laterality)
    return {**site, "extension": extension} if extension else site


def condition_id(plan_public_id: object) -> str:
    return derived_id(plan_public_id, "condition")


def condition(plan: Any, *, names: Names, patient_id: object) -> Resource:
    """The condition a plan treats, coded in ICD-10-CM when a verified code fits."""
    coding = t.condition_coding(plan.condition, plan.laterality, plan.target_level)
    return pruned(
        {
            "resourceType": "Condition",
            "id": condition_id(plan.public_id),
            "code": concept(coding, plan.get_condition_display()),
            "bodySite": [
                body_site(
                    names,
                    plan.target,
                    plan.get_target_display(),
                    plan.laterality,
                    plan.target_level,
                )
            ],
            "subject": ref("Patient", patient_id),
            "recordedDate": instant(plan.created_at),
            "note": [{"text": plan.severity_notes}] if plan.severity_notes else [],
        }
    )


def care_plan(plan: Any, *, patient_id: object, author_id: object) -> Resource:
    """A treatment plan: the treatment, its target and where it stands."""
    return pruned(
        {
            "resourceType": "CarePlan",
            "id": str(plan.public_id),
            "identifier": [uuid_identifier(plan.public_id)],
            "status": "entered-in-error"
            if plan.archived_at
            else CARE_PLAN_STATUS.get(plan.status, "unknown"),
            "intent": "plan",
            "title": str(plan),
            "subject": ref("Patient", patient_id),
            "created": instant(plan.created_at),
            "author": ref("Practitioner", author_id),
            "addresses": [ref("Condition", condition_id(plan.public_id))],
            "activity": [
                {
                    "detail": {
                        "code": {"text": plan.get_treatment_display()},
                        "status": ACTIVITY_STATUS.get(plan.status, "unknown"),
                        "description": str(plan),
                    }
                }
            ],
        }
    )


def weight_observation(weight: Any, *, patient_id: object) -> Resource:
    return {
        "resourceType": "Observation",
        "id": str(weight.public_id),
        "identifier": [uuid_identifier(weight.public_id)],
        "status": "final",
        "category": [concept(t.VITAL_SIGNS)],
        "code": concept(t.BODY_WEIGHT),
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": day(weight.measured_on),
        "valueQuantity": quantity(weight.weight_kg, t.KG),
    }


def height_id(patient_public_id: object) -> str:
    return derived_id(patient_public_id, "height")


def height_observation(patient: Any) -> Resource:
    """The patient's height (the record keeps one, undated: `issued` is when it was saved)."""
    return {
        "resourceType": "Observation",
        "id": height_id(patient.public_id),
        "status": "final",
        "category": [concept(t.VITAL_SIGNS)],
        "code": concept(t.BODY_HEIGHT),
        "subject": ref("Patient", patient.public_id),
        "issued": instant(patient.updated_at),
        "valueQuantity": quantity(patient.height_cm, t.CM),
    }


def bmi_observation(weight: Any, *, patient_id: object, value: Decimal) -> Resource:
    """BMI at a weighing, from that weight and the patient's height (patients.weights.bmi)."""
    return {
        "resourceType": "Observation",
        "id": derived_id(weight.public_id, "bmi"),
        "status": "final",
        "category": [concept(t.VITAL_SIGNS)],
        "code": concept(t.BMI),
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": day(weight.measured_on),
        "valueQuantity": quantity(value, t.KG_PER_M2),
        "derivedFrom": [
            ref("Observation", weight.public_id),
            ref("Observation", height_id(patient_id)),
        ],
    }


def lab_value_observation(lab: Any, *, patient_id: object) -> Resource:
    """Platelets (x10^9/L) or INR from the screening record."""
    is_platelets = lab.test == "platelets"
    return {
        "resourceType": "Observation",
        "id": str(lab.public_id),
        "identifier": [uuid_identifier(lab.public_id)],
        "status": "final",
        "category": [concept(t.LABORATORY)],
        "code": concept(t.PLATELETS if is_platelets else t.INR),
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": day(lab.taken_on),
        "valueQuantity": quantity(lab.value, t.GIGA_PER_L if is_platelets else t.INR_UNIT),
    }


def consent(consent: Any, *, names: Names, patient_id: object, clinic_id: object) -> Resource:
    """A patient's consent to one plan on one versioned document (the policy it points at)."""
    document = consent.document
    policy = f"{names.namespace}/ConsentDocument/{document.treatment}/v{document.version}"
    return pruned(
        {
            "resourceType": "Consent",
            "id": str(consent.public_id),
            "identifier": [uuid_identifier(consent.public_id)],
            "status": CONSENT_STATUS.get(consent.status, "proposed"),
            "scope": concept(t.TREATMENT_CONSENT),
            "category": [concept(t.CONSENT_DOCUMENT)],
            "patient": ref("Patient", patient_id),
            "dateTime": instant(consent.patient_signed_at),
            "performer": [ref("Patient", patient_id)] if consent.patient_signed_at else [],
            "organization": [ref("Organization", clinic_id)],
            "sourceAttachment": {"title": f"{document.title} (version {document.version})"},
            "policy": [{"uri": policy}],
            "provision": {"type": "permit" if consent.status != "invalidated" else "deny"},
        }
    )


def _participant(kind: str, ident: object | None) -> list[dict[str, Any]]:
    return [] if ident is None else [{"actor": ref(kind, ident), "status": "accepted"}]


def appointment(appt: Any, *, patient_id: object, plan_id: object, people: dict) -> Resource:
    """A booked slot with the patient, the staff and the room it needs."""
    participants = [
        *_participant("Patient", patient_id),
        *_participant("Practitioner", people.get("physician")),
        *_participant("Practitioner", people.get("nurse")),
        *_participant("Practitioner", people.get("lab_tech")),
        *_participant("Location", people.get("room")),
    ]
    return pruned(
        {
            "resourceType": "Appointment",
            "id": str(appt.public_id),
            "identifier": [uuid_identifier(appt.public_id)],
            "status": APPOINTMENT_STATUS.get(appt.status, "booked"),
            "description": appt.get_kind_display(),
            "start": instant(appt.starts_at),
            "end": instant(appt.ends_at),
            "created": instant(appt.created_at),
            "comment": appt.status_reason,
            "supportingInformation": [ref("CarePlan", plan_id)],
            "participant": participants,
        }
    )
