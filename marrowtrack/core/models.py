"""Shared model base and the clinic (site) that every person and record belongs to."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

# The ISBT 128 Facility Identification Number as a clinic holds it: one letter other than O,
# then four digits (ICCBBA ST-001 2.4.1; lab.isbt128.FACILITY_RE is the same rule).
FACILITY_CODE_RE = re.compile(r"^[A-NP-Z][0-9]{4}$")


class BaseModel(models.Model):
    """Public UUID for URLs, labels and the API; the integer pk never leaves the database."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ArchivableModel(BaseModel):
    """Clinical rows are archived with a reason, never deleted."""

    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def default_min_recovery_minutes() -> int:
    """A new clinic's minimum recovery before discharge: the installation's setting
    (``MARROWTRACK_MIN_RECOVERY_MINUTES``, 30 minutes unless configured; ADR 0018, 0024)."""
    return int(getattr(settings, "MARROWTRACK_MIN_RECOVERY_MINUTES", 30))


class Clinic(BaseModel):
    """One site of the network. Staff and patients belong to exactly one clinic."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    # ISBT 128 facility identification number used in product identifiers.
    facility_code = models.CharField(max_length=5, unique=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=255, blank=True)
    min_recovery_minutes = models.PositiveSmallIntegerField(
        "Minimum recovery before discharge (minutes)",
        default=default_min_recovery_minutes,
        validators=[MaxValueValidator(240)],
        help_text="Time in recovery, from the recorded start, before discharge is allowed.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not FACILITY_CODE_RE.match(self.facility_code or ""):
            raise ValidationError(
                {
                    "facility_code": "The ISBT 128 facility code is one capital letter other "
                    "than O followed by four digits, e.g. W1234."
                }
            )


class Counter(models.Model):
    """Per-clinic monotonic counters (MRNs, product sequence numbers). Never reused."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="counter_unique_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}:{self.name}={self.value}"
