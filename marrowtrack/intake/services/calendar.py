"""Working hours and exceptions of rooms, equipment and staff (clinic administrators)."""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction
from django.db.models import Model

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.core.services import validated
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import ResourceException, WorkingHours
from marrowtrack.intake.services.common import audit, audit_create, required_text


def _resource_fields(clinic: Clinic, resource: Model | None) -> dict[str, Model | None]:
    if resource is None:
        return {}
    if getattr(resource, "clinic_id", None) != clinic.pk:
        raise ValidationFailed({"resource": ["Choose a resource of your clinic."]})
    if isinstance(resource, Room):
        return {"room": resource}
    if isinstance(resource, Equipment):
        return {"equipment": resource}
    return {"staff": resource}


def working_hours_set(
    *,
    clinic: Clinic,
    by: User,
    resource: Model | None,
    weekday: int,
    hours: list[tuple[time, time]],
) -> list[WorkingHours]:
    """Replace one weekday's hours of a resource (None: the clinic's opening hours)."""
    fields = _resource_fields(clinic, resource)
    with transaction.atomic():
        existing = WorkingHours.objects.filter(
            clinic=clinic,
            weekday=weekday,
            room=fields.get("room"),
            equipment=fields.get("equipment"),
            staff=fields.get("staff"),
        )
        existing.delete()  # working hours are configuration, not clinical records
        rows = []
        for starts, ends in hours:
            row = WorkingHours(clinic=clinic, weekday=weekday, starts=starts, ends=ends, **fields)
            if ends <= starts:
                raise ValidationFailed({"ends": ["The end is not after the start."]})
            validated(row)
            row.save()
            changes = {"weekday": [None, weekday], "hours": [None, f"{starts:%H:%M}-{ends:%H:%M}"]}
            audit(by=by, action=AuditAction.CREATE, instance=row, patient=None, changes=changes)
            rows.append(row)
    return rows


def resource_exception_add(
    *,
    clinic: Clinic,
    by: User,
    resource: Model | None,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> ResourceException:
    """Mark a resource (None: the whole clinic) unavailable, e.g. a holiday or maintenance."""
    reason = required_text(reason, "reason", "Say why, e.g. 'centrifuge service visit'.")
    fields = _resource_fields(clinic, resource)
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["The end is not after the start."]})
    with transaction.atomic():
        exc = ResourceException(
            clinic=clinic, kind=kind, starts_at=starts_at, ends_at=ends_at, reason=reason, **fields
        )
        validated(exc)
        exc.save()
        audit_create(by=by, instance=exc, patient=None, fields=("kind", "starts_at", "ends_at"))
    return exc
