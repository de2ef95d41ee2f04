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
    DENIED = "denied", "Denied (role, state or signature)"


class AuditChainHead(models.Model):
    """The latest entry of one chain. Each clinic has its own chain (so clinics never queue
    on one row); entries without a clinic (a failed log-in for an unknown name) go to the
    "system" chain, and entries written before per-clinic chains form the "legacy" chain.
    Locking the row serialises appends to that chain."""

    key = models.CharField(max_length=64, unique=True)
    clinic = models.OneToOneField(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain {self.key} at #{self.last_sequence}"


class AuditEvent(models.Model):
    """One entry of the trail. Rows are only ever inserted (see save/delete below).

    `action` is the category (create, update, sign ...); `name` says what happened in the
    domain's words (``encounter.transition``); `changes` is ``{field: {"old", "new"}}`` and
    `extra` holds any other facts. `hash_version` 1 marks entries hashed before names,
    `extra` and per-clinic chains existed (docs/decisions/0002-audit-trail.md)."""

    chain = models.ForeignKey(AuditChainHead, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Kept as text too, so the entry still names the person if the account is renamed.
    actor_label = models.CharField(max_length=200)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    name = models.CharField(max_length=80, blank=True)
    entity = models.CharField(max_length=80)
    entity_id = models.CharField(max_length=64, blank=True)
    patient_id = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    hash_version = models.PositiveSmallIntegerField(default=2)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence")
        ]
        indexes = [
            # The trail's order with the id as tie-breaker: a page is an index range.
            models.Index(fields=["clinic", "-occurred_at", "-id"], name="audit_clinic_order"),
            models.Index(fields=["entity", "entity_id"], name="audit_entity"),
            models.Index(fields=["name"], name="audit_name"),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.sequence} {self.name or self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit entries are append-only and cannot be deleted.")

    @property
    def change_rows(self) -> list[tuple[str, Any, Any]]:
        """(field, old, new) for display; legacy entries stored ``[old, new]`` or a value."""
        rows = []
        for field, value in (self.changes or {}).items():
            if isinstance(value, dict) and set(value) == {"old", "new"}:
                rows.append((field, value["old"], value["new"]))
            elif isinstance(value, list) and len(value) == 2:
                rows.append((field, value[0], value[1]))
            else:
                rows.append((field, None, value))
        return rows
