"""The lab bench's pages of the procedure day: today's queue, receiving the aspirate
(the PROCESSING step), recording processing, releasing the product (the RELEASED step),
labels and recall traceability.

They read procedure days and move them on, so they live here, above the lab (which never
imports procedures); ``config/urls.py`` mounts them in the ``lab`` URL namespace beside
the lab's own pages, so their addresses and names are those of the lab.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
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
from marrowtrack.lab import forms
from marrowtrack.lab import selectors as lab_selectors
from marrowtrack.lab.access import run_for_user
from marrowtrack.lab.labels import render_labels_pdf
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import PROCESS, TRACE, VIEW
from marrowtrack.procedures import selectors, services
from marrowtrack.procedures.access import encounter_for_user
from marrowtrack.procedures.models import ProcedureEncounter
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
        "in_lab": lab_selectors.syringes_in_lab(clinic=request.user.clinic),
        "receive_form": forms.ReceiveForm(),
        "handoff_form": forms.HandoffForm(),
    }
    return render(request, "procedures/lab_queue.html", context)


@login_required
@require_POST
def receive(request: HttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, PROCESS)
    form = forms.ReceiveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        services.encounter_transition(
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
            run = services.processing_record(encounter=encounter, by=request.user, data=data)
        except DomainError as exc:
            form.add_error(None, _text(exc))
        else:
            messages.success(
                request, "Processing recorded; print the syringe labels, then release."
            )
            return redirect(run)
    context = {"form": form, "encounter": encounter}
    return render(request, "procedures/lab_run_form.html", context)


@login_required
@require_POST
def run_release(request: HttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id, PROCESS)
    form = forms.ReleaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        d = form.cleaned_data
        services.product_release(
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
    pdf = render_labels_pdf(
        [lab_selectors.label_data(c, local=timezone.localtime) for c in containers]
    )
    _printed(request, encounter, containers)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{containers[0].din}.pdf"'
    return response


def _printed(
    request: HttpRequest, encounter: ProcedureEncounter, containers: list[Container]
) -> None:
    with transaction.atomic():
        event_record(
            actor=request.user,
            action=AuditAction.PRINT,
            target=encounter,
            changes={"labels": [c.din for c in containers]},
            patient_public_id=encounter.patient.public_id,
        )


@login_required
def trace(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, TRACE)
    form = forms.TraceForm(request.GET or None)
    clinic = request.user.clinic
    rows = selectors.recall_trace(clinic=clinic, **form.cleaned_data) if form.is_valid() else []
    return render(request, "procedures/lab_trace.html", {"form": form, "rows": rows})
