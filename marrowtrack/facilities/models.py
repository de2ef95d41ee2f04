"""Rooms, equipment and kit lots of a clinic: what a procedure day needs to be booked and
what the lab may use. The clinic administrator manages them (``facilities.services``)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.urls import reverse

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.core.versioning import VersionedModel


class Room(VersionedModel, BaseModel):
    class Kind(models.TextChoices):
        PROCEDURE = "procedure", "Procedure room"
        CONSULT = "consult", "Consultation room"
        LAB = "lab", "Processing lab"
        RECOVERY = "recovery", "Recovery bay"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    has_fluoroscopy = models.BooleanField(default=False)
    has_ultrasound = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="room_unique_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilities:room-edit", args=[self.public_id])


class Equipment(VersionedModel, BaseModel):
    class Kind(models.TextChoices):
        CENTRIFUGE = "centrifuge", "Centrifuge"
        FLUOROSCOPE = "fluoroscope", "Fluoroscope (C-arm)"
        ULTRASOUND = "ultrasound", "Ultrasound"
        CELL_COUNTER = "cell_counter", "Cell counter"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="equipment")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    serial_number = models.CharField(max_length=60, blank=True)
    # Rotor radius turns a spin programme's rpm into RCF (docs/reference.md §2).
    rotor_radius_cm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    calibration_due = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "kind", "name"]
        verbose_name_plural = "equipment"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="equipment_unique_name_per_clinic"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilities:equipment-edit", args=[self.public_id])

    def calibration_overdue(self, today: date) -> bool:
        return self.calibration_due is not None and self.calibration_due < today


class KitLot(VersionedModel, BaseModel):
    """A received lot of single-use processing kits: managed stock, expiry and recall."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        RECALLED = "recalled", "Recalled"
        WITHDRAWN = "withdrawn", "Withdrawn from use"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="kit_lots")
    device = models.CharField("Kit / device", max_length=80, help_text="e.g. Angel, SmartPReP")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    received_on = models.DateField()
    quantity_received = models.PositiveIntegerField()
    quantity_used = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["clinic", "expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "device", "lot_number"], name="kitlot_unique_per_clinic"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_used__lte=models.F("quantity_received")),
                name="kitlot_used_within_received",
                violation_error_message="Fewer kits received than already used.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device} lot {self.lot_number} (expires {self.expires_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("facilities:kitlot-edit", args=[self.public_id])

    @property
    def remaining(self) -> int:
        return self.quantity_received - self.quantity_used

    def unusable_reason(self, today: date) -> str | None:
        """Why this lot cannot be used today, or None when it can."""
        if self.status != self.Status.AVAILABLE:
            reason = f": {self.status_reason}" if self.status_reason else ""
            return f"Kit lot {self.lot_number} is {self.get_status_display().lower()}{reason}."
        if self.expires_on < today:
            return f"Kit lot {self.lot_number} expired on {self.expires_on:%Y-%m-%d}."
        if self.remaining <= 0:
            return f"No kits of lot {self.lot_number} are left in stock."
        return None
