"""Writes to the patient record. Each validates, saves and audits in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import diff, event_record, event_record_created
from marrowtrack.audit.versions import version_check, version_save
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.services import counter_next, validated
from marrowtrack.core.validators import only
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement
from marrowtrack.patients.weights import PreviousWeight, weight_concerns

PATIENT_FIELDS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "preferred_language",
    "referral_condition",
    "referral_notes",
    "no_known_allergies",
    "height_cm",
)
MEDICATION_FIELDS = (
    "name",
    "drug_class",
    "agent",
    "dose",
    "steroid_mg_per_day",
    "started_on",
    "stopped_on",
)
ALLERGY_FIELDS = ("category", "substance", "reaction", "severity")
CONDITION_FIELDS = (
    "kind",
    "detail",
    "site",
    "side",
    "diagnosed_on",
    "resolved_on",
    "cleared_by_haematology",
)


def _strip_blank_names(values: dict[str, Any]) -> None:
    for field in ("family_name", "given_name"):
        if field in values and not values[field]:
            raise ValidationFailed({field: ["This field is required."]})


def format_mrn(number: int) -> str:
    return f"MT{number:07d}"


def _known_valid(patient: Patient) -> list[str]:
    """Fields of a new patient that validation would only confirm with a query each: its
    id is a fresh random UUID, its clinic the signed-in user's own, read with the user on
    this request. The database's constraints still hold both."""
    return ["public_id", "clinic"] if patient.clinic_id is not None else ["public_id"]


def patient_register(*, by: User, data: Mapping[str, Any]) -> Patient:
    """Register a new patient in the staff member's clinic and give them the next MRN."""
    values = only(data, PATIENT_FIELDS)
    _strip_blank_names(values)
    with transaction.atomic():
        patient = Patient(clinic=by.clinic, mrn="pending", **values)
        validated(patient, exclude=["mrn", *_known_valid(patient)])
        patient.mrn = format_mrn(counter_next(clinic=by.clinic, name="mrn"))
        patient.save()
        event_record_created(
            actor=by,
            target=patient,
            fields=("mrn", *values.keys()),
            patient_public_id=patient.public_id,
        )
    return patient


def _ensure_not_archived(patient: Patient) -> None:
    if patient.is_archived:
        raise DomainError("This patient record is archived and cannot be changed.")


def _update(
    *,
    by: User,
    instance: Any,
    patient: Patient,
    values: dict[str, Any],
    version: int,
    fields: tuple[str, ...],
) -> models.Model:
    """Edit a locked record made from `version` (refused, nothing stored, when it moved on:
    docs/decisions/0021-no-lost-updates.md)."""
    version_check(instance, read=version, fields=fields)
    changes: dict[str, Any] = diff(instance, values)
    if not changes:
        return instance
    for field, value in values.items():
        setattr(instance, field, value)
    validated(instance)
    version_save(instance, read=version, fields=changes.keys(), shown=fields)
    changes["version"] = [version, instance.version]
    event_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=instance,
        changes=changes,
        patient_public_id=patient.public_id,
    )
    return instance


def patient_update(*, patient: Patient, by: User, data: Mapping[str, Any], version: int) -> Patient:
    """Edit the patient's details, made from `version` of the record (a stale edit is
    refused with who changed it and when)."""
    values = only(data, PATIENT_FIELDS)
    _strip_blank_names(values)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        _ensure_not_archived(patient)
        _update(
            by=by,
            instance=patient,
            patient=patient,
            values=values,
            version=version,
            fields=PATIENT_FIELDS,
        )
    return patient


def _archive(*, by: User, instance: Any, patient: Patient, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": ["Give a reason for archiving."]})
    if instance.is_archived:
        raise DomainError("This record is already archived.")
    instance.archived_at = clock.now()
    instance.archive_reason = reason[:200]
    instance.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.ARCHIVE,
        target=instance,
        changes={"archived_at": [None, instance.archived_at]},
        reason=reason,
        patient_public_id=patient.public_id,
    )


def patient_archive(*, patient: Patient, by: User, reason: str) -> Patient:
    with transaction.atomic():
        _archive(by=by, instance=patient, patient=patient, reason=reason)
    return patient


