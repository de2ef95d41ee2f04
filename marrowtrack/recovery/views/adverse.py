"""Adverse events: list, record (blank or prefilled from a worklist task), correct a draft,
physician sign-off, addenda after signing."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import has_perm, require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.forms import form_status, run_form_action
from marrowtrack.esign.services import signature_matches
from marrowtrack.intake.access import plan_for_user
from marrowtrack.recovery import selectors
from marrowtrack.recovery.access import event_for_user, task_for_user
from marrowtrack.recovery.forms import AddendumForm, AdverseEventForm, SignForm
from marrowtrack.recovery.prefill import initial_from_task
from marrowtrack.recovery.services import adverse_events as ae

ADD = "recovery.add_adverseevent"
CHANGE = "recovery.change_adverseevent"


@login_required
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "recovery.view_adverseevent")
    status = request.GET.get("status", "")
    events = selectors.adverse_events_for_clinic(clinic=staff_clinic(request.user), status=status)
    return render(request, "recovery/ae_list.html", {"events": events[:200], "status": status})


def _form_page(
    request: AuthenticatedHttpRequest, form: AdverseEventForm, **context: object
) -> HttpResponse:
    context = {"form": form, **context}
    return render(request, "recovery/ae_form.html", context, status=form_status(form))


def _record(request: AuthenticatedHttpRequest, plan, task=None) -> HttpResponse:  # noqa: ANN001
    initial = initial_from_task(task) if task else {}
    form = AdverseEventForm(request.POST or None, initial=initial)
    if done := run_form_action(
        form,
        lambda: ae.adverse_event_record(
            plan=plan, by=request.user, data=form.cleaned_data, task=task
        ),
    ):
        event = done.value
        messages.success(request, "Adverse event recorded; a physician reviews and signs it.")
        return redirect(event)
    return _form_page(request, form, plan=plan, patient=plan.patient, task=task)


@login_required
def event_from_task(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    task = task_for_user(request.user, public_id, ADD)
    return _record(request, task.course.plan, task)


@login_required
def event_for_plan(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    require_perm(request.user, ADD)
    return _record(request, plan_for_user(request.user, public_id))


@login_required
def event_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    event = event_for_user(request.user, public_id, CHANGE)
    fields = AdverseEventForm.base_fields
    initial = {name: getattr(event, name) for name in fields}
    form = AdverseEventForm(request.POST or None, initial=initial, version=event.version)
    if run_form_action(
        form,
        lambda: ae.adverse_event_update(
            event=event, by=request.user, data=form.values, version=form.read_version
        ),
    ):
        messages.success(request, "Adverse event corrected.")
        return redirect(event)
    return _form_page(request, form, plan=event.plan, patient=event.patient, event=event)


def _detail(request: AuthenticatedHttpRequest, event, **forms: object) -> HttpResponse:  # noqa: ANN001
    outcome, resolved_on = selectors.current_outcome(event)
    context = {
        "event": event,
        "patient": event.patient,
        "addenda": event.addenda.select_related("by"),
        "current_outcome": outcome,
        "current_resolved_on": resolved_on,
        "signature_valid": event.signature is not None
        and signature_matches(event.signature, ae.signed_content(event)),
        "sign_form": forms.get("sign_form") or SignForm(),
        "addendum_form": forms.get("addendum_form") or AddendumForm(),
        "can_sign": has_perm(request.user, "recovery.sign_adverseevent"),
        "can_change": has_perm(request.user, CHANGE),
    }
    return render(request, "recovery/ae_detail.html", context)


@login_required
def event_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    return _detail(request, event_for_user(request.user, public_id))


@login_required
@require_POST
def event_sign(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    event = event_for_user(request.user, public_id, "recovery.sign_adverseevent")
    form = SignForm(request.POST)
    if run_form_action(
        form, lambda: ae.adverse_event_sign(event=event, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Signed. The record is now locked; add an addendum for news.")
        return redirect(event)
    return _detail(request, event, sign_form=form)


@login_required
@require_POST
def event_addendum(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    event = event_for_user(request.user, public_id, "recovery.add_adverseeventaddendum")
    form = AddendumForm(request.POST)
    if run_form_action(
        form,
        lambda: ae.adverse_event_addendum_add(event=event, by=request.user, **form.cleaned_data),
    ):
        messages.success(request, "Addendum added.")
        return redirect(event)
    return _detail(request, event, addendum_form=form)
