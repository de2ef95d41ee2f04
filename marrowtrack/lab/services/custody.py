"""Chain of custody: every hand-off records from, to, when, where, seal, who released and
who received, and how the label was read. A container is only usable where the record
says it is.

The receiver authenticates (issue 9, item 8): either the receiver is the person signed in
and recording the scan, or the receiver re-authenticates through ``esign`` with their own
password (and code) — a typed username alone receives nothing. Who may receive depends on
where the container goes: a clinician at the bedside, a lab technologist in the lab.
"""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.lab.models import Container, CustodyEvent, Location
from marrowtrack.lab.procedure_day import Encounter
from marrowtrack.lab.services.containers import OPEN_STATUSES, container_for_entry

L = Location
MOVES = {
    (L.PROCEDURE_ROOM, L.IN_TRANSIT),
    (L.IN_TRANSIT, L.LAB),
    (L.PROCEDURE_ROOM, L.LAB),
    (L.LAB, L.PROCEDURE_ROOM),
}
PLACES = {L.PROCEDURE_ROOM: "Procedure room", L.IN_TRANSIT: "Corridor", L.LAB: "Processing lab"}
CLINICIANS = frozenset({Role.NURSE, Role.PHYSICIAN})
RECEIVERS: dict[str, frozenset[Role]] = {
    L.PROCEDURE_ROOM: CLINICIANS,
    L.IN_TRANSIT: CLINICIANS | {Role.LAB_TECH},
    L.LAB: frozenset({Role.LAB_TECH}),
}


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


def receiver_confirm(
    *, by: User, username: str, password: str, totp: str | None = None
) -> tuple[User, str]:
    """The receiver of a hand-off and how they confirmed it: the person signed in, or
    another person re-authenticated by ``esign`` (failures count toward their lockout)."""
    if not username.strip() or username.strip() == by.username:
        return by, CustodyEvent.Receipt.SESSION
    receiver = cosigner_authenticate(
        by=by, username=username, password=password, totp=totp, field="receiver_password"
    )
    return receiver, CustodyEvent.Receipt.PASSWORD


def _check_move(container: Container, to_location: str, receiver: User) -> None:
    source, target = Location(container.location), Location(to_location)
    if container.status not in OPEN_STATUSES:
        raise SafetyRefusal(f"{container.din_display} is {container.get_status_display()}.")
    if (source, target) not in MOVES:
        raise DomainError(
            f"{container.din_display} cannot go from {source.label} to {target.label}."
        )
    if container.kind == Container.Kind.CONCENTRATE and container.status != "released":
        raise SafetyRefusal(f"STOP: {container.din_display} is not released; it stays in the lab.")
    allowed = RECEIVERS.get(target, frozenset())
    if not user_roles(receiver) & allowed:
        names = ", ".join(sorted(role.label.lower() for role in allowed))
        raise ValidationFailed({"received_by": [f"Only a {names} can receive it there."]})


def custody_transfer(
    *,
    container: Container,
    to_location: str,
    released_by: User,
    received_by: User,
    seal_intact: bool,
    receipt: str = CustodyEvent.Receipt.SESSION,
    entry_method: str = "",
    place: str = "",
    reason: str = "",
) -> CustodyEvent:
    """Record one hand-off inside the caller's transaction."""
    _check_move(container, to_location, received_by)
    if not seal_intact:
        raise SafetyRefusal(
            f"STOP: seal of {container.din_display} not intact. Do not use it; "
            "a physician decides whether the product is discarded."
        )
    source = container.location
    event = CustodyEvent.objects.create(
        container=container,
        from_location=source,
        to_location=to_location,
        at=clock.now(),
        place=place or PLACES.get(Location(to_location), ""),
        seal_intact=True,
        entry_method=entry_method,
        released_by=released_by,
        received_by=received_by,
        receipt=receipt,
        reason=reason[:300],
    )
    container.location = to_location
    container.save(update_fields=["location", "updated_at"])
    event_record(
        actor=received_by,
        action=AuditAction.UPDATE,
        target=container,
        name="container.custody",
        changes={"location": (source, to_location)},
        extra={
            "released_by": released_by.printed_name,
            "received_by": received_by.printed_name,
            "receipt": receipt,
            "entry": entry_method,
            "seal_intact": True,
        },
        reason=reason[:500],
        patient_public_id=container.patient.public_id,
    )
    return event