def patient_record_viewed(*, patient: Patient, by: User, context: str = "record") -> None:
    """Log a read of a patient's record (who viewed whom, when)."""
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.READ,
            target=patient,
            changes={"viewed": context},
            patient_public_id=patient.public_id,
        )


def _previous_weight(patient: Patient, measured_on: date) -> PreviousWeight | None:
    """The weight the new one is compared with: the latest measured on or before its day."""
    previous = (
        WeightMeasurement.objects.filter(
            patient=patient, archived_at__isnull=True, measured_on__lte=measured_on
        )
        .order_by("-measured_on", "-created_at")
        .first()
    )
    return PreviousWeight(previous.weight_kg, previous.measured_on) if previous else None


def weight_record(
    *,
    patient: Patient,
    by: User,
    weight_kg: Decimal,
    measured_on: date,
    confirmed: bool = False,
) -> WeightMeasurement:
    """Record a dated weight. An implausible weight, or a change of more than 10 % from the
    previous one (pounds typed as kg), is refused until the person entering it confirms it
    (``patients/weights.py``); the confirmation and what was questioned are audited."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        _ensure_not_archived(patient)
        weight = WeightMeasurement(patient=patient, weight_kg=weight_kg, measured_on=measured_on)
        validated(weight)
        concerns = weight_concerns(Decimal(weight_kg), _previous_weight(patient, measured_on))
        if concerns and not confirmed:
            raise ValidationFailed(
                {
                    "weight_kg": concerns,
                    "confirmed": ["Re-check the weight and the unit, then tick to confirm it."],
                }
            )
        weight.plausibility_confirmed = bool(concerns)
        weight.plausibility_note = " ".join(concerns)[:300]
        weight.save()
        event_record_created(
            actor=by,
            target=weight,
            fields=("weight_kg", "measured_on", "plausibility_confirmed", "plausibility_note"),
            patient_public_id=patient.public_id,
        )
    return weight


def _add_child(*, by: User, patient: Patient, instance: models.Model, fields: tuple[str, ...]):
    with transaction.atomic():
        _ensure_not_archived(patient)
        validated(instance)
        instance.save()
        event_record_created(
            actor=by, target=instance, fields=fields, patient_public_id=patient.public_id
        )
    return instance


def allergy_add(*, patient: Patient, by: User, data: Mapping[str, Any]) -> Allergy:
    values = only(data, ALLERGY_FIELDS)
    allergy = Allergy(patient=patient, **values)
    return _add_child(by=by, patient=patient, instance=allergy, fields=tuple(values))


def medication_add(*, patient: Patient, by: User, data: Mapping[str, Any]) -> Medication:
    values = only(data, MEDICATION_FIELDS)
    medication = Medication(patient=patient, **values)
    return _add_child(by=by, patient=patient, instance=medication, fields=tuple(values))


def condition_add(*, patient: Patient, by: User, data: Mapping[str, Any]) -> Condition:
    values = only(data, CONDITION_FIELDS)
    condition = Condition(patient=patient, **values)
    return _add_child(by=by, patient=patient, instance=condition, fields=tuple(values))


def _update_child(
    *, by: User, instance: Any, data: Mapping[str, Any], fields: tuple[str, ...], version: int
):
    values = only(data, fields)
    with transaction.atomic():
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        _ensure_not_archived(instance.patient)
        if instance.is_archived:
            raise DomainError("This entry is archived and cannot be changed.")
        _update(
            by=by,
            instance=instance,
            patient=instance.patient,
            values=values,
            version=version,
            fields=fields,
        )
    return instance


def medication_update(
    *, medication: Medication, by: User, data: Mapping[str, Any], version: int
) -> Medication:
    return _update_child(
        by=by, instance=medication, data=data, fields=MEDICATION_FIELDS, version=version
    )


def condition_update(
    *, condition: Condition, by: User, data: Mapping[str, Any], version: int
) -> Condition:
    return _update_child(
        by=by, instance=condition, data=data, fields=CONDITION_FIELDS, version=version
    )


def entry_archive(
    *, entry: Allergy | Medication | Condition | WeightMeasurement, by: User, reason: str
) -> None:
    """Archive an allergy, medication, condition or weight entered in error."""
    with transaction.atomic():
        _archive(by=by, instance=entry, patient=entry.patient, reason=reason)
