"""Containers (the aspirate tube, concentrate syringes), their ISBT 128 identification and
expiry, and finding the container a label entry names."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.core.services import counter_next
from marrowtrack.lab.isbt128 import (
    InvalidDIN,
    LabelRead,
    din_format,
    local_product,
    product_code,
    read_label,
)
from marrowtrack.lab.models import Container, Location
from marrowtrack.lab.procedure_day import Encounter, Harvest

DEFAULT_HOLD_HOURS = 4

OPEN_STATUSES = (
    Container.Status.COLLECTED,
    Container.Status.PROCESSED,
    Container.Status.RELEASED,
)


def din_allocate(*, clinic: Clinic, at: datetime) -> str:
    """Next DIN: facility code + the clinic-local 2-digit year + a per-clinic, per-year
    sequence that is never reused (``core.counter_next`` locks the counter row)."""
    year = clock.localtime(at, clinic).year % 100
    sequence = counter_next(clinic=clinic, name=f"din-{year:02d}")
    try:
        return din_format(clinic.facility_code, year, sequence)
    except InvalidDIN as exc:
        raise DomainError(f"{clinic.name}: {exc.message}") from exc


def hold_hours() -> float:
    """Clinic hold limit, end of harvest to injection (docs/reference.md §0, default 4 h); the
    lab owns product expiry. ``MARROWTRACK_HOLD_HOURS`` overrides it."""
    return float(getattr(settings, "MARROWTRACK_HOLD_HOURS", DEFAULT_HOLD_HOURS))


def expiry_for(harvest_ended_at: datetime) -> datetime:
    """Expiry = end of harvest + the clinic hold limit (``MARROWTRACK_HOLD_HOURS``)."""
    return harvest_ended_at + timedelta(hours=hold_hours())


def collection_time(harvest_ended_at: datetime) -> datetime:
    """The end of harvest the expiry counts from, bounded by the server's clock: a harvest
    typed as ending in the future cannot push the product's expiry out (issue 11, item 2).
    The aspirate is labelled when the harvest is recorded, so it ended no later than now."""
    return min(harvest_ended_at, clock.now())


def container_create(
    *,
    encounter: Encounter,
    kind: str,
    din: str,
    code: str,
    volume_ml: Decimal,
    collected_at: datetime,
    by: User,
    location: str,
    status: str,
    **extra: object,
) -> Container:
    """Create a labelled container in the caller's transaction."""
    container = Container.objects.create(
        clinic=encounter.clinic,
        patient=encounter.patient,
        encounter=encounter,
        kind=kind,
        din=din,
        product_code=code,
        volume_ml=volume_ml,
        collected_at=collected_at,
        expires_at=expiry_for(collected_at),
        location=location,
        status=status,
        **extra,
    )
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=container,
        changes={
            "din": (None, container.din),
            "product_code": (None, code),
            "kind": (None, kind),
            "volume_ml": (None, volume_ml),
            "expires_at": (None, container.expires_at),
        },
        patient_public_id=container.patient.public_id,
    )
    return container


def aspirate_create(*, encounter: Encounter, harvest: Harvest, by: User) -> Container:
    """Label the aspirate tube with the collection's new DIN (division 00: not divided)."""
    collected = collection_time(harvest.ended_at)
    try:
        description = local_product(Container.Kind.ASPIRATE, harvest.anticoagulant)
    except InvalidDIN as exc:
        raise ValidationFailed({"anticoagulant": [exc.message]}) from exc
    return container_create(
        encounter=encounter,
        kind=Container.Kind.ASPIRATE,
        din=din_allocate(clinic=encounter.clinic, at=collected),
        code=product_code(description.code),
        volume_ml=harvest.aspirate_ml + harvest.anticoagulant_ml,
        collected_at=collected,
        by=by,
        location=Location.PROCEDURE_ROOM,
        status=Container.Status.COLLECTED,
        collected_from=harvest.get_side_display()[:60],
    )


def label_read(din_entry: str, product_entry: str = "", *, field: str = "din_scan") -> LabelRead:
    """What a person entered at a label; a malformed entry is a field error."""
    try:
        return read_label(din_entry, product_entry)
    except InvalidDIN as exc:
        raise ValidationFailed({field: [exc.message]}) from exc


def container_for_label(*, clinic_id: int, read: LabelRead, field: str = "din_scan") -> Container:
    """The one container of this clinic a label read names. A DIN alone names the whole
    collection; once the aspirate has been divided the product code must be entered too."""
    found = list(
        Container.objects.select_related("patient", "encounter", "encounter__plan").filter(
            clinic_id=clinic_id,
            din=read.din,
            **({"product_code": read.product_code} if read.product_code else {}),
        )[:3]
    )
    code = f" and product code {read.product_code}" if read.product_code else ""
    if not found:
        raise DomainError(f"No container with DIN {read.din}{code} in this clinic.", field=field)
    if len(found) > 1:
        raise DomainError(
            f"DIN {read.din} is on {len(found)} or more containers (the aspirate and its "
            "syringes): scan the product code barcode too.",
            field="product_scan",
        )
    return found[0]


def container_for_entry(
    *, clinic_id: int, din_entry: str, product_entry: str = "", field: str = "din_scan"
) -> tuple[Container, LabelRead]:
    read = label_read(din_entry, product_entry, field=field)
    return container_for_label(clinic_id=clinic_id, read=read, field=field), read


def _discard(container: Container, by: User, reason: str) -> None:
    old = (container.status, container.location)
    container.status, container.location = Container.Status.DISCARDED, Location.DISCARDED
    container.discard_reason = reason[:300]
    container.save(update_fields=["status", "location", "discard_reason", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=container,
        name="container.discard",
        changes={"status": (old[0], container.status), "location": (old[1], container.location)},
        reason=reason[:500],
        patient_public_id=container.patient.public_id,
    )


def container_discard(*, container: Container, by: User, reason: str) -> Container:
    """Record unused product as discarded, with the reason; never deleted."""
    if by.clinic_id != container.clinic_id:
        raise DomainError("This container belongs to another clinic.")
    if len(reason.strip()) < 3:
        raise ValidationFailed({"reason": ["Give the reason for discarding."]})
    with transaction.atomic():
        locked = (
            Container.objects.select_for_update().select_related("patient").get(pk=container.pk)
        )
        if locked.status not in OPEN_STATUSES:
            raise DomainError(f"{locked.din_display} is {locked.get_status_display()}.")
        _discard(locked, by, reason.strip())
    container.refresh_from_db()
    return container


def containers_discard_unused(*, encounter: Encounter, by: User, reason: str) -> int:
    containers = Container.objects.select_related("patient").filter(
        encounter=encounter, status__in=OPEN_STATUSES
    )
    count = 0
    for container in containers:
        _discard(container, by, reason)
        count += 1
    return count


def is_expired(container: Container) -> bool:
    """Past the hold limit by the server's clock, never by a time a person typed."""
    return clock.now() > container.expires_at
