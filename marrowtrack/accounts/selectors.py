"""Reads of staff accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic


def staff_of_clinic(*, clinic: Clinic) -> QuerySet[User]:
    """Every account of the clinic, inactive ones too (old records still name them)."""
    return User.objects.filter(clinic=clinic).order_by("pk")
