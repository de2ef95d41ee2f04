"""Chain of custody: every hand-off is a scan recording from, to, when, where, seal,
who released and who received. A container is only usable where the record says it is."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal
from marrowtrack.lab.models import Container, CustodyEvent, Location
from marrowtrack.lab.procedure_day import Encounter
from marrowtrack.lab.services.containers import OPEN_STATUSES, container_for_scan

L = Location
MOVES = {
    (L.PROCEDURE_ROOM, L.IN_TRANSIT),
    (L.IN_TRANSIT, L.LAB),
    (L.PROCEDURE_ROOM, L.LAB),
    (L.LAB, L.PROCEDURE_ROOM),
}
PLACES = {L.PROCEDURE_ROOM: "Procedure room", L.IN_TRANSIT: "Corridor", L.LAB: "Processing lab"}


def require_at(container: Container, location: str, action: str) -> None:
    """Refuse to ``action`` a container that is not where its custody record says."""
    if container.location != location:
        raise SafetyRefusal(
            f"STOP: container {container.din_display} is recorded at "
            f"'{container.get_location_display()}', not '{Location(location).label}'. "
            f"Record the hand-off scan before you {action}."
        )
    if container.seal_broken:
        raise SafetyRefusal(f"STOP: the seal of {container.din_display} was found broken.")


def custody_transfer(
    *,
    container: Container,
    to_location: str,
    released_by: User,
    received_by: User,
    seal_intact: bool,
    place: str = "",
) -> CustodyEvent:
    """Record one hand-off inside the caller's transaction."""
    source = Location(container.location)
    if container.status not in OPEN_STATUSES:
        raise SafetyRefusal(f"{container.din_display} is {container.get_status_display()}.")
    if (source, Location(to_location)) not in MOVES:
        raise DomainError(
            f"{container.din_display} cannot go from {source.label} to "
            f"{Location(to_location).label}."
        )
    if container.kind == Container.Kind.CONCENTRATE and container.status != "released":
        raise SafetyRefusal(f"STOP: {container.din_display} is not released; it stays in the lab.")
    if not seal_intact:
        raise SafetyRefusal(
            f"STOP: seal of {container.din_display} not intact. Do not use it; "
            "a physician decides whether the product is discarded."
        )
    event = CustodyEvent.objects.create(
        container=container,
        from_location=source,
        to_location=to_location,
        at=clock.now(),
        place=place or PLACES.get(Location(to_location), ""),
        seal_intact=True,
        released_by=released_by,
        received_by=received_by,
    )
    container.location = to_location
    container.save(update_fields=["location", "updated_at"])
    event_record(
        actor=received_by,
        action=AuditAction.UPDATE,
        target=container,
        changes={
            "location": [source.value, to_location],
            "released_by": released_by.printed_name,
            "received_by": received_by.printed_name,
            "seal_intact": True,
        },
        patient_public_id=container.patient.public_id,
    )
    return event


def _own_container(encounter: Encounter, scan: str, kind: str) -> Container:
    if not scan.strip():
        return Container.objects.select_related("patient").get(encounter=encounter, kind=kind)
    container = container_for_scan(clinic_id=encounter.clinic_id, scan=scan)
    if container.encounter_id != encounter.pk:
        raise SafetyRefusal(
            f"STOP: container {container.din_display} belongs to ANOTHER PATIENT's procedure, "
            "not this one. Return it and scan this patient's container."
        )
    if container.kind != kind:
        raise SafetyRefusal(f"{container.din_display} is not the {Container.Kind(kind).label}.")
    return container


def custody_dispatch_aspirate(
    *, encounter: Encounter, by: User, scan: str, seal_intact: bool
) -> CustodyEvent:
    """Procedure room -> in transit (the clinician carrying it releases and holds it)."""
    container = _own_container(encounter, scan, Container.Kind.ASPIRATE)
    return custody_transfer(
        container=container,
        to_location=L.IN_TRANSIT,
        released_by=by,
        received_by=by,
        seal_intact=seal_intact,
    )


def custody_receive_aspirate(
    *, encounter: Encounter, by: User, scan: str, seal_intact: bool
) -> CustodyEvent:
    """In transit -> lab: the lab receives from whoever carried it (a scan is required)."""
    if not scan.strip():
        raise DomainError("Scan the aspirate's DIN to receive it.", field="din_scan")
    container = _own_container(encounter, scan, Container.Kind.ASPIRATE)
    require_at(container, L.IN_TRANSIT, "receive it")
    carrier = container.custody.order_by("-at").first()
    return custody_transfer(
        container=container,
        to_location=L.LAB,
        released_by=carrier.received_by if carrier else by,
        received_by=by,
        seal_intact=seal_intact,
    )


def custody_scan(
    *,
    by: User,
    scan: str,
    to_location: str,
    received_by: User,
    seal_intact: bool,
    place: str = "",
) -> CustodyEvent:
    """A hand-off scan (e.g. released syringes from the lab to the procedure room)."""
    container = container_for_scan(clinic_id=by.clinic_id, scan=scan)
    if received_by.clinic_id != by.clinic_id:
        raise DomainError("The receiver must work in this clinic.")
    with audited_refusals(
        by=by,
        target=container,
        patient_public_id=container.patient.public_id,
        changes={"scan": scan, "to": to_location},
    ):
        with transaction.atomic():
            return custody_transfer(
                container=container,
                to_location=to_location,
                released_by=by,
                received_by=received_by,
                seal_intact=seal_intact,
                place=place,
            )
