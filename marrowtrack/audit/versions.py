"""Refusing a stale edit with who changed the record and when, from the audit trail.

The services that edit a versioned record call `version_check` right after locking the row
(so a stale edit is refused before any other work) and write with `version_save` (the
conditional UPDATE of `core.versioning`). docs/decisions/0021-no-lost-updates.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import StaleEdit
from marrowtrack.core.versioning import current_values, version_update

WRITES = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.ARCHIVE, AuditAction.SIGN)


@dataclass(frozen=True)
class LastChange:
    by: str
    at: datetime


def last_change(instance: models.Model) -> LastChange | None:
    """The latest write to the record on the audit trail (edits record their version)."""
    entity = f"{instance._meta.app_label}.{instance._meta.model_name}"
    entries = AuditEvent.objects.filter(
        entity=entity, entity_id=str(getattr(instance, "public_id", instance.pk))
    )
    event = (
        entries.filter(changes__has_key="version").order_by("-occurred_at", "-id").first()
        or entries.filter(action__in=WRITES).order_by("-occurred_at", "-id").first()
    )
    return LastChange(event.actor_label, event.occurred_at) if event else None


def _label(instance: models.Model) -> str:
    return str(instance._meta.verbose_name)


def stale_edit(instance: models.Model, *, read: int, fields: Iterable[str]) -> StaleEdit:
    """The refusal for an edit made from version `read` of a record now at another one."""
    change = last_change(instance)
    clinic = getattr(instance, "clinic", None) or getattr(
        getattr(instance, "patient", None), "clinic", None
    )
    who = (
        f" by {change.by} at {clock.localtime(change.at, clinic):%Y-%m-%d %H:%M}" if change else ""
    )
    message = (
        f"This {_label(instance)} was changed{who} after you opened it (you edited version "
        f"{read}; it is now version {instance.version}). Nothing was saved: review the current "
        "values and make your change again."
    )
    return StaleEdit(
        message,
        current=current_values(instance, fields),
        version=instance.version,
        changed_by=change.by if change else "",
        changed_at=change.at if change else None,
    )


def version_check(instance: models.Model, *, read: int, fields: Iterable[str]) -> None:
    """Refuse the edit when the record (read under lock) is no longer at version `read`."""
    if instance.version != read:
        raise stale_edit(instance, read=read, fields=fields)


def version_save(
    instance: models.Model, *, read: int, fields: Iterable[str], shown: Iterable[str] = ()
) -> int:
    """Write `fields` only if the row is still at version `read`; return the new version.
    A row that moved on (a writer that did not lock) is refused the same way, showing the
    current values of `shown` (default: `fields`)."""
    names = list(fields)
    if not version_update(instance, expected=read, fields=names):
        fresh = type(instance)._base_manager.get(pk=instance.pk)
        raise stale_edit(fresh, read=read, fields=list(shown) or names)
    return instance.version
