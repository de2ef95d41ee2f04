"""Lab pages on lab records: a processing run and its late results, a container, hand-offs
(to the procedure room, returned syringes back in) and discard. The pages that act on a
procedure day (queue, receipt, processing, release, labels, traceability) are
``procedures.lab_views``, in the same ``lab`` URL namespace."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.lab import forms, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.models import Location, ProcessingRun
from marrowtrack.lab.permissions import CUSTODY, PROCESS


def error_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(m for ms in exc.errors.values() for m in ms)
    return exc.message


def run_context(run: ProcessingRun, **extra: object) -> dict[str, object]:
    return {
        "run": run,
        "encounter": run.encounter,
        "syringes": run.syringes.all(),
        "release_form": forms.ReleaseForm(),
        "late_form": forms.LateResultForm(),
        "late": run.late_results.select_related("recorded_by"),
        **extra,
    }


@login_required
def run_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id)
    return render(request, "lab/run_detail.html", run_context(run))


@login_required
@require_POST
def late_result(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id, PROCESS)
    form = forms.LateResultForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.late_result_add(run=run, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        context = run_context(run, late_form=form, late_error=error_text(exc))
        return render(request, "lab/run_detail.html", context, status=422)
    messages.success(request, "Result added.")
    return redirect(run)


@login_required
def container_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    container = container_for_user(request.user, public_id)
    context = {
        "container": container,
        "custody": container.custody.select_related("released_by", "received_by"),
        "discard_form": forms.DiscardForm(),
    }
    return render(request, "lab/container.html", context)


@login_required
@require_POST
def handoff(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A released syringe leaves the lab for the procedure room; the receiver signs for it."""
    require_perm(request.user, CUSTODY)
    form = forms.HandoffForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.custody_scan(
            by=request.user, to_location=Location.PROCEDURE_ROOM, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "Hand-off to the procedure room recorded.")
    return redirect("lab:queue")


@login_required
@require_POST
def receive_returned(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A syringe taken back from the procedure room is scanned into the lab."""
    require_perm(request.user, PROCESS)
    form = forms.ReturnReceiveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.custody_scan(by=request.user, to_location=Location.LAB, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "Returned syringe received in the lab.")
    return redirect("lab:queue")


@login_required
@require_POST
def discard(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    container = container_for_user(request.user, public_id, CUSTODY)
    form = forms.DiscardForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.container_discard(container=container, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{container.din_display} recorded as discarded.")
    return redirect(container)
