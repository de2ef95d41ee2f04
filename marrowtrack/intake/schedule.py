"""Schedule reads: free slots for the front desk and the day/week view per resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q

from marrowtrack.accounts.roles import Role
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.intake import availability, resources, selectors
from marrowtrack.intake.clinictime import local
from marrowtrack.intake.models import Appointment, ResourceException, TreatmentPlan
from marrowtrack.intake.services.booking import booking_settings


def free_slots(clinic: Clinic, day: date, *, harvest: bool) -> list[availability.Slot]:
    settings = booking_settings(clinic)
    minutes = settings.procedure_minutes if harvest else settings.comparator_minutes
    start, end = resources.day_span(clinic, day)
    return availability.free_slots(
        resources.calendar_for(clinic, start=start, end=end),
        day=day,
        minutes=minutes,
        step=settings.slot_step_minutes,
        needs=resources.needs_for(clinic, harvest=harvest),
        not_before=clock.now(),
    )


def free_slots_for_plan(plan: TreatmentPlan, day: date) -> list[dict[str, Any]]:
    """Free slots as pre-filled booking form values (resource public ids -> pk strings)."""
    clinic = plan.patient.clinic
    rows = []
    for slot in free_slots(clinic, day, harvest=plan.needs_harvest):
        values = {need: c.key.split(":")[1] for need, c in slot.chosen.items()}
        labels = {need: c.label for need, c in slot.chosen.items()}
        start = local(slot.starts_at, clinic)
        rows.append(
            {
                "day": start.date(),
                "time": f"{start:%H:%M}",
                "values": values,
                "labels": labels,
                "ends": local(slot.ends_at, clinic),
            }
        )
    return rows


def initial_from(appointment: Appointment) -> dict[str, Any]:
    start = local(appointment.starts_at, appointment.clinic)
    return {
        "day": start.date(),
        "time": start.time(),
        "room": appointment.room_id,
        "physician": appointment.physician_id,
        "nurse": appointment.nurse_id,
        "centrifuge": appointment.centrifuge_id,
        "lab_tech": appointment.lab_tech_id,
    }


def resource_choices(clinic: Clinic) -> list[tuple[str, str]]:
    choices = [
        (f"room:{r.public_id}", f"Room: {r}")
        for r in resources.procedure_rooms(clinic, fluoroscopy=False)
    ]
    choices += [
        (f"equipment:{e.public_id}", f"Centrifuge: {e}") for e in resources.centrifuges(clinic)
    ]
    roles = (Role.PHYSICIAN, Role.NURSE, Role.LAB_TECH)
    staff = resources.staff_by_role(clinic, [role.value for role in roles])
    for role in roles:
        choices += [
            (f"staff:{u.public_id}", f"{role.label}: {u.printed_name}") for u in staff[role.value]
        ]
    return choices


def _resource_filter(resource: str) -> tuple[Q, Q]:
    """(appointments filter, exceptions filter) for 'kind:public_id'; all when blank."""
    if not resource:
        return Q(), Q()
    kind, public_id = resource.split(":", 1)
    if kind == "room":
        return Q(room__public_id=public_id), Q(room__public_id=public_id)
    if kind == "equipment":
        return Q(centrifuge__public_id=public_id), Q(equipment__public_id=public_id)
    staff = (
        Q(physician__public_id=public_id)
        | Q(nurse__public_id=public_id)
        | Q(lab_tech__public_id=public_id)
    )
    return staff, Q(staff__public_id=public_id)


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    appointments: list[Appointment]
    exceptions: list[ResourceException]


def schedule_days(clinic: Clinic, *, start: date, days: int, resource: str) -> list[ScheduleDay]:
    """Appointments (all statuses) and exceptions per day, for one resource or all."""
    span_start, span_end = resources.day_span(clinic, start, days)
    appt_filter, exc_filter = _resource_filter(resource)
    appointments = selectors.appointments_between(clinic=clinic, start=span_start, end=span_end)
    appointments = appointments.filter(appt_filter)
    exceptions = ResourceException.objects.filter(
        clinic=clinic, starts_at__lt=span_end, ends_at__gt=span_start
    ).filter(exc_filter | Q(room=None, equipment=None, staff=None))
    exceptions = exceptions.select_related("room", "equipment", "staff")
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        result.append(
            ScheduleDay(
                day,
                [a for a in appointments if local(a.starts_at, clinic).date() == day],
                [
                    e
                    for e in exceptions
                    if local(e.starts_at, clinic).date() <= day <= local(e.ends_at, clinic).date()
                ],
            )
        )
    return result
