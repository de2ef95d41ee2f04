"""The lab bench's pages of the procedure day: the queue, receiving the aspirate (the
PROCESSING step), recording processing, releasing the product (the RELEASED step), labels
and recall traceability.

They read procedure days and move them on, so they live here, above the lab (which never
imports procedures); ``config/urls.py`` mounts them in the ``lab`` URL namespace beside
the lab's own pages, so their addresses and names are those of the lab.
"""

from __future__ import annotations

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
from marrowtrack.core.forms import apply_errors, run_form_action
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.lab import forms
from marrowtrack.lab import selectors as lab_selectors
from marrowtrack.lab.access import run_for_user
from marrowtrack.lab.labels import render_labels_pdf
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import PROCESS, TRACE, VIEW
from marrowtrack.lab.procedure_day import plan_sites, site_display
from marrowtrack.lab.views import error_text, run_context
from marrowtrack.procedures import selectors, services
from marrowtrack.procedures.access import encounter_for_user
from marrowtrack.procedures.states import ProcedureState


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, VIEW)
    clinic = staff_clinic(request.user)
    context = {
        "groups": selectors.lab_queue(clinic=clinic),
        "in_lab": lab_selectors.syringes_in_lab(clinic=clinic),
        "returning": lab_selectors.syringes_returning(clinic=clinic),
        "receive_form": forms.ReceiveForm(),
        "handoff_form": forms.HandoffForm(),
        "return_form": forms.ReturnReceiveForm(),
    }
    return render(request, "procedures/lab_queue.html", context)


@login_required
@require_POST
def receive(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
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
        messages.error(request, error_text(exc))
        return redirect("lab:queue")
    messages.success(request, "Aspirate received in the lab.")
    return redirect("lab:run-new", public_id=encounter.public_id)


def _run_initial(encounter: object) -> dict[str, object]:
    harvest = getattr(encounter, "harvest", None)
    volumes = (
        {
            "aspirate_ml": harvest.aspirate_ml + harvest.anticoagulant_ml,
            "anticoagulant_ml": harvest.anticoagulant_ml,
        }
        if harvest
        else {}
    )
    return {**volumes, "spins": 1, "brake": True}


@login_required
def run_new(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, PROCESS)
    form = forms.RunForm(
        request.POST or None, clinic=staff_clinic(request.user), initial=_run_initial(encounter)
    )
    if done := run_form_action(
        form,
        lambda: services.processing_record(
            encounter=encounter, by=request.user, data={**form.cleaned_data}
        ),
    ):
        messages.success(request, "Processing recorded; print the syringe labels, then release.")
        return redirect(done.value)
    sites = [site_display(site) for site in plan_sites(encounter.plan)]
    context = {"form": form, "encounter": encounter, "sites": sites}
    return render(request, "procedures/lab_run_form.html", context)


@login_required
@require_POST
def run_release(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    run = run_for_user(request.user, public_id, PROCESS)
    form = forms.ReleaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(form.errors)
        d = form.cleaned_data
        verifier = cosigner_authenticate(
            by=request.user,
            username=d["verifier_username"],
            password=d["verifier_password"],
            totp=d.get("verifier_totp") or None,
            field="verifier_password",
        )
        services.product_release(
            run=run,
            by=request.user,
            password=d["password"],
            totp=d.get("totp") or None,
            verifier=verifier,
            verifier_password=d["verifier_password"],
            verifier_totp=d.get("verifier_totp") or None,
            scans=d["scans"],
        )
    except DomainError as exc:
        apply_errors(form, exc)
        run.refresh_from_db()
        context = run_context(run, release_form=form, release_error=error_text(exc))
        return render(request, "lab/run_detail.html", context, status=409)
    messages.success(request, "Product released: signed, verified and every label scanned.")
    return redirect(run)


@login_required
def labels(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    require_perm(request.user, VIEW)
    containers = list(
        encounter.containers.select_related("patient", "clinic").exclude(
            status__in=[Container.Status.ADMINISTERED, Container.Status.DISCARDED]
        )
    )
    if not containers:
        messages.error(request, "No labelled containers to print.")
        return redirect(encounter)
    pdf = render_labels_pdf([lab_selectors.label_data(c) for c in containers])
    document_printed(
        by=request.user,
        target=encounter,
        document="labels " + ", ".join(f"{c.din} {c.product_code}" for c in containers),
        patient_public_id=encounter.patient.public_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    day = clock.localdate(containers[0].collected_at, encounter.clinic)
    response["Content-Disposition"] = (
        f'inline; filename="labels-{containers[0].din}-{day:%Y%m%d}.pdf"'
    )
    return response


@login_required
def trace(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, TRACE)
    form = forms.TraceForm(request.GET or None)
    clinic = staff_clinic(request.user)
    rows = selectors.recall_trace(clinic=clinic, **form.cleaned_data) if form.is_valid() else []
    return render(request, "procedures/lab_trace.html", {"form": form, "rows": rows})
