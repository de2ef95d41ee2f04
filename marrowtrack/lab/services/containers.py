"""Containers (aspirate tubes, concentrate syringes) and their ISBT 128 DINs."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.core.services import counter_next
from marrowtrack.lab.isbt128 import InvalidDIN, din_format, parse_scan
from marrowtrack.lab.models import Container, Location
from marrowtrack.lab.procedure_day import Encounter, Harvest

DEFAULT_HOLD_HOURS = 4

OPEN_STATUSES = (
    Container.Status.COLLECTED,
    Container.Status.PROCESSED,
    Container.Status.RELEASED,
)


def din_allocate(*, clinic: Clinic, at: datetime) -> str:
    """Next DIN: facility code + 2-digit year + a per-clinic, per-year sequence that is
    never reused (``core.counter_next`` locks the counter row)."""
    year = timezone.localtime(at).year % 100
    sequence = counter_next(clinic=clinic, name=f"din-{year:02d}")
    return din_format(clinic.facility_code, year, sequence)


def hold_hours() -> float:
    """Clinic hold limit, end of harvest to injection (spec §0, default 4 h); the lab owns
    product expiry. ``MARROWTRACK_HOLD_HOURS`` overrides it."""
    return float(getattr(settings, "MARROWTRACK_HOLD_HOURS", DEFAULT_HOLD_HOURS))


def expiry_for(harvest_ended_at: datetime) -> datetime:
    """Expiry = end of harvest + the clinic hold limit (``MARROWTRACK_HOLD_HOURS``)."""
    return harvest_ended_at + timedelta(hours=hold_hours())


def container_create(
    *,
    encounter: Encounter,
    kind: str,
    volume_ml: Decimal,
    collected_at: datetime,
    by: User,
    location: str,
    status: str,
    **extra: object,
) -> Container:
    """Create a labelled container with a fresh DIN, in the caller's transaction."""
    clinic = encounter.clinic
    container = Container.objects.create(
        clinic=clinic,
        patient=encounter.patient,
        encounter=encounter,
        kind=kind,
        din=din_allocate(clinic=clinic, at=collected_at),
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
        changes={"din": container.din, "kind": kind, "volume_ml": volume_ml},
        patient_public_id=container.patient.public_id,
    )
    return container


def aspirate_create(*, encounter: Encounter, harvest: Harvest, by: User) -> Container:
    volume = harvest.aspirate_ml + harvest.anticoagulant_ml
    return container_create(
        encounter=encounter,
        kind=Container.Kind.ASPIRATE,
        volume_ml=volume,
        collected_at=harvest.ended_at,
        by=by,
        location=Location.PROCEDURE_ROOM,
        status=Container.Status.COLLECTED,
    )


def container_for_scan(*, clinic_id: int, scan: str) -> Container:
    """The container a scan (barcode, bare DIN or DIN + check character) names."""
    try:
        din = parse_scan(scan)
    except InvalidDIN as exc:
        raise ValidationFailed({"din_scan": [exc.message]}) from exc
    container = (
        Container.objects.select_related("patient", "encounter", "encounter__plan")
        .filter(din=din, clinic_id=clinic_id)
        .first()
    )
    if container is None:
        raise DomainError(
            f"No container with DIN {din} is registered in this clinic.", field="din_scan"
        )
    return container


def _discard(container: Container, by: User, reason: str) -> None:
    old = container.status
    container.status, container.location = Container.Status.DISCARDED, Location.DISCARDED
    container.discard_reason = reason[:300]
    container.save(update_fields=["status", "location", "discard_reason", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.UPDATE,
        target=container,
        changes={"status": [old, container.status]},
        reason=reason[:500],
        patient_public_id=container.patient.public_id,
    )


def container_discard(*, container: Container, by: User, reason: str) -> Container:
    """Record unused product as discarded, with the reason; never deleted."""
    if container.status not in OPEN_STATUSES:
        raise DomainError(f"{container.din_display} is {container.get_status_display()}.")
    if len(reason.strip()) < 3:
        raise ValidationFailed({"reason": ["Give the reason for discarding."]})
    if by.clinic_id != container.clinic_id:
        raise DomainError("This container belongs to another clinic.")
    with transaction.atomic():
        _discard(container, by, reason.strip())
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


def is_expired(container: Container, at: datetime | None = None) -> bool:
    return (at or clock.now()) > container.expires_at
