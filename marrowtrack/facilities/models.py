"""Rooms and equipment of a clinic: what a procedure day needs to be booked."""

from __future__ import annotations

from django.db import models

from marrowtrack.core.models import BaseModel, Clinic


class Room(BaseModel):
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


class Equipment(BaseModel):
    class Kind(models.TextChoices):
        CENTRIFUGE = "centrifuge", "Centrifuge"
        FLUOROSCOPE = "fluoroscope", "Fluoroscope (C-arm)"
        ULTRASOUND = "ultrasound", "Ultrasound"
        CELL_COUNTER = "cell_counter", "Cell counter"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="equipment")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    serial_number = models.CharField(max_length=60, blank=True)
    # Rotor radius turns a spin programme's rpm into RCF (domain.md section 2).
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
