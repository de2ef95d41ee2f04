from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity: str = ""
    patient_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events(*, clinic: Clinic, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """A clinic's trail, newest first, narrowed by the given filters."""
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor")
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.entity:
        events = events.filter(entity__icontains=filters.entity)
    if filters.patient_id:
        events = events.filter(patient_id=filters.patient_id)
    if filters.date_from:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.order_by("-sequence")
