"""Staff pages: registry dashboard, a plan's follow-ups and chart, transcription, verification."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import apply_errors, run_form_action
from marrowtrack.outcomes import analysis, schedules, scoring, selectors
from marrowtrack.outcomes.access import followup_for_user, plan_for_user, response_for_user
from marrowtrack.outcomes.catalogue import timepoint_label
from marrowtrack.outcomes.forms import CensorForm, ItemsForm, TranscriptionForm, YearlyForm
from marrowtrack.outcomes.presenters import response_rows
from marrowtrack.outcomes.services import followups as followup_services
from marrowtrack.outcomes.services import responses as response_services
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.views.common import include_unvalidated, plan_charts
from marrowtrack.patients.access import patient_for_user


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "outcomes.view_followup")
    clinic = staff_clinic(request.user)
    today = clock.today(clinic)
    schedule = selectors.active_schedule(clinic)
    context = {
        "completeness": selectors.completeness(clinic=clinic, today=today),
        "plans": selectors.plans_with_followups(clinic=clinic)[:50],
        "awaiting": selectors.awaiting_verification(clinic=clinic)[:50],
        "schedule": schedule,
        "yearly_form": YearlyForm(initial={"years": schedules.yearly_count(schedule)}),
    }
    return render(request, "outcomes/dashboard.html", context)


@login_required
@require_POST
def schedule_yearly(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "outcomes.manage_schedule")
    form = YearlyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a number of yearly surveys from 0 to 10.")
        return redirect("outcomes:dashboard")
    try:
        row = followup_services.schedule_yearly_set(
            clinic=staff_clinic(request.user), years=form.cleaned_data["years"], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Schedule {row.version} applies to plans treated from now on.")
    return redirect("outcomes:dashboard")


@login_required
def plan_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id)
    today, everything = clock.today(plan.patient.clinic), include_unvalidated(request)
    responses = plan.responses.order_by("answered_at", "instrument").select_related(
        "entered_by", "verified_by"
    )
    context = {
        "plan": plan,
        "followups": selectors.plan_followups(plan=plan, today=today),
        "completeness": selectors.completeness(
            clinic=staff_clinic(request.user),
            today=today,
            plans=type(plan).objects.filter(pk=plan.pk),
        ),
        "rows": response_rows(responses),
        "responders": analysis.plan_responders(plan=plan, include_unvalidated=everything),
        "charts": plan_charts(plan, include_unvalidated=everything),
        "include_unvalidated": everything,
        "left_out": 0 if everything else selectors.unvalidated_count(plan=plan),
        "instruments": scoring.instrument_list(),
        "censor_form": CensorForm(initial={"on": today}),
    }
    return render(request, "outcomes/plan_detail.html", context)


@login_required
def patient_chart(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_for_user(request.user, public_id, "outcomes.view_surveyresponse")
    everything = include_unvalidated(request)
    plans = [
        {
            "plan": plan,
            "charts": plan_charts(plan, include_unvalidated=everything),
            "responders": analysis.plan_responders(plan=plan, include_unvalidated=everything),
            "left_out": 0 if everything else selectors.unvalidated_count(plan=plan),
        }
        for plan in selectors.patient_plans(patient=patient)
    ]
    context = {"patient": patient, "plans": plans, "include_unvalidated": everything}
    return render(request, "outcomes/patient_chart.html", context)


@login_required
@require_POST
def followup_link(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    followup = followup_for_user(request.user, public_id, "outcomes.add_surveylink")
    try:
        issued = survey_link_create(followup=followup, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        url = request.build_absolute_uri(reverse("outcomes:portal-start", args=[issued.token]))
        messages.success(
            request,
            f"Survey link for {timepoint_label(followup.timepoint)} "
            f"(shown once, valid 14 days): {url}",
        )
    return redirect("outcomes:plan-detail", followup.plan.public_id)


@login_required
@require_POST
def plan_censor(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "outcomes.censor_followup")
    form = CensorForm(request.POST)
    if form.is_valid():
        count = followup_services.followups_censor(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, f"{count} follow-ups censored.")
    else:
        messages.error(request, "Choose a reason and a date to censor follow-up.")
    return redirect("outcomes:plan-detail", plan.public_id)


@login_required
def transcribe(request: AuthenticatedHttpRequest, public_id: UUID, instrument: str) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "outcomes.add_surveyresponse")
    try:
        definition = scoring.instrument(instrument).definition
    except scoring.UnknownInstrumentError:
        raise Http404("No such instrument.") from None
    packs = list(selectors.text_packs_for(definition.code))
    form = TranscriptionForm(request.POST or None, items=definition.items, packs=packs)
    if run_form_action(
        form,
        lambda: response_services.response_transcribe(
            plan=plan,
            instrument=definition.code,
            answers=form.answers(),
            answered_on=form.cleaned_data["answered_on"],
            answered_time=form.cleaned_data["answered_time"],
            form=response_services.FormWording(*form.form_wording()),
            by=request.user,
        ),
        name_field=True,
    ):
        messages.success(request, f"{definition.name} saved; a second person must verify it.")
        return redirect("outcomes:plan-detail", plan.public_id)
    context = {"plan": plan, "definition": definition, "form": form}
    return render(request, "outcomes/transcribe.html", context)


@login_required
def response_verify(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    response = response_for_user(request.user, public_id, "outcomes.verify_surveyresponse")
    definition = scoring.instrument(response.instrument).definition
    form = ItemsForm(request.POST or None, items=definition.items)
    if request.method == "POST":
        try:
            _verify(request, response, form)
        except DomainError as exc:
            apply_errors(form, exc, name_field=True)
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{definition.name} verified and scored.")
            return redirect("outcomes:plan-detail", response.plan.public_id)
    rows = [(item, response.answers.get(item.code)) for item in definition.items]
    context = {
        "response": response,
        "definition": definition,
        "rows": rows,
        "form": form,
    }
    return render(request, "outcomes/verify.html", context)


def _verify(request: AuthenticatedHttpRequest, response, form: ItemsForm) -> None:  # noqa: ANN001
    if request.POST.get("mode") == "double_entry":
        if not form.is_valid():
            raise DomainError("Check the highlighted answers.")
        response_services.response_double_entry(
            response=response, answers=form.answers(), by=request.user
        )
    else:
        response_services.response_verify(response=response, by=request.user)
