"""Plan pages: list, create, detail, edit, prior treatments, lab values, screening,
the physician's decision, and pre-procedure instructions (page, PDF, .ics)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.audit.services import document_printed
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.forms import form_status, run_form_action
from marrowtrack.intake import documents, selectors
from marrowtrack.intake.access import plan_for_user
from marrowtrack.intake.forms import (
    DecisionForm,
    LabValueForm,
    PlanFilterForm,
    PlanForm,
    PriorTreatmentForm,
    ReasonForm,
    TreatedForm,
)
from marrowtrack.intake.services import plans as plan_services
from marrowtrack.intake.services import screening as screening_services
from marrowtrack.patients.access import patient_for_user

CHANGE = "intake.change_treatmentplan"


@login_required
def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search, filter and page (keyset) the clinic's plans; htmx swaps the rows only."""
    require_perm(request.user, "intake.view_treatmentplan")
    form = PlanFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.PlanFilters(
        **{k: data.get(k) or default for k, default in PLAN_FILTER_DEFAULTS.items()}
    )
    try:
        page = selectors.plans_for_clinic(
            clinic=staff_clinic(request.user), filters=filters, after=data.get("after", "")
        )
    except ValidationFailed:  # a cursor from elsewhere: show the first page
        page = selectors.plans_for_clinic(clinic=staff_clinic(request.user), filters=filters)
    query = request.GET.copy()
    query.pop("after", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "intake/plan_list.html#rows" if request.htmx else "intake/plan_list.html"
    return render(request, template, context)


PLAN_FILTER_DEFAULTS: dict[str, Any] = {
    "q": "",
    "status": "",
    "treatment": "",
    "target": "",
    "overridden": False,
}


@login_required
def plan_create(request: AuthenticatedHttpRequest, patient_id: UUID) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    require_perm(request.user, "intake.add_treatmentplan")
    initial = {"condition": patient.referral_condition}
    form = PlanForm(request.POST or None, initial=initial, patient=patient)
    if done := run_form_action(
        form,
        lambda: plan_services.plan_create(patient=patient, by=request.user, data=form.cleaned_data),
    ):
        plan = done.value
        messages.success(request, "Treatment plan started.")
        return redirect(plan)
    return render(request, "intake/plan_form.html", {"form": form, "patient": patient})


@login_required
def plan_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = selectors.plan_with_detail(plan_for_user(request.user, public_id))
    decision = plan.decisions.all()[0] if plan.decisions.all() else None
    context = {
        "plan": plan,
        "patient": plan.patient,
        "screening": plan.screenings.all()[0] if plan.screenings.all() else None,
        "decision": decision,
        "superseded": selectors.decision_superseded(plan, decision),
        "lab_values": selectors.lab_values_for(plan.patient)[:5],
        "safety": selectors.plan_safety(plan, today=clock.today(plan.patient.clinic)),
        "injections": selectors.prior_injections(plan),
        "repeats": plan.repeats.filter(archived_at=None),
        "encounters": selectors.plan_encounters(plan),
    }
    return render(request, "intake/plan_detail.html", context)


@login_required
def plan_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, CHANGE)
    form = PlanForm(request.POST or None, instance=plan, patient=plan.patient)

    def save() -> None:
        plan.refresh_from_db()  # the form wrote into the instance; the service diffs it
        plan_services.plan_update(
            plan=plan, by=request.user, data=form.values, version=form.read_version
        )

    if run_form_action(form, save):
        messages.success(request, "Plan saved.")
        return redirect(plan)
    context = {"form": form, "patient": plan.patient, "plan": plan}
    return render(request, "intake/plan_form.html", context, status=form_status(form))


@login_required
def plan_cancel(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, CHANGE)
    form = ReasonForm(request.POST or None)
    if run_form_action(
        form, lambda: plan_services.plan_cancel(plan=plan, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Plan cancelled.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "title": "Cancel the plan", "button": "Cancel plan"}
    return render(request, "intake/simple_form.html", context)


@login_required
def plan_treated(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Comparator treatments (cortisone, PRP, ...) are recorded as given from the plan."""
    plan = plan_for_user(request.user, public_id, CHANGE)
    form = TreatedForm(request.POST or None)
    if run_form_action(
        form,
        lambda: plan_services.plan_mark_treated(plan=plan, by=request.user, **form.cleaned_data),
    ):
        messages.success(request, "Treatment recorded; the follow-up surveys are scheduled.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "title": "Record the treatment given", "button": "Save"}
    return render(request, "intake/simple_form.html", context)


@login_required
def prior_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, CHANGE)
    form = PriorTreatmentForm(request.POST or None)
    if run_form_action(
        form,
        lambda: plan_services.prior_treatment_add(
            plan=plan, by=request.user, data=form.cleaned_data
        ),
    ):
        messages.success(request, "Prior treatment added.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "title": "Add a prior treatment", "button": "Add"}
    return render(request, "intake/simple_form.html", context)


@login_required
def lab_value_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "intake.add_labvalue")
    form = LabValueForm(request.POST or None)
    if run_form_action(
        form,
        lambda: plan_services.lab_value_record(
            patient=plan.patient, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Lab value recorded.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "title": "Record a lab value", "button": "Save"}
    return render(request, "intake/simple_form.html", context)


@login_required
@require_POST
def screening_run(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "intake.run_screening")
    try:
        screening = screening_services.screening_run(plan=plan, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Screening result: {screening.get_outcome_display()}.")
    return redirect(plan)


@login_required
def decision(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "intake.decide_eligibility")
    screening = screening_services.latest_screening(plan)
    form = DecisionForm(request.POST or None)
    if run_form_action(
        form,
        lambda: screening_services.eligibility_decide(
            plan=plan, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Decision signed.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "patient": plan.patient, "screening": screening}
    return render(request, "intake/decision_form.html", context)


@login_required
def instructions(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id)
    data = documents.plan_instructions(plan)
    context = {"plan": plan, "patient": plan.patient, "ins": data}
    return render(request, "intake/instructions.html", context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _instructions_or_404(
    request: AuthenticatedHttpRequest, public_id: UUID
) -> documents.PlanInstructions:
    from django.http import Http404

    data = documents.plan_instructions(plan_for_user(request.user, public_id))
    if data is None:
        raise Http404("Book an appointment first.")
    return data


@login_required
def instructions_pdf(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    data = _instructions_or_404(request, public_id)
    name = f"instructions-{data.plan.patient.mrn}.pdf"
    document_printed(
        by=request.user,
        target=data.plan,
        document=name,
        patient_public_id=data.plan.patient.public_id,
    )
    return _download(documents.instructions_pdf(data), "application/pdf", name)


@login_required
def instructions_ics(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    data = _instructions_or_404(request, public_id)
    name = f"appointment-{data.plan.patient.mrn}.ics"
    return _download(documents.instructions_ics(data), "text/calendar", name)
