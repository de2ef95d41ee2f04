"""The append-only, hash-chained audit trail (21 CFR 11.10(e), HIPAA 164.312(b))."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from marrowtrack.core.models import Clinic


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    READ = "read", "Read"
    UPDATE = "update", "Update"
    ARCHIVE = "archive", "Archive"
    SIGN = "sign", "Sign"
    PRINT = "print", "Print"
    EXPORT = "export", "Export"
    LOGIN = "login", "Log in"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    LOGOUT = "logout", "Log out"
    REFUSED = "refused", "Refused by a safety rule"


class AuditEvent(models.Model):
    """One entry of the trail. Rows are only ever inserted (see save/delete below)."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Kept as text too, so the entry still names the person if the account is renamed.
    actor_label = models.CharField(max_length=200)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    entity = models.CharField(max_length=80)
    entity_id = models.CharField(max_length=64, blank=True)
    patient_id = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["clinic", "-sequence"], name="audit_clinic_seq"),
            models.Index(fields=["entity", "entity_id"], name="audit_entity"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.entity} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are append-only and cannot be deleted.")


class AuditChainHead(models.Model):
    """A single row holding the latest sequence and hash; locking it serialises appends."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_sequence}"
