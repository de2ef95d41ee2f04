"""The patient's own pages: home, appointments, instructions, consents, surveys, results,
what the clinic measured (the evidence card of the patient's own conditions), contact
preference. Every record is looked up through the signed-in patient."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.analytics.services import patient_evidence_cards
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.intake import selectors as intake_selectors
from marrowtrack.intake.documents import plan_instructions
from marrowtrack.intake.services.consent import consent_pdf_ensure
from marrowtrack.notifications.routing import preferred_channel
from marrowtrack.notifications.services.preferences import contact_preference_set
from marrowtrack.outcomes import charts
from marrowtrack.outcomes import selectors as outcome_selectors
from marrowtrack.outcomes.models import FollowUp
from marrowtrack.outcomes.presenters import patient_results
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.portal.access import own_consent, own_course, portal_page
from marrowtrack.portal.forms import ContactForm
from marrowtrack.recovery import selectors as recovery_selectors
from marrowtrack.recovery.documents import discharge_pdf, render_discharge
from marrowtrack.recovery.services.common import patient_label


@portal_page
def home(request: HttpRequest) -> HttpResponse:
    patient, now = request.patient, clock.now()
    context = {
        "patient": patient,
        "checkin": recovery_selectors.open_checkin_now(patient=patient, now=now),
        "appointments": intake_selectors.appointments_for_patient(patient=patient, since=now)[:3],
        "surveys": outcome_selectors.open_followups_for_patient(
            patient=patient, today=clock.today(patient.clinic)
        ),
        "courses": recovery_selectors.courses_for_patient(patient=patient),
    }
    return render(request, "portal/home.html", context)


@portal_page
def appointments(request: HttpRequest) -> HttpResponse:
    rows = intake_selectors.appointments_for_patient(patient=request.patient, since=clock.now())
    return render(request, "portal/appointments.html", {"appointments": rows})


@portal_page
def instructions(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    plans = intake_selectors.plans_for_patient(patient).filter(status="approved")
    before = [found for plan in plans if (found := plan_instructions(plan)) is not None]
    courses = recovery_selectors.courses_for_patient(patient=patient)
    return render(request, "portal/instructions.html", {"before": before, "courses": courses})


@portal_page
def discharge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    course = own_course(request.patient, public_id)
    try:
        body = render_discharge(
            course,
            language=request.patient.preferred_language or "en",
            template="recovery/_discharge_body.html",
        )
    except DomainError as exc:
        return render(request, "portal/message.html", {"message": exc.message}, status=409)
    return render(request, "portal/discharge.html", {"course": course, "body": body})


@portal_page
def discharge_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    course = own_course(request.patient, public_id)
    try:
        pdf = discharge_pdf(course, language=request.patient.preferred_language or "en")
    except DomainError as exc:
        return render(request, "portal/message.html", {"message": exc.message}, status=409)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="instructions-{course.treated_on}.pdf"'
    return response


@portal_page
def consents(request: HttpRequest) -> HttpResponse:
    rows = intake_selectors.consents_for_patient(patient=request.patient)
    return render(request, "portal/consents.html", {"consents": rows})


@portal_page
def consent_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consent = own_consent(request.patient, public_id)
    try:
        pdf = consent_pdf_ensure(consent=consent)
    except DomainError as exc:
        return render(request, "portal/message.html", {"message": exc.message}, status=409)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-v{consent.document.version}.pdf"'
    )
    return response


@portal_page
def surveys(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    rows = outcome_selectors.open_followups_for_patient(
        patient=patient, today=clock.today(patient.clinic)
    )
    return render(request, "portal/surveys.html", {"followups": rows})


@portal_page
@require_POST
def survey_start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Hand over to the outcomes survey pages with a fresh single-use survey link."""
    followup = FollowUp.objects.filter(public_id=public_id, plan__patient=request.patient).first()
    if followup is None:
        raise Http404("No such survey of yours.")
    try:
        label = patient_label(request.patient)
        issued = survey_link_create(followup=followup, by=None, by_label=label)
    except DomainError as exc:
        return render(request, "portal/message.html", {"message": exc.message}, status=409)
    return redirect("outcomes:portal-start", token=issued.token)


@portal_page
def results(request: HttpRequest) -> HttpResponse:
    """The patient's own scores in words (never a raw score key), baseline included, and a
    chart per questionnaire: real dates, the treatment day, a scale holding every value."""
    plans = outcome_selectors.patient_answered_plans(patient=request.patient)
    rows = [
        (
            plan,
            patient_results(
                plan,
                outcome_selectors.submitted_responses(plan=plan, include_unvalidated=True),
            ),
            _own_charts(plan),
        )
        for plan in plans
    ]
    return render(request, "portal/results.html", {"rows": rows})


def _own_charts(plan: Any) -> list[dict[str, object]]:
    """The same server-drawn charts as the care team's (outcomes.charts), of every answer the
    patient gave: their own results, whatever the wording they answered on."""
    series = outcome_selectors.score_series(plan=plan, include_unvalidated=True)
    drawn = []
    for code, points in series.items():
        chart = charts.chart_for(code, points, plan.treated_on)
        if chart is not None:
            drawn.append({"chart": chart, "svg": charts.svg(chart)})
    return drawn


@portal_page
def evidence(request: HttpRequest) -> HttpResponse:
    """The evidence card of the patient's own conditions only (found through the patient:
    there is no id to change in the address)."""
    cards = patient_evidence_cards(patient=request.patient)
    return render(request, "portal/evidence.html", {"cards": cards})


@portal_page
def contact(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    form = ContactForm(request.POST or None, initial={"channel": preferred_channel(patient)})
    if run_form_action(
        form,
        lambda: contact_preference_set(
            patient=patient,
            channel=form.cleaned_data["channel"],
            by=None,
            by_label=patient_label(patient),
        ),
    ):
        return redirect("portal:home")
    return render(request, "portal/contact.html", {"form": form, "patient": patient})
