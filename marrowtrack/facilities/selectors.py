"""Reads of rooms and equipment."""

from __future__ import annotations

from django.db.models import QuerySet

from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Room


def rooms_of_clinic(*, clinic: Clinic) -> QuerySet[Room]:
    """Every room of the clinic, inactive ones too (old appointments still name them)."""
    return Room.objects.filter(clinic=clinic).order_by("pk")
