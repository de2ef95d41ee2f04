"""Helpers shared by the recovery services: who did it, as the audit trail names them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.patients.models import Patient


def patient_label(patient: Patient) -> str:
    """How the audit trail names a patient acting in the portal (attributable, no staff id)."""
    return f"patient {patient.full_name} ({patient.mrn}) via portal"


def audit(
    *,
    by: User | None,
    patient: Patient,
    target: models.Model,
    changes: Mapping[str, Any],
    action: str = AuditAction.UPDATE,
    reason: str = "",
    label: str | None = None,
    name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """One audit entry in the caller's transaction; ``by=None`` is the patient (``label``
    overrides, e.g. the sweep)."""
    event_record(
        actor=by,
        action=action,
        target=target,
        changes=changes,
        reason=reason[:500],
        clinic=patient.clinic,
        patient_public_id=patient.public_id,
        actor_label=None if by else (label or patient_label(patient)),
        name=name,
        extra=extra,
    )
