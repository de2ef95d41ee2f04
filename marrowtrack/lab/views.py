"""Lab pages on lab records: a processing run, late results, a container, hand-off and
discard. The pages that act on a procedure day (queue, receipt, processing, release,
labels, traceability) are ``procedures.lab_views``, in the same ``lab`` URL namespace."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.lab import forms, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.permissions import CUSTODY, PROCESS


def _text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(m for ms in exc.errors.values() for m in ms)
    return exc.message


def _user(request: HttpRequest, username: str) -> User | None:
    return User.objects.filter(username=username.strip(), clinic_id=request.user.clinic_id).first()


@login_required
def run_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id)
    context = {
        "run": run,
        "encounter": run.encounter,
        "syringes": run.syringes.all(),
        "release_form": forms.ReleaseForm(),
        "late_form": forms.LateResultForm(),
        "late": run.late_results.select_related("recorded_by"),
    }
    return render(request, "lab/run_detail.html", context)


@login_required
@require_POST
def late_result(request: HttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id, PROCESS)
    form = forms.LateResultForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.late_result_add(run=run, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _text(exc))
    return redirect(run)


@login_required
def container_detail(request: HttpRequest, din: str) -> HttpResponse:
    container = container_for_user(request.user, din)
    context = {
        "container": container,
        "custody": container.custody.select_related("released_by", "received_by"),
        "discard_form": forms.DiscardForm(),
    }
    return render(request, "lab/container.html", context)


@login_required
@require_POST
def handoff(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, CUSTODY)
    form = forms.HandoffForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        d = form.cleaned_data
        receiver = _user(request, d["received_by"])
        if receiver is None:
            raise ValidationFailed({"received_by": ["No such staff member in this clinic."]})
        services.custody_scan(
            by=request.user,
            scan=d["din_scan"],
            to_location="procedure_room",
            received_by=receiver,
            seal_intact=d["seal_intact"],
        )
    except DomainError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, "Hand-off to the procedure room recorded.")
    return redirect("lab:queue")


@login_required
@require_POST
def discard(request: HttpRequest, din: str) -> HttpResponse:
    container = container_for_user(request.user, din, CUSTODY)
    form = forms.DiscardForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.container_discard(container=container, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, f"{container.din_display} recorded as discarded.")
    return redirect(container)
