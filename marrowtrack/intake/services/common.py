"""Helpers shared by the intake services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from marrowtrack.accounts.models import User
from marrowtrack.audit.services import event_record, event_record_created
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.patients.models import Patient


def required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed({field: [message]})
    return value


def ensure_patient_active(patient: Patient) -> None:
    if patient.is_archived:
        raise DomainError("This patient record is archived and cannot be changed.")


def ensure_plan_open(plan: TreatmentPlan) -> None:
    ensure_patient_active(plan.patient)
    closed = {TreatmentPlan.Status.CANCELLED, TreatmentPlan.Status.TREATED}
    if plan.is_archived or plan.status in closed:
        raise DomainError(f"This plan is {plan.get_status_display().lower()} and cannot change.")


def audit_create(
    *, by: User, instance: models.Model, patient: Patient | None, fields: tuple[str, ...]
) -> None:
    event_record_created(
        actor=by,
        target=instance,
        fields=fields,
        patient_public_id=patient.public_id if patient else None,
    )


def audit(
    *,
    by: User,
    action: str,
    instance: models.Model,
    patient: Patient | None,
    changes: Mapping[str, Any],
    reason: str = "",
) -> None:
    event_record(
        actor=by,
        action=action,
        target=instance,
        changes=changes,
        reason=reason,
        patient_public_id=patient.public_id if patient else None,
    )
