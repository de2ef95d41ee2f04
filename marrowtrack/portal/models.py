"""Patient identity in the portal: an optional password, sessions tied to one patient, and
sign-in attempts for rate limiting (docs/decisions/0009-patient-portal-identity.md).

Patients are not staff ``User``s: a portal session is its own row and its own cookie, so
it can never open a staff page, and a staff session never shows patient pages.
"""

from __future__ import annotations

from django.db import models

from marrowtrack.core.models import BaseModel
from marrowtrack.patients.models import Patient


class PortalAccount(BaseModel):
    """Exists once the patient sets a password; sign-in by link needs no account."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="portal_account")
    password = models.CharField(max_length=128)  # Django's hasher format (Argon2 in production)
    password_set_at = models.DateTimeField()

    class Meta:
        permissions = [("send_portal_link", "Can send a patient a portal sign-in link")]

    def __str__(self) -> str:
        return f"Portal account of {self.patient}"


class PortalSession(BaseModel):
    class Method(models.TextChoices):
        LINK = "link", "Single-use link"
        PASSWORD = "password", "Password"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="portal_sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Portal session of {self.patient} ({self.method})"


class SignInAttempt(models.Model):
    """Link requests and password attempts, by a keyed hash of the identifier and address,
    counted for rate limits. Neither the email/phone nor the IP address is stored."""

    class Kind(models.TextChoices):
        LINK_REQUEST = "link_request", "Link requested"
        PASSWORD = "password", "Password"

    kind = models.CharField(max_length=14, choices=Kind.choices)
    identifier_hash = models.CharField(max_length=64)
    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "identifier_hash", "at"], name="signin_identifier"),
            models.Index(fields=["kind", "address_hash", "at"], name="signin_address"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
