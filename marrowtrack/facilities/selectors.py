"""Reads of a clinic's rooms, equipment and kit lots."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import models

from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Equipment, KitLot, Room

CALIBRATION_WARNING = timedelta(days=30)


def rooms_of_clinic(*, clinic: Clinic) -> models.QuerySet[Room]:
    """Every room of the clinic, inactive ones too (old appointments still name them)."""
    return Room.objects.filter(clinic=clinic).order_by("pk")


def usable_kit_lots(*, clinic_id: int, today: date) -> models.QuerySet[KitLot]:
    """Lots the lab may choose today: available, not expired, with kits left."""
    return KitLot.objects.filter(
        clinic_id=clinic_id,
        status=KitLot.Status.AVAILABLE,
        expires_on__gte=today,
        quantity_used__lt=models.F("quantity_received"),
    ).order_by("expires_on", "lot_number")


def calibrated_centrifuges(*, clinic_id: int, today: date) -> models.QuerySet[Equipment]:
    """Active centrifuges whose calibration is not overdue."""
    return Equipment.objects.filter(
        clinic_id=clinic_id,
        kind=Equipment.Kind.CENTRIFUGE,
        active=True,
        calibration_due__gte=today,
    )


def facilities_overview(*, clinic_id: int, today: date) -> dict[str, Any]:
    """Everything the clinic administrator's page lists, with what needs attention."""
    equipment = list(Equipment.objects.filter(clinic_id=clinic_id))
    lots = list(KitLot.objects.filter(clinic_id=clinic_id).order_by("-received_on", "lot_number"))
    return {
        "rooms": list(Room.objects.filter(clinic_id=clinic_id)),
        "equipment": equipment,
        "calibration_overdue": {e.pk for e in equipment if e.calibration_overdue(today)},
        "calibration_soon": {
            e.pk
            for e in equipment
            if e.calibration_due and today <= e.calibration_due <= today + CALIBRATION_WARNING
        },
        "kit_lots": [(lot, lot.unusable_reason(today)) for lot in lots],
    }
