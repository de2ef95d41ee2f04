"""Patient documents: the consent PDF, and the instructions for an appointment as a page,
a PDF and an .ics calendar file.

The instructions come from ``instructions.pre_procedure_instructions`` (pure), fed with the
plan's next booked appointment, the patient's current medications, the holds the clinic's
rule set asks for (``checks.blood_thinner_holds``), the prescriber's hold plans, the
clinic's phone numbers and arrival lead time, and today's date in the clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Alarm, Calendar, Event
from weasyprint import HTML

from marrowtrack.core import clock
from marrowtrack.intake import checks, rules, selectors
from marrowtrack.intake import instructions as ins
from marrowtrack.intake.clinictime import clinic_tz, local
from marrowtrack.intake.facts import Treatment
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan


@dataclass(frozen=True)
class PlanInstructions:
    plan: TreatmentPlan
    appointment: Appointment
    computed: ins.PreProcedureInstructions
    items: tuple[str, ...]


def _items(plan: TreatmentPlan, computed: ins.PreProcedureInstructions) -> tuple[str, ...]:
    items = list(computed.fixed_items)
    if plan.fasting_note:
        items.append(f"Fasting: {plan.fasting_note}")
    else:
        items.append("No fasting is needed: eat and drink as usual.")
    return tuple(items)


def _defaults(ruleset: rules.RuleSet, lead_minutes: int) -> ins.InstructionDefaults:
    """The clinic's own windows: the same numbers its eligibility rules check."""
    nsaid = ruleset.rule("nsaid_hold")
    steroid = ruleset.rule("systemic_corticosteroid")
    base = ins.DEFAULT_INSTRUCTION_DEFAULTS
    return ins.InstructionDefaults(
        nsaid_hold_days_before=int(nsaid.params["hold_days_before"])
        if nsaid
        else base.nsaid_hold_days_before,
        nsaid_avoid_days_after=int(nsaid.params["avoid_days_after"])
        if nsaid
        else base.nsaid_avoid_days_after,
        systemic_steroid_washout_weeks=int(steroid.params["washout_weeks"])
        if steroid
        else base.systemic_steroid_washout_weeks,
        arrival_lead_minutes=lead_minutes,
    )


def _blood_thinner_holds(
    ruleset: rules.RuleSet, context: checks.Context
) -> tuple[ins.BloodThinnerHold, ...]:
    rule = ruleset.rule("blood_thinner_hold")
    if rule is None:
        return ()
    return tuple(
        ins.BloodThinnerHold(need.medication, need.days, need.last_dose_by, need.hold)
        for need in checks.blood_thinner_holds(rule.params, context)
    )


def _today(plan: TreatmentPlan) -> date:
    return clock.now().astimezone(clinic_tz(plan.patient.clinic)).date()


def plan_instructions(plan: TreatmentPlan) -> PlanInstructions | None:
    """The instructions for the plan's next booked appointment, or None if none is booked."""
    appointment = selectors.next_appointment(plan)
    if appointment is None:
        return None
    clinic = plan.patient.clinic
    start = local(appointment.starts_at, clinic)
    today = _today(plan)
    ruleset = selectors.clinic_ruleset(clinic)
    patient = selectors.patient_facts(plan.patient, on=today)
    plan_facts = selectors.plan_facts(plan, planned_on=start.date())
    settings = selectors.intake_settings(clinic)
    computed = ins.pre_procedure_instructions(
        procedure_start=start,
        medications=patient.medications,
        treatment=Treatment(plan.treatment),
        today=today,
        blood_thinner_holds=_blood_thinner_holds(
            ruleset, checks.Context(patient, plan_facts, today)
        ),
        hold_plans=plan_facts.holds,
        phones=ins.Phones(clinic.phone, settings.after_hours_phone),
        defaults=_defaults(ruleset, settings.arrival_lead_minutes),
    )
    return PlanInstructions(plan, appointment, computed, _items(plan, computed))


def instructions_pdf(data: PlanInstructions) -> bytes:
    with timezone.override(clock.zone(data.plan.patient.clinic)):
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


ALARM_BEFORE_ARRIVAL_MINUTES = 60


def _arrival_alarm(computed: ins.PreProcedureInstructions) -> Alarm:
    """A reminder an hour before the time to arrive, which is the clinic's lead time before
    the start (issue 8 item 16)."""
    lead = int((computed.procedure_start - computed.arrive_at).total_seconds() // 60)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add(
        "description",
        f"Arrive at {computed.arrive_at:%H:%M}, {lead} minutes before your appointment",
    )
    alarm.add("trigger", -timedelta(minutes=lead + ALARM_BEFORE_ARRIVAL_MINUTES))
    return alarm


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
    visit.add_component(_arrival_alarm(computed))
    cal.add_component(visit)
    for event in _nsaid_events(data):
        cal.add_component(event)
    return cal.to_ical()


def _nsaid_events(data: PlanInstructions) -> list[Event]:
    """Calendar days for the NSAID stop and restart; a stop day already past is left out
    (the instructions tell the patient to call instead)."""
    computed, uid = data.computed, data.appointment.public_id
    if computed.nsaid_stop_on is None or computed.nsaid_restart_on is None:
        return []
    events = []
    if not computed.nsaid_hold_too_short:
        events.append(
            _all_day(
                "Stop NSAIDs (ibuprofen, naproxen…) from today",
                computed.nsaid_stop_on,
                f"{uid}-nsaid-stop@marrowtrack",
                "Take no anti-inflammatory medicines from today until your procedure. "
                "Paracetamol (acetaminophen) is allowed.",
            )
        )
    events.append(
        _all_day(
            "You may restart NSAIDs from today",
            computed.nsaid_restart_on,
            f"{uid}-nsaid-restart@marrowtrack",
            "Anti-inflammatory medicines may be taken again from today, unless told otherwise.",
        )
    )
    return events


def consent_pdf(consent: Consent) -> bytes:
    """The signed consent as a PDF: the exact document version, both signatures, times."""
    context = {
        "consent": consent,
        "document": consent.document,
        "plan": consent.plan,
        "patient": consent.plan.patient,
        "witness": consent.witness_signature,
    }
    with timezone.override(clock.zone(consent.plan.patient.clinic)):
        html = render_to_string("intake/consent_print.html", context)
    return HTML(string=html).write_pdf()
