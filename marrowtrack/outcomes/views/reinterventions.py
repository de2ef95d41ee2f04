"""Recording a re-intervention of a treated target (repeat injection, surgery, arthroplasty)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.forms import run_form_action
from marrowtrack.outcomes import selectors
from marrowtrack.outcomes.access import plan_for_user
from marrowtrack.outcomes.forms import ReinterventionForm
from marrowtrack.outcomes.services.reinterventions import reintervention_record

ADD = "outcomes.add_reintervention"


@login_required
def plan_reinterventions(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The plan's re-interventions and, for those who record them, the form."""
    if request.method == "POST":
        plan = plan_for_user(request.user, public_id, ADD)
    else:
        plan = plan_for_user(request.user, public_id)
    responses = selectors.submitted_responses(plan=plan)
    form = ReinterventionForm(
        request.POST or None,
        responses=responses,
        initial={"performed_on": clock.today(plan.patient.clinic)},
    )

    def record() -> None:
        data = dict(form.cleaned_data)
        chosen = data.pop("response")
        response = responses.filter(public_id=chosen).first() if chosen else None
        reintervention_record(plan=plan, by=request.user, response=response, **data)

    status = 200
    if request.method == "POST":
        if run_form_action(form, record):
            messages.success(request, "Re-intervention recorded.")
            return redirect("outcomes:plan-reinterventions", plan.public_id)
        status = 422
    context = {
        "plan": plan,
        "form": form,
        "rows": selectors.plan_reinterventions(plan=plan),
    }
    return render(request, "outcomes/reinterventions.html", context, status=status)
