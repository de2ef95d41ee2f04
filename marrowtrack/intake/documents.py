"""Patient documents: the consent PDF, and pre-procedure instructions as PDF and .ics.

The instructions come from ``instructions.pre_procedure_instructions`` (pure) fed with the
plan's next booked appointment and the patient's current medications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.template.loader import render_to_string
from icalendar import Alarm, Calendar, Event
from weasyprint import HTML

from marrowtrack.core import clock
from marrowtrack.intake import instructions as ins
from marrowtrack.intake.clinictime import local
from marrowtrack.intake.facts import DrugClass, Medication
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan
from marrowtrack.intake.selectors import next_appointment


@dataclass(frozen=True)
class PlanInstructions:
    plan: TreatmentPlan
    appointment: Appointment
    computed: ins.PreProcedureInstructions
    items: tuple[str, ...]


def _medications(plan: TreatmentPlan) -> list[Medication]:
    return [
        Medication(m.name, DrugClass(m.drug_class), m.started_on, m.stopped_on)
        for m in plan.patient.medications.filter(archived_at=None)
    ]


def _items(plan: TreatmentPlan, computed: ins.PreProcedureInstructions) -> tuple[str, ...]:
    items = list(computed.fixed_items)
    if not plan.needs_harvest:
        # A comparator injection has no marrow harvest and takes under an hour.
        items = [i for i in items if "marrow" not in i]
    if plan.fasting_note:
        items.append(f"Fasting: {plan.fasting_note}")
    else:
        items.append("No fasting is needed: eat and drink as usual.")
    return tuple(items)


def plan_instructions(plan: TreatmentPlan) -> PlanInstructions | None:
    """The instructions for the plan's next booked appointment, or None if none is booked."""
    appointment = next_appointment(plan)
    if appointment is None:
        return None
    start = local(appointment.starts_at, plan.patient.clinic)
    computed = ins.pre_procedure_instructions(procedure_start=start, medications=_medications(plan))
    return PlanInstructions(plan, appointment, computed, _items(plan, computed))


def instructions_pdf(data: PlanInstructions) -> bytes:
    html = render_to_string(
        "intake/instructions_print.html", {"ins": data, "plan": data.plan, "printed": True}
    )
    return HTML(string=html).write_pdf()


def _all_day(summary: str, day: object, uid: str, description: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))  # type: ignore[operator]
    event.add("dtstamp", clock.now())
    event.add("description", description)
    return event


def instructions_ics(data: PlanInstructions) -> bytes:
    """The appointment and the NSAID stop/restart days, for the patient's calendar."""
    appt, computed = data.appointment, data.computed
    clinic = data.plan.patient.clinic
    cal = Calendar()
    cal.add("prodid", "-//MarrowTrack//Pre-procedure instructions//EN")
    cal.add("version", "2.0")
    visit = Event()
    visit.add("uid", f"{appt.public_id}@marrowtrack")
    visit.add("summary", f"{clinic.name}: {appt.get_kind_display()}")
    visit.add("dtstart", appt.starts_at)
    visit.add("dtend", appt.ends_at)
    visit.add("dtstamp", clock.now())
    visit.add("location", clinic.address or clinic.name)
    visit.add("description", "\n".join(data.items))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Arrive 30 minutes early")
    alarm.add("trigger", timedelta(hours=-2))
    visit.add_component(alarm)
    cal.add_component(visit)
    cal.add_component(
        _all_day(
            "Stop NSAIDs (ibuprofen, naproxen…) from today",
            computed.nsaid_stop_on,
            f"{appt.public_id}-nsaid-stop@marrowtrack",
            "Take no anti-inflammatory medicines from today until your procedure. "
            "Paracetamol (acetaminophen) is allowed.",
        )
    )
    cal.add_component(
        _all_day(
            "You may restart NSAIDs from today",
            computed.nsaid_restart_on,
            f"{appt.public_id}-nsaid-restart@marrowtrack",
            "Anti-inflammatory medicines may be taken again from today, unless told otherwise.",
        )
    )
    return cal.to_ical()


def consent_pdf(consent: Consent) -> bytes:
    """The signed consent as a PDF: the exact document version, both signatures, times."""
    html = render_to_string(
        "intake/consent_print.html",
        {
            "consent": consent,
            "document": consent.document,
            "plan": consent.plan,
            "patient": consent.plan.patient,
            "witness": consent.witness_signature,
        },
    )
    return HTML(string=html).write_pdf()
