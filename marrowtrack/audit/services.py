"""Writing and checking the audit trail. Call `event_record` inside the clinical write's
transaction so the change and its audit entry commit (or roll back) together."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from django.db import models, transaction

from marrowtrack.audit.chain import GENESIS_HASH, canonical_timestamp, entry_hash
from marrowtrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic

Changes = Mapping[str, tuple[Any, Any] | list[Any]]


class Actor(Protocol):
    """The person an entry is attributed to: an ``accounts.User``. Audit sits below
    accounts in the layers (docs/decisions/0006-one-way-app-layers.md), so it names only
    what it reads."""

    pk: Any

    @property
    def printed_name(self) -> str: ...

    @property
    def clinic(self) -> Clinic | None: ...


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": canonical_timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "clinic_id": event.clinic_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "patient_id": event.patient_id,
        "changes": event.changes,
        "reason": event.reason,
    }


def _entity_name(target: models.Model | str) -> str:
    if isinstance(target, str):
        return target
    return f"{target._meta.app_label}.{target._meta.model_name}"


def event_record(
    *,
    actor: Actor | None,
    action: AuditAction | str,
    target: models.Model | str,
    changes: Changes | None = None,
    reason: str = "",
    clinic: Clinic | None = None,
    patient_public_id: UUID | str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one entry to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must be called inside transaction.atomic")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        sequence=head.last_sequence + 1,
        occurred_at=clock.now(),
        actor=actor,
        actor_label=actor_label or (actor.printed_name if actor else "system"),
        clinic=clinic or (actor.clinic if actor else None),
        action=str(action),
        entity=_entity_name(target),
        entity_id="" if isinstance(target, str) else str(getattr(target, "public_id", target.pk)),
        patient_id=str(patient_public_id or ""),
        changes=_jsonable(dict(changes or {})),
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.entry_hash = entry_hash(_hashed_fields(event), event.prev_hash)
    event.save()
    head.last_sequence, head.last_hash = event.sequence, event.entry_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def event_record_created(
    *,
    actor: Actor | None,
    target: models.Model,
    fields: tuple[str, ...],
    patient_public_id: UUID | str | None = None,
) -> AuditEvent:
    """Audit a new record: each listed field's value as [None, value]."""
    return event_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=target,
        changes={name: [None, getattr(target, name)] for name in fields},
        patient_public_id=patient_public_id,
    )


def diff(instance: models.Model, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Old and new values of the fields that actually change."""
    changes: dict[str, list[Any]] = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    message: str


def _problem(event: AuditEvent, expected_sequence: int, prev_hash: str) -> str | None:
    if event.sequence != expected_sequence:
        return f"entry #{expected_sequence} is missing (next entry found is #{event.sequence})"
    if event.prev_hash != prev_hash:
        return (
            f"entry #{event.sequence} does not follow entry #{expected_sequence - 1} (reordered?)"
        )
    if entry_hash(_hashed_fields(event), event.prev_hash) != event.entry_hash:
        return f"entry #{event.sequence} was altered (its hash does not match its contents)"
    return None


def _events_in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)


def audit_verify() -> VerifyResult:
    """Walk the chain from the first entry; report the first entry that breaks it."""
    prev_hash, expected, checked = GENESIS_HASH, 1, 0
    for event in _events_in_order():
        problem = _problem(event, expected, prev_hash)
        if problem:
            return VerifyResult(False, checked, problem)
        prev_hash, expected, checked = event.entry_hash, expected + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != checked or head.last_hash != prev_hash):
        return VerifyResult(
            False,
            checked,
            f"entries after #{checked} were removed (the chain head records #{head.last_sequence})",
        )
    return VerifyResult(True, checked, f"audit trail intact: {checked} entries verified")


def document_printed(
    *, by: Actor, target: models.Model, document: str, patient_public_id: UUID | str | None
) -> None:
    """Log that a document holding patient data was downloaded or printed."""
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.PRINT,
            target=target,
            changes={"document": document},
            patient_public_id=patient_public_id,
        )
