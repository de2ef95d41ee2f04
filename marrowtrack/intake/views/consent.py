"""Consent pages: start, the tablet signing page, the witness countersignature, the PDF."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import has_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.audit.services import document_printed
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.esign import patient_mode
from marrowtrack.intake.access import consent_for_user, plan_for_user
from marrowtrack.intake.forms import PatientSignForm, WitnessForm
from marrowtrack.intake.models import Consent
from marrowtrack.intake.services import consent as consent_services


@login_required
@require_POST
def consent_start(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Prepare (or reopen) the consent and hand the tablet to the patient: patient mode."""
    plan = plan_for_user(request.user, public_id, "intake.take_consent")
    try:
        consent = consent_services.consent_start(plan=plan, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(plan)
    _hand_to_patient(request, consent)
    return redirect(consent)


def _hand_to_patient(request: AuthenticatedHttpRequest, consent: Consent) -> None:
    page = consent.get_absolute_url()
    patient_mode.patient_mode_enter(
        request=request,
        record=consent,
        page=page,
        allowed=[reverse("intake:consent-sign", args=[consent.public_id])],
        return_to=page,
        patient_public_id=consent.plan.patient.public_id,
    )


def _in_patient_mode_for(request: AuthenticatedHttpRequest, consent: Consent) -> bool:
    mode = patient_mode.current(request)
    return mode is not None and mode.page == consent.get_absolute_url()


def _render(
    request: AuthenticatedHttpRequest,
    consent: Consent,
    sign: PatientSignForm | None = None,
    witness: WitnessForm | None = None,
) -> HttpResponse:
    context = {
        "consent": consent,
        "plan": consent.plan,
        "patient": consent.plan.patient,
        "document": consent.document,
        "sign_form": sign or PatientSignForm(),
        "witness_form": witness or WitnessForm(),
        "can_witness": has_perm(request.user, "intake.witness_consent"),
        "patient_holds_tablet": _in_patient_mode_for(request, consent),
    }
    return render(request, "intake/consent_detail.html", context)


@login_required
def consent_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    consent = consent_for_user(request.user, public_id, "intake.view_consent")
    return _render(request, consent)


@login_required
@require_POST
def consent_sign(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    consent = consent_for_user(request.user, public_id, "intake.take_consent")
    if not _in_patient_mode_for(request, consent):
        messages.error(request, "The patient signs in patient mode: hand the tablet over first.")
        return redirect(consent)
    form = PatientSignForm(request.POST)
    if run_form_action(
        form,
        lambda: consent_services.consent_patient_sign(
            consent=consent,
            by=request.user,
            typed_name=form.cleaned_data["typed_name"],
            signature=form.signature_value(),
        ),
    ):
        messages.success(
            request,
            "Thank you, you have signed. Please hand the tablet back to the staff member.",
        )
        return redirect(consent)
    return _render(request, consent, sign=form)


@login_required
@require_POST
def consent_witness(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    consent = consent_for_user(request.user, public_id, "intake.witness_consent")
    form = WitnessForm(request.POST)
    if run_form_action(
        form,
        lambda: consent_services.consent_witness(
            consent=consent, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Consent witnessed; the PDF copy is kept.")
        return redirect(consent)
    return _render(request, consent, witness=form)


@login_required
def consent_pdf(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    consent = consent_for_user(request.user, public_id, "intake.view_consent")
    try:
        pdf = consent_services.consent_pdf_ensure(consent=consent)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(consent)
    name = f"consent-{consent.plan.patient.mrn}-v{consent.document.version}.pdf"
    document_printed(
        by=request.user,
        target=consent,
        document=name,
        patient_public_id=consent.plan.patient.public_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
