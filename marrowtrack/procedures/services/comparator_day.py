"""What a comparator day needs at check-in and before its injection step (ADR 0019).

Read-only checks the transition service (``encounter.py``) calls; the injection itself is
written by ``services.comparator``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.intake.models import INJECTED_COMPARATORS, Appointment, TreatmentPlan
from marrowtrack.intake.services.booking import appointment_minutes
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.services.gates import GateResult


def comparator_minutes(plan: TreatmentPlan) -> int:
    """The planned length of a comparator day: the clinic's comparator slot."""
    return appointment_minutes(plan)


def comparator_check_in_blockers(plan: TreatmentPlan) -> list[str]:
    """A comparator day starts only for an injected comparator with a booking on or before
    today: a treatment is never recorded ahead of its booking."""
    if plan.treatment not in INJECTED_COMPARATORS:
        return [
            f"{plan.get_treatment_display()} is not given in the clinic: record it from the "
            "plan page."
        ]
    clinic = plan.patient.clinic
    booking = (
        plan.appointments.filter(status=Appointment.Status.BOOKED).order_by("starts_at").first()
    )
    if booking is None:
        return ["There is no booking for this treatment: book it first."]
    booked_on = clock.localdate(booking.starts_at, clinic)
    if booked_on > clock.today(clinic):
        return [
            f"The treatment is booked for {booked_on:%Y-%m-%d}: it cannot be recorded before "
            "its booking (reschedule it to today first)."
        ]
    return []


def comparator_injected(
    encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]
) -> GateResult:
    """The injection step of a comparator day needs its injection record."""
    record = getattr(encounter, "comparator_injection", None)
    if record is None:
        raise ValidationFailed({"injection": ["Record the injection first."]})
    return GateResult(checklist={"injection": str(record.public_id)})
