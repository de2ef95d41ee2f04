"""Helpers shared by the intake services."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record, event_record_created
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.patients.models import Patient


def only(data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed({name: ["This field is not accepted here."] for name in unknown})
    return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}


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


@contextmanager
def refusals_audited(
    *, by: User, target: models.Model, patient: Patient, changes: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """Wrap a service body *outside* its transaction: a ``SafetyRefusal`` rolls the write
    back, then is committed to the audit trail as REFUSED on its own, and is re-raised
    (the same contract as ``audit.refusals.audited_refusals``, docs/decisions/0002)."""
    try:
        yield
    except SafetyRefusal as exc:
        with transaction.atomic(durable=True):
            event_record(
                actor=by,
                action=AuditAction.REFUSED,
                target=target,
                changes=dict(changes or {}),
                reason=exc.message[:500],
                patient_public_id=patient.public_id,
            )
        raise
