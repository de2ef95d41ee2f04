"""Per-clinic intake settings: values docs/reference.md §0 makes configurable per clinic."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.core.versioning import VersionedModel

phone_validator = RegexValidator(
    r"^[0-9+()\-. ]{3,40}$", "Enter a phone number: digits, spaces, +, -, ( and ) only."
)


class IntakeSettings(VersionedModel, BaseModel):
    """How early patients arrive, whom they call out of hours, how old a screening may be
    on the procedure day. A clinic without a row uses the defaults."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="+")
    arrival_lead_minutes = models.PositiveSmallIntegerField(
        "Arrive this many minutes early",
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(240)],
    )
    after_hours_phone = models.CharField(
        "After-hours phone",
        max_length=40,
        blank=True,
        validators=[phone_validator],
        help_text="Printed on every patient's instructions with the warning signs.",
    )
    screening_max_age_days = models.PositiveSmallIntegerField(
        "Oldest screening accepted on the procedure day (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name_plural = "intake settings"

    def __str__(self) -> str:
        return f"Intake settings of {self.clinic}"
