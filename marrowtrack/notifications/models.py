"""Messages to patients (email and SMS), every delivery attempt, contact preferences,
clinic quiet hours and the single-use sign-in links that messages carry.

A message is a row before it is a send: the row, its audit entry and the queued task commit
together, and the worker moves it QUEUED -> SENDING -> SENT (or FAILED / SKIPPED) with a
log entry for every attempt (docs/decisions/0010-notifications-exactly-once.md).
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q

from marrowtrack.core.models import BaseModel, Clinic
from marrowtrack.patients.models import Patient


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class ContactPreference(BaseModel):
    """How a patient wants to be reached. Without a row: email if known, else SMS."""

    class Choice(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message (SMS)"
        NONE = "none", "No messages"

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="contact_preference"
    )
    channel = models.CharField(max_length=10, choices=Choice.choices)

    def __str__(self) -> str:
        return f"{self.patient}: {self.get_channel_display()}"


class QuietHours(BaseModel):
    """A clinic's quiet hours in its own time zone; unsolicited messages wait until they end.
    Without a row the clinic uses MARROWTRACK_QUIET_HOURS (default 21:00-08:00)."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="quiet_hours")
    starts = models.TimeField(default=time(21, 0))
    ends = models.TimeField(default=time(8, 0))

    class Meta:
        verbose_name_plural = "quiet hours"

    def __str__(self) -> str:
        return f"{self.clinic}: quiet {self.starts:%H:%M}-{self.ends:%H:%M}"


class AccessLink(BaseModel):
    """A single-use, expiring sign-in link for the patient portal. The token is a signature
    of the public id (``notifications.links``), so no secret is stored anywhere."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_links")
    purpose = models.CharField(max_length=60)
    target = models.CharField(max_length=200, help_text="Portal page opened after sign-in")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"], name="accesslink_patient")]

    def __str__(self) -> str:
        return f"Sign-in link ({self.purpose}) expires {self.expires_at:%Y-%m-%d %H:%M}"


class Message(BaseModel):
    """One message to one patient on one channel; (purpose, about) makes it exist once."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        SKIPPED = "skipped", "Skipped"
        UNCONFIRMED = "unconfirmed", "Unconfirmed (worker stopped mid-send)"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="messages")
    purpose = models.CharField(max_length=60)
    about = models.CharField(max_length=120, help_text="What the message is about, e.g. a check-in")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=200)
    # Rendered in the patient's language; "{link}" is filled in at send time.
    body = models.TextField()
    link = models.ForeignKey(
        AccessLink, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    quiet_hours = models.BooleanField(
        default=True, help_text="Unsolicited: waits for the end of the clinic's quiet hours"
    )
    not_before = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_ref = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "about"], name="message_once_per_about"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "not_before"], name="message_status_due"),
            models.Index(fields=["patient", "created_at"], name="message_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} to {self.get_channel_display()} ({self.get_status_display()})"


class DeliveryLog(models.Model):
    """Every attempt and decision about a message: sent, failed, retried, skipped, deferred."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        RETRY = "retry", "Failed, will retry"
        SKIPPED = "skipped", "Skipped"
        DEFERRED = "deferred", "Deferred (quiet hours)"
        CONFIRMED = "confirmed", "Confirmed sent after a restart"
        REQUEUED = "requeued", "Re-queued after a restart"
        UNCONFIRMED = "unconfirmed", "Unconfirmed after a restart (not resent)"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField()
    attempt = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
