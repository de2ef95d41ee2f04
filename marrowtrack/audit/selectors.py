from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db.models import QuerySet

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    name: str = ""
    entity: str = ""
    patient_id: str = ""
    mrn: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _patient_ids_for_mrn(clinic: Clinic, mrn: str) -> list[str]:
    # Entries name patients by public id; a person searches by MRN. The trail is read
    # across every app, so the patient model is looked up by name, not imported.
    patient_model = apps.get_model("patients", "Patient")
    ids = patient_model.objects.filter(clinic=clinic, mrn__iexact=mrn.strip())
    return [str(public_id) for public_id in ids.values_list("public_id", flat=True)]


def audit_events(*, clinic: Clinic, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """A clinic's trail, newest first, narrowed by the given filters."""
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor", "chain")
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.name:
        events = events.filter(name__startswith=filters.name)
    if filters.entity:
        events = events.filter(entity__icontains=filters.entity)
    if filters.patient_id:
        events = events.filter(patient_id=filters.patient_id)
    if filters.mrn:
        events = events.filter(patient_id__in=_patient_ids_for_mrn(clinic, filters.mrn))
    if filters.date_from:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.order_by("-occurred_at", "-id")
