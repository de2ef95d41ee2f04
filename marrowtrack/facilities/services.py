"""The clinic administrator's writes to rooms, equipment and kit lots, each audited in its
own transaction; and the lab's use of one kit, checked and counted in the caller's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import diff, event_record
from marrowtrack.audit.versions import version_check, version_save
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.facilities.models import DUPLICATE_IN_CLINIC, Equipment, KitLot, Room

ADMINS = frozenset({Role.CLINIC_ADMIN})
ROOM_FIELDS = ("name", "kind", "has_fluoroscopy", "has_ultrasound", "active")
EQUIPMENT_FIELDS = ("name", "kind", "serial_number", "rotor_radius_cm", "calibration_due", "active")
KIT_LOT_FIELDS = ("device", "lot_number", "expires_on", "received_on", "quantity_received")
M = TypeVar("M", Room, Equipment, KitLot)


def _save(
    *,
    by: User,
    instance: M,
    data: Mapping[str, Any],
    fields: tuple[str, ...],
    version: int | None,
) -> M:
    """Create or update one record of the administrator's clinic, audited (old -> new). An
    update names the `version` it was made from: a stale one is refused (decision 0021)."""
    require_role(by, ADMINS, "manage rooms, equipment and kit lots")
    creating = instance.pk is None
    if creating:
        instance.clinic = staff_clinic(by)
    require_same_clinic(by, instance.clinic_id)
    if not creating and version is None:
        raise ValidationFailed({"version": ["Say which version of the record you edited."]})
    values = {name: data[name] for name in fields if name in data}
    try:
        with transaction.atomic():
            if creating:
                _create(by=by, instance=instance, values=values)
            else:
                instance = _edit(
                    by=by, instance=instance, values=values, fields=fields, read=version
                )
    except IntegrityError as exc:  # a concurrent save took the same name first
        raise ValidationFailed({instance.code_field: [_duplicate_message(instance)]}) from exc
    return instance


def _duplicate_message(instance: M) -> str:
    """The words of the model's unique-in-clinic constraint, said beside the naming field."""
    for constraint in instance._meta.constraints:
        if getattr(constraint, "violation_error_code", None) == DUPLICATE_IN_CLINIC:
            return str(constraint.violation_error_message)
    return "This is already used in your clinic."


def _create(*, by: User, instance: M, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(instance, name, value)
    validated(instance)
    instance.save()
    changes = {name: (None, value) for name, value in values.items()}
    event_record(actor=by, action=AuditAction.CREATE, target=instance, changes=changes)


def _edit(
    *, by: User, instance: M, values: dict[str, Any], fields: tuple[str, ...], read: Any
) -> M:
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    version_check(locked, read=read, fields=fields)
    changes: dict[str, Any] = diff(locked, values)
    for name, value in values.items():
        setattr(locked, name, value)
    validated(locked)
    if changes:
        version_save(locked, read=read, fields=list(changes), shown=fields)
        changes["version"] = [read, locked.version]
        event_record(actor=by, action=AuditAction.UPDATE, target=locked, changes=changes)
    return locked


def room_save(
    *, by: User, data: Mapping[str, Any], room: Room | None = None, version: int | None = None
) -> Room:
    return _save(by=by, instance=room or Room(), data=data, fields=ROOM_FIELDS, version=version)


def equipment_save(
    *,
    by: User,
    data: Mapping[str, Any],
    equipment: Equipment | None = None,
    version: int | None = None,
) -> Equipment:
    """A centrifuge needs its rotor radius (RCF is computed from rpm, docs/reference.md §2)."""
    kind = data.get("kind", equipment.kind if equipment else "")
    radius = data.get("rotor_radius_cm", equipment.rotor_radius_cm if equipment else None)
    if kind == Equipment.Kind.CENTRIFUGE and not radius:
        raise ValidationFailed(
            {"rotor_radius_cm": ["A centrifuge needs its rotor radius (cm) to compute RCF."]}
        )
    instance = equipment or Equipment()
    return _save(by=by, instance=instance, data=data, fields=EQUIPMENT_FIELDS, version=version)


def kit_lot_save(
    *, by: User, data: Mapping[str, Any], lot: KitLot | None = None, version: int | None = None
) -> KitLot:
    """Receive a kit lot into stock, or correct its details."""
    expires, received = data.get("expires_on"), data.get("received_on")
    if expires and received and expires < received:
        raise ValidationFailed({"expires_on": ["The lot expires before it was received."]})
    return _save(by=by, instance=lot or KitLot(), data=data, fields=KIT_LOT_FIELDS, version=version)


STATUS_MOVES = {
    (KitLot.Status.AVAILABLE, KitLot.Status.RECALLED),
    (KitLot.Status.AVAILABLE, KitLot.Status.WITHDRAWN),
    (KitLot.Status.WITHDRAWN, KitLot.Status.RECALLED),
    (KitLot.Status.WITHDRAWN, KitLot.Status.AVAILABLE),
}


def kit_lot_status_set(*, by: User, lot: KitLot, status: str, reason: str) -> KitLot:
    """Recall a lot, withdraw it from use, or return a withdrawn lot to use. A recall is
    final: a recalled lot is never selectable again."""
    require_role(by, ADMINS, "recall or withdraw a kit lot")
    require_same_clinic(by, lot.clinic_id)
    if (lot.status, status) not in STATUS_MOVES:
        raise DomainError(
            f"Lot {lot.lot_number} is {lot.get_status_display().lower()}; it cannot become "
            f"{KitLot.Status(status).label.lower() if status in KitLot.Status.values else status}."
        )
    if len(reason.strip()) < 3:
        raise ValidationFailed({"reason": ["Give the reason (e.g. the recall notice)."]})
    old = lot.status
    lot.status, lot.status_reason = status, reason.strip()[:300]
    with transaction.atomic():
        lot.save(update_fields=["status", "status_reason", "updated_at"])
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=lot,
            changes={"status": (old, status)},
            reason=lot.status_reason,
        )
    return lot


def kit_lot_use(*, lot: KitLot, by: User, today: date) -> KitLot:
    """Take one kit of the lot for a processing run, inside the caller's transaction: the
    row is locked so two runs cannot take the last kit; an expired, recalled, withdrawn or
    empty lot is refused (a hard stop)."""
    locked = KitLot.objects.select_for_update().get(pk=lot.pk)
    if locked.clinic_id != by.clinic_id:
        raise ValidationFailed({"kit_lot": ["Choose a kit lot of this clinic."]})
    reason = locked.unusable_reason(today)
    if reason:
        raise SafetyRefusal(f"{reason} Use another kit lot.")
    locked.quantity_used += 1
    locked.save(update_fields=["quantity_used", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=locked,
        name="kitlot.use",
        changes={"quantity_used": (locked.quantity_used - 1, locked.quantity_used)},
    )
    return locked
