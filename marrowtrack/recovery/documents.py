"""Discharge instructions as a page, a PDF and in the portal, from one ``DischargePlan``.

The facts come from the recovery course (frozen NSAID window and date), the plan (what was
injected where), the procedure day (harvest side), the clinic (phone), the outcome
schedule and the next booked visit; the words from the templates in the patient's language.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.selectors import intake_settings, next_appointment
from marrowtrack.outcomes.selectors import plan_followups
from marrowtrack.recovery import labels
from marrowtrack.recovery.discharge import DischargePlan, FollowUpDate, discharge_plan
from marrowtrack.recovery.models import RecoveryCourse

SURVEYS_SHOWN = 4  # the next few questionnaires; the portal lists them all


def _followups(plan: TreatmentPlan) -> list[FollowUpDate]:
    rows = plan_followups(plan=plan, today=clock.today(plan.patient.clinic))
    return [
        FollowUpDate(str(labels.TIMEPOINTS[row.timepoint]), row.target_on)
        for row in rows
        if row.timepoint in labels.TIMEPOINTS and row.status == "open"
    ][:SURVEYS_SHOWN]


def discharge_for(course: RecoveryCourse) -> DischargePlan:
    """The discharge plan of a course; DomainError when it cannot be written safely."""
    plan, clinic = course.plan, course.clinic
    appointment = next_appointment(plan)
    try:
        return discharge_plan(
            treatment=course.treatment,
            treatment_label=str(labels.TREATMENTS[course.treatment]),
            treated_on=course.treated_on,
            target_label=labels.target_label(plan.target, plan.laterality, plan.target_level),
            harvest_side_label=str(labels.HARVEST_SIDES.get(course.harvest_side, "")),
            nsaid_avoid_days=course.nsaid_avoid_days,
            clinic_name=clinic.name,
            clinic_phone=clinic.phone,
            after_hours_phone=intake_settings(clinic).after_hours_phone,
            emergency_number=settings.MARROWTRACK_EMERGENCY_NUMBER,
            followups=_followups(plan),
            next_visit=clock.localtime(appointment.starts_at, clinic) if appointment else None,
        )
    except ValueError as exc:
        raise DomainError(f"Discharge instructions cannot be printed: {exc}.") from exc


def render_discharge(course: RecoveryCourse, *, language: str, template: str) -> str:
    """Render under ``language`` (labels are translated lazily, so build inside it too)."""
    with translation.override(language), timezone.override(clock.zone(course.clinic)):
        data = discharge_for(course)
        return render_to_string(
            template, {"d": data, "patient": course.patient, "course": course, "lang": language}
        )


def discharge_pdf(course: RecoveryCourse, *, language: str) -> bytes:
    html = render_discharge(course, language=language, template="recovery/discharge_print.html")
    return HTML(string=html).write_pdf()
