"""Reads of patient messages for the staff pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from marrowtrack.notifications.models import DeliveryLog, Message
from marrowtrack.patients.models import Patient


def messages_for_patient(*, patient: Patient, limit: int = 50) -> QuerySet[Message]:
    return (
        Message.objects.filter(patient=patient)
        .prefetch_related(Prefetch("log", DeliveryLog.objects.order_by("at", "id")))
        .order_by("-created_at")[:limit]
    )
