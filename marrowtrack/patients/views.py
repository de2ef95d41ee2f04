"""Patient pages. Each view parses, checks access, calls one service and renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.forms import form_status, run_form_action
from marrowtrack.patients import selectors, services
from marrowtrack.patients.access import entry_for_user, patient_for_user
from marrowtrack.patients.entries import ENTRY_KINDS, EntryKind
from marrowtrack.patients.forms import ArchiveForm, PatientForm, SearchForm
from marrowtrack.patients.panels import panels_for

CLINICAL = "patients.change_clinical_record"


def _kind(slug: str) -> EntryKind:
    if slug not in ENTRY_KINDS:
        raise Http404("Unknown kind of entry.")
    return ENTRY_KINDS[slug]


@login_required
def patient_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "patients.view_patient")
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    query = data.get("q", "")
    clinic = staff_clinic(request.user)
    try:
        page = selectors.patient_search_page(
            clinic=clinic, query=query, cursor=data.get("after", ""), limit=PAGE_SIZE
        )
    except ValidationFailed:  # a cursor from elsewhere: show the first page
        page = selectors.patient_search_page(clinic=clinic, query=query, limit=PAGE_SIZE)
    template = (
        "patients/patient_list.html#results" if request.htmx else "patients/patient_list.html"
    )
    context = {
        "form": form,
        "patients": page.items,
        "page": page,
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
    }
    return render(request, template, context)


PAGE_SIZE = 50


@login_required
def patient_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "patients.add_patient")
    form = PatientForm(request.POST or None)
    if done := run_form_action(
        form, lambda: services.patient_register(by=request.user, data=form.cleaned_data)
    ):
        patient = done.value
        messages.success(request, f"{patient.full_name} registered with MRN {patient.mrn}.")
        return redirect(patient)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@login_required
def patient_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_for_user(request.user, public_id)
    services.patient_record_viewed(patient=patient, by=request.user)
    context = {
        "patient": selectors.patient_with_record(patient, reread=False),
        "kinds": ENTRY_KINDS,
        "panels": panels_for(patient, request.user),
        "bmi": selectors.patient_bmi(patient),
    }
    return render(request, "patients/patient_detail.html", context)


@login_required
def patient_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_for_user(request.user, public_id, "patients.change_patient")
    form = PatientForm(request.POST or None, instance=patient)
    if run_form_action(
        form,
        lambda: services.patient_update(
            patient=patient, by=request.user, data=form.values, version=form.read_version
        ),
    ):
        messages.success(request, "Patient details saved.")
        return redirect(patient)
    context = {"form": form, "patient": patient}
    return render(request, "patients/patient_form.html", context, status=form_status(form))


@login_required
def patient_archive(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_for_user(request.user, public_id, "patients.archive_patient")
    form = ArchiveForm(request.POST or None)
    if run_form_action(
        form,
        lambda: services.patient_archive(patient=patient, by=request.user, **form.cleaned_data),
    ):
        messages.success(request, f"The record of {patient.full_name} is archived.")
        return redirect(patient)
    context = {"form": form, "patient": patient, "what": "this patient's record"}
    return render(request, "patients/archive_form.html", context)


@login_required
def entry_add(request: AuthenticatedHttpRequest, public_id: UUID, kind: str) -> HttpResponse:
    entry_kind = _kind(kind)
    patient = patient_for_user(request.user, public_id, CLINICAL)
    form = entry_kind.form(request.POST or None)
    if run_form_action(
        form, lambda: entry_kind.add(patient=patient, by=request.user, data=form.cleaned_data)
    ):
        messages.success(request, f"The {entry_kind.label} was added.")
        return redirect(patient)
    context = {"form": form, "patient": patient, "kind": entry_kind, "entry": None}
    return render(request, "patients/entry_form.html", context)


@login_required
def entry_edit(request: AuthenticatedHttpRequest, kind: str, public_id: UUID) -> HttpResponse:
    entry_kind = _kind(kind)
    update = entry_kind.update
    if update is None:
        raise Http404("This kind of entry is archived and re-entered, not edited.")
    entry = entry_for_user(request.user, entry_kind.model, public_id, CLINICAL)
    form: Any = entry_kind.form(request.POST or None, instance=entry)  # a versioned form
    if run_form_action(
        form,
        lambda: update(entry=entry, by=request.user, data=form.values, version=form.read_version),
    ):
        messages.success(request, f"The {entry_kind.label} was updated.")
        return redirect(entry.patient)
    context = {"form": form, "patient": entry.patient, "kind": entry_kind, "entry": entry}
    return render(request, "patients/entry_form.html", context, status=form_status(form))


@login_required
def entry_archive(request: AuthenticatedHttpRequest, kind: str, public_id: UUID) -> HttpResponse:
    entry_kind = _kind(kind)
    entry = entry_for_user(request.user, entry_kind.model, public_id, CLINICAL)
    form = ArchiveForm(request.POST or None)
    if run_form_action(
        form, lambda: services.entry_archive(entry=entry, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, f"The {entry_kind.label} was archived.")
        return redirect(entry.patient)
    context = {"form": form, "patient": entry.patient, "what": f"this {entry_kind.label}"}
    return render(request, "patients/archive_form.html", context)
