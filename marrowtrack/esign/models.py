"""Electronic signatures (21 CFR 11.50/11.70): printed name, time, meaning, and a hash of
the exact record content signed, so a signature cannot be moved to another record."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from marrowtrack.core import clock
from marrowtrack.core.models import BaseModel


class Signature(BaseModel):
    class Meaning(models.TextChoices):
        AUTHORED = "authored", "Authored"
        REVIEWED = "reviewed", "Reviewed"
        APPROVED = "approved", "Approved"
        VERIFIED = "verified", "Verified"
        WITNESSED = "witnessed", "Witnessed"
        RELEASED = "released", "Released"
        PERFORMED = "performed", "Performed"

    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=20, choices=Meaning.choices)
    statement = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField()
    record_type = models.CharField(max_length=80)
    record_id = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="signature_record")]

    def __str__(self) -> str:
        # The active zone: a staff page's is the user's clinic's (ADR 0025).
        return (
            f"{self.get_meaning_display()} by {self.printed_name} at {clock.stamp(self.signed_at)}"
        )
