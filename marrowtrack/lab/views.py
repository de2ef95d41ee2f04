"""Lab pages: queue, receipt, processing, release, labels, hand-off, discard, traceability."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.lab import forms, selectors, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.labels import render_labels_pdf
from marrowtrack.lab.permissions import CUSTODY, PROCESS, TRACE, VIEW
from marrowtrack.procedures.access import encounter_for_user
from marrowtrack.procedures.services import encounter_transition
from marrowtrack.procedures.states import ProcedureState


def _text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(m for ms in exc.errors.values() for m in ms)
    return exc.message


def _user(request: HttpRequest, username: str) -> User | None:
    return User.objects.filter(username=username.strip(), clinic_id=request.user.clinic_id).first()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, VIEW)
    context = {
        "groups": selectors.lab_queue(clinic=request.user.clinic),
        "in_lab": selectors.syringes_in_lab(clinic=request.user.clinic),
        "receive_form": forms.ReceiveForm(),
        "handoff_form": forms.HandoffForm(),
    }
    return render(request, "lab/queue.html", context)


@login_required
@require_POST
def receive(request: HttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, PROCESS)
    form = forms.ReceiveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        encounter_transition(
            encounter=encounter,
            to=ProcedureState.PROCESSING,
            by=request.user,
            data=form.cleaned_data,
        )
    except DomainError as exc:
        messages.error(request, _text(exc))
        return redirect("lab:queue")
    messages.success(request, "Aspirate received in the lab.")
    return redirect("lab:run-new", public_id=encounter.public_id)


@login_required
def run_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, PROCESS)
    harvest = getattr(encounter, "harvest", None)
    initial = (
        {
            "aspirate_ml": harvest.aspirate_ml + harvest.anticoagulant_ml,
            "anticoagulant_ml": harvest.anticoagulant_ml,
        }
        if harvest
        else {}
    )
    form = forms.RunForm(
        request.POST or None,
        clinic=request.user.clinic,
        initial={**initial, "spins": 1, "brake": True, "device": "Angel"},
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data}
        try:
            run = services.run_record(encounter=encounter, by=request.user, data=data)
        except DomainError as exc:
            form.add_error(None, _text(exc))
        else:
            messages.success(
                request, "Processing recorded; print the syringe labels, then release."
            )
            return redirect(run)
    return render(request, "lab/run_form.html", {"form": form, "encounter": encounter})


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
def run_release(request: HttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id, PROCESS)
    form = forms.ReleaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        d = form.cleaned_data
        services.run_release(
            run=run,
            by=request.user,
            password=d["password"],
            totp=d.get("totp") or None,
            verifier=cosigner_authenticate(
                by=request.user,
                username=d["verifier_username"],
                password=d["verifier_password"],
                field="verifier_password",
            )
            if d["verifier_username"]
            else None,
            verifier_password=d["verifier_password"],
            scans=d["scans"].split(),
        )
    except DomainError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, "Product released and verified.")
    return redirect(run)


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
def labels(request: HttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    require_perm(request.user, VIEW)
    containers = list(
        encounter.containers.select_related("patient", "clinic").exclude(
            status__in=["administered", "discarded"]
        )
    )
    if not containers:
        messages.error(request, "No labelled containers to print.")
        return redirect(encounter)
    pdf = render_labels_pdf([selectors.label_data(c, local=timezone.localtime) for c in containers])
    _printed(request, encounter, containers)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{containers[0].din}.pdf"'
    return response


def _printed(request: HttpRequest, encounter: object, containers: list) -> None:
    from django.db import transaction

    with transaction.atomic():
        event_record(
            actor=request.user,
            action=AuditAction.PRINT,
            target=encounter,
            changes={"labels": [c.din for c in containers]},
            patient_public_id=encounter.patient.public_id,
        )  # type: ignore[attr-defined]


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


@login_required
def trace(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, TRACE)
    form = forms.TraceForm(request.GET or None)
    rows = (
        selectors.trace(clinic=request.user.clinic, **form.cleaned_data) if form.is_valid() else []
    )
    return render(request, "lab/trace.html", {"form": form, "rows": rows})
