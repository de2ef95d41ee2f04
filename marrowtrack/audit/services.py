"""Writing the audit trail. Call `event_record` inside the clinical write's transaction so
the change and its audit entry commit (or roll back) together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Protocol
from uuid import UUID

from django.db import connections, models, router, transaction

from marrowtrack.audit.anchor import anchor_append
from marrowtrack.audit.chain import entry_hash, hashed_fields
from marrowtrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.prepared import PreparedInsert, PreparedSelect

# Callers may still pass the older `[old, new]` (or tuple) form; it is normalised below.
ChangeValue = tuple[Any, Any] | list[Any] | Mapping[str, Any]
Changes = Mapping[str, ChangeValue]
SYSTEM_CHAIN = "system"
LEGACY_CHAIN = "legacy"


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


def _is_change(value: Any) -> bool:
    if isinstance(value, Mapping):
        return set(value) == {"old", "new"}
    return isinstance(value, list | tuple) and len(value) == 2


def changes_normalise(
    changes: Changes | None, extra: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split what a caller passed into ``{field: {"old", "new"}}`` and `extra`.

    A two-item list or tuple (the older form) or an ``{"old", "new"}`` mapping is a change;
    any other value is a fact about the event and goes to `extra`. Lists of values that are
    not changes must be passed in `extra` explicitly."""
    fields: dict[str, Any] = {}
    facts: dict[str, Any] = dict(extra or {})
    for name, value in (changes or {}).items():
        if not _is_change(value):
            facts[name] = value
            continue
        old, new = (value["old"], value["new"]) if isinstance(value, Mapping) else value
        fields[name] = {"old": old, "new": new}
    return _jsonable(fields), _jsonable(facts)


def _entity_name(target: models.Model | str) -> str:
    if isinstance(target, str):
        return target
    return f"{target._meta.app_label}.{target._meta.model_name}"


def default_event_name(entity: str, action: str) -> str:
    """The name used when a caller gives none: the entity's last part and the category,
    e.g. ``treatmentplan.update`` or ``session.login``."""
    return f"{entity.rsplit('.', 1)[-1]}.{action}"[:80]


def chain_key_for(clinic: Clinic | None) -> str:
    return str(clinic.public_id) if clinic is not None else SYSTEM_CHAIN


# Every audited request locks its chain's head: the query is built once (core.prepared).
_HEAD_FOR_UPDATE = PreparedSelect(
    lambda key: AuditChainHead.objects.select_for_update().filter(key=key).order_by(),
    key=AuditChainHead._meta.get_field("key"),
)


_ENTRY_INSERT = PreparedInsert(AuditEvent)


def _locked_head(clinic: Clinic | None) -> AuditChainHead:
    key = chain_key_for(clinic)
    found = _HEAD_FOR_UPDATE.fetch(key=key)
    if found:
        return found[0]
    # A chain's first entry: get_or_create settles a race between two first entries.
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        key=key, defaults={"clinic": clinic}
    )
    return head


def _head_advance(head: AuditChainHead, event: AuditEvent) -> None:
    """The head now names the new entry. The row is locked (``_locked_head``) until the
    transaction ends, so no other entry of this chain came in between."""
    connection = connections[router.db_for_write(AuditChainHead)]
    table, sequence, hash_, pk = (
        connection.ops.quote_name(name)
        for name in (
            AuditChainHead._meta.db_table,
            *(AuditChainHead._meta.get_field(f).column for f in ("last_sequence", "last_hash")),
            AuditChainHead._meta.pk.column,
        )
    )
    # A statement of our own rather than `head.save(update_fields=...)`: the ORM built this
    # UPDATE anew on every audited request. Names from the model; values bound.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sequence} = %s, {hash_} = %s WHERE {pk} = %s",  # noqa: S608
            [event.sequence, event.entry_hash, head.pk],
        )
    head.last_sequence, head.last_hash = event.sequence, event.entry_hash


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
    name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry to the clinic's chain. Must run inside the caller's transaction.

    `action` is the category; `name` (e.g. ``encounter.transition``) defaults to
    `default_event_name`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must be called inside transaction.atomic")
    clinic = clinic or (actor.clinic if actor else None)
    head = _locked_head(clinic)
    entity = _entity_name(target)
    fields, facts = changes_normalise(changes, extra)
    event = AuditEvent(
        chain=head,
        sequence=head.last_sequence + 1,
        occurred_at=clock.now(),
        actor=actor,
        actor_label=actor_label or (actor.printed_name if actor else "system"),
        clinic=clinic,
        action=str(action),
        name=name or default_event_name(entity, str(action)),
        entity=entity,
        entity_id="" if isinstance(target, str) else str(getattr(target, "public_id", target.pk)),
        patient_id=str(patient_public_id or ""),
        changes=fields,
        extra=facts,
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.entry_hash = entry_hash(hashed_fields(event, chain_key=head.key), event.prev_hash)
    _ENTRY_INSERT.insert(event)  # what event.save() does, its INSERT built once
    _head_advance(head, event)
    transaction.on_commit(
        partial(
            anchor_append, chain_key=head.key, sequence=event.sequence, entry_hash=event.entry_hash
        ),
        robust=True,
    )
    return event


def event_record_created(
    *,
    actor: Actor | None,
    target: models.Model,
    fields: tuple[str, ...],
    patient_public_id: UUID | str | None = None,
) -> AuditEvent:
    """Audit a new record: each listed field's value as a change from None."""
    return event_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=target,
        changes={name: (None, getattr(target, name)) for name in fields},
        patient_public_id=patient_public_id,
    )


def diff(instance: models.Model, new_values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Old and new values of the fields that actually change."""
    changes: dict[str, dict[str, Any]] = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = {"old": _jsonable(old), "new": _jsonable(new)}
    return changes


def document_printed(
    *, by: Actor, target: models.Model, document: str, patient_public_id: UUID | str | None
) -> None:
    """Log that a document holding patient data was downloaded or printed."""
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.PRINT,
            target=target,
            extra={"document": document},
            patient_public_id=patient_public_id,
        )
