"""Rooms, equipment and kit lots of a clinic: what a procedure day needs to be booked and
what the lab may use. The clinic administrator manages them (``facilities.services``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.core.versioning import VersionedModel

DUPLICATE_IN_CLINIC = "duplicate_in_clinic"


def unique_in_clinic(*fields: str, name: str, message: str) -> models.UniqueConstraint:
    """What names a record in its clinic is unique there in the database, whatever the
    letter case ("Room 1" and "room 1" are one room): a form alone would let two
    administrators saving at once, or the API, store both."""
    return models.UniqueConstraint(
        "clinic",
        *(Lower(field) for field in fields),
        name=name,
        violation_error_code=DUPLICATE_IN_CLINIC,
        violation_error_message=message,
    )


class DuplicateOnCodeField(models.Model):
    """A duplicate is reported on the field that names the record (``code_field``), so the
    form shows it beside that box: Django reports a constraint on expressions for the
    record as a whole."""

    code_field: str

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            whole = errors.pop(NON_FIELD_ERRORS, [])
            for error in whole:
                duplicate = error.code == DUPLICATE_IN_CLINIC
                errors.setdefault(self.code_field if duplicate else NON_FIELD_ERRORS, []).append(
                    error
                )
            raise ValidationError(errors) from exc


class Room(DuplicateOnCodeField, VersionedModel, BaseModel):
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
    code_field = "name"

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            unique_in_clinic(
                "name",
                name="room_unique_name_per_clinic_any_case",
                message="Your clinic already has a room with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilities:room-edit", args=[self.public_id])


class Equipment(DuplicateOnCodeField, VersionedModel, BaseModel):
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
    code_field = "name"

    class Meta:
        ordering = ["clinic", "kind", "name"]
        verbose_name_plural = "equipment"
        constraints = [
            unique_in_clinic(
                "name",
                name="equipment_unique_name_per_clinic_any_case",
                message="Your clinic already has equipment with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilities:equipment-edit", args=[self.public_id])

    def calibration_overdue(self, today: date) -> bool:
        return self.calibration_due is not None and self.calibration_due < today


class KitLot(DuplicateOnCodeField, VersionedModel, BaseModel):
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
    code_field = "lot_number"

    class Meta:
        ordering = ["clinic", "expires_on", "lot_number"]
        constraints = [
            unique_in_clinic(
                "device",
                "lot_number",
                name="kitlot_unique_per_clinic_any_case",
                message="This lot of this kit is already in your clinic's stock.",
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