def _own_container(encounter: Encounter, scan: str, kind: str) -> tuple[Container, str]:
    container, read = container_for_entry(clinic_id=encounter.clinic_id, din_entry=scan)
    if container.encounter_id != encounter.pk:
        raise SafetyRefusal(
            f"STOP: container {container.din_display} belongs to ANOTHER PATIENT's procedure, "
            "not this one. Return it and scan this patient's container."
        )
    if container.kind != kind:
        raise SafetyRefusal(f"{container.din_display} is not the {Container.Kind(kind).label}.")
    return container, read.method


def custody_dispatch_aspirate(
    *, encounter: Encounter, by: User, scan: str, seal_intact: bool
) -> CustodyEvent:
    """Procedure room -> in transit: the clinician carrying it scans it and holds it."""
    if not scan.strip():
        raise ValidationFailed({"din_scan": ["Scan the aspirate's DIN to hand it to the lab."]})
    container, method = _own_container(encounter, scan, Container.Kind.ASPIRATE)
    return custody_transfer(
        container=container,
        to_location=L.IN_TRANSIT,
        released_by=by,
        received_by=by,
        seal_intact=seal_intact,
        entry_method=method,
    )


def custody_receive_aspirate(
    *, encounter: Encounter, by: User, scan: str, seal_intact: bool
) -> CustodyEvent:
    """In transit -> lab: the signed-in lab technologist receives from whoever carried it."""
    if not scan.strip():
        raise ValidationFailed({"din_scan": ["Scan the aspirate's DIN to receive it."]})
    container, method = _own_container(encounter, scan, Container.Kind.ASPIRATE)
    require_at(container, L.IN_TRANSIT, "receive it")
    carrier = container.custody.order_by("-at").first()
    return custody_transfer(
        container=container,
        to_location=L.LAB,
        released_by=carrier.received_by if carrier else by,
        received_by=by,
        seal_intact=seal_intact,
        entry_method=method,
    )


def custody_scan(
    *,
    by: User,
    din_scan: str,
    to_location: str,
    seal_intact: bool,
    product_scan: str = "",
    receiver_username: str = "",
    receiver_password: str = "",
    receiver_totp: str | None = None,
    place: str = "",
) -> CustodyEvent:
    """A hand-off scan (e.g. released syringes from the lab to the procedure room, or a
    returned syringe received back in the lab). The receiver authenticates."""
    container, read = container_for_entry(
        clinic_id=by.clinic_id, din_entry=din_scan, product_entry=product_scan
    )
    if to_location not in Location.values:
        raise ValidationFailed({"to_location": [f"Unknown location {to_location!r}."]})
    receiver, receipt = receiver_confirm(
        by=by, username=receiver_username, password=receiver_password, totp=receiver_totp
    )
    changes = {"din": container.din, "product_code": container.product_code, "to": to_location}
    with audited_refusals(
        by=by, target=container, patient_public_id=container.patient.public_id, changes=changes
    ):
        with transaction.atomic():
            locked = (
                Container.objects.select_for_update().select_related("patient").get(pk=container.pk)
            )
            return custody_transfer(
                container=locked,
                to_location=to_location,
                released_by=by,
                received_by=receiver,
                seal_intact=seal_intact,
                receipt=receipt,
                entry_method=read.method,
                place=place,
            )


def custody_return_to_lab(*, by: User, container: Container, reason: str) -> CustodyEvent:
    """After a bedside STOP: the clinician takes the syringe out of the procedure room, back
    to the lab (in transit until the lab scans it in). Nothing is discarded here: the lab
    and the physician decide what happens to it once it is back."""
    require_same_clinic(by, container.clinic_id)
    require_role(by, CLINICIANS, "return a syringe to the lab")
    if len(reason.strip()) < 3:
        raise ValidationFailed({"reason": ["Say why the syringe goes back to the lab."]})
    with transaction.atomic():
        locked = (
            Container.objects.select_for_update().select_related("patient").get(pk=container.pk)
        )
        if locked.kind != Container.Kind.CONCENTRATE or locked.location != L.PROCEDURE_ROOM:
            raise DomainError(
                f"{locked.din_display} is at {locked.get_location_display()}, not in the "
                "procedure room: nothing to return."
            )
        return custody_transfer(
            container=locked,
            to_location=L.IN_TRANSIT,
            released_by=by,
            received_by=by,
            seal_intact=True,
            place="Returning to the lab",
            reason=reason.strip(),
        )
