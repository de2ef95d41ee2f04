"""Procedure-day pages. Each view parses, checks access, calls one service and renders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm, user_roles
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.procedures import forms, selectors, services
from marrowtrack.procedures.access import VIEW, encounter_for_user
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.permissions import EVIDENCE, STEP
from marrowtrack.procedures.services.anaesthesia import dose_status
from marrowtrack.procedures.states import ProcedureState, next_states, roles_for


def _error_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(msg for msgs in exc.errors.values() for msg in msgs)
    return exc.message


@login_required
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, VIEW)
    rows = selectors.board_rows(clinic=request.user.clinic)
    roles = {role.value for role in user_roles(request.user)}
    context = {"rows": rows, "roles": roles, "in_lab": [r for r in rows if r.in_lab]}
    template = "procedures/board.html#board" if request.htmx else "procedures/board.html"
    return render(request, template, context)


def _plans_to_check_in(user: User) -> list[TreatmentPlan]:
    plans = (
        TreatmentPlan.objects.filter(
            patient__clinic_id=user.clinic_id,
            status=TreatmentPlan.Status.APPROVED,
            treatment__in=["bmac", "bmac_prp"],
            archived_at__isnull=True,
        )
        .exclude(
            encounters__state__in=[
                s.value
                for s in ProcedureState
                if s.value not in ("discharged", "aborted", "product_discarded")
            ]
        )
        .select_related("patient")
    )
    return list(plans.order_by("patient__family_name")[:200])


@login_required
def check_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, STEP)
    plans = _plans_to_check_in(request.user)
    form = forms.CheckInForm(request.POST or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        plan = next(p for p in plans if str(p.public_id) == form.cleaned_data["plan"])
        try:
            encounter = services.encounter_check_in(
                plan=plan,
                by=request.user,
                typed_name=form.cleaned_data["typed_name"],
                typed_dob=form.cleaned_data["typed_dob"],
            )
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{plan.patient.full_name} is checked in.")
            return redirect(encounter)
    return render(request, "procedures/check_in.html", {"form": form})


def _step_forms(encounter: ProcedureEncounter, user: User) -> list[tuple[ProcedureState, Any]]:
    roles = user_roles(user)
    return [
        (target, forms.STEP_FORMS[target](prefix=target.value))
        for target in sorted(next_states(encounter.current), key=lambda s: s == "aborted")
        if target in forms.STEP_FORMS and roles & roles_for(encounter.current, target)
    ]


def _detail_context(request: HttpRequest, encounter: ProcedureEncounter, **extra: Any) -> dict:
    plan = encounter.plan
    return {
        "encounter": encounter,
        "patient": encounter.patient,
        "plan": plan,
        "steps": encounter.steps.select_related("by").prefetch_related("participants"),
        "step_forms": _step_forms(encounter, request.user),
        "dose": dose_status(encounter),
        "lidocaine": encounter.lidocaine.all(),
        "lidocaine_form": forms.LidocaineForm(),
        "containers": encounter.containers.all(),
        "checks": encounter.bedside_checks.all(),
        "roles": {r.value for r in user_roles(request.user)},
        **extra,
    }


@login_required
def encounter_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    return render(request, "procedures/encounter.html", _detail_context(request, encounter))


def _refused(request: HttpRequest, encounter: ProcedureEncounter, exc: DomainError) -> HttpResponse:
    encounter.refresh_from_db()
    context = _detail_context(
        request, encounter, refusal=_error_text(exc), loud=isinstance(exc, SafetyRefusal)
    )
    return render(request, "procedures/encounter.html", context, status=409)


@login_required
@require_POST
def encounter_step(request: AuthenticatedHttpRequest, public_id: UUID, to: str) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    try:
        target = ProcedureState(to)
        form = forms.STEP_FORMS[target](request.POST, prefix=target.value)
    except (ValueError, KeyError) as exc:
        raise Http404("No such step.") from exc
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors))
    try:
        data = form.data_for(request.user.clinic, request.user)
        services.encounter_transition(encounter=encounter, to=target, by=request.user, data=data)
    except DomainError as exc:
        return _refused(request, encounter, exc)
    messages.success(request, f"Recorded: {target.label}.")
    return redirect(encounter)


@login_required
@require_POST
def lidocaine(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.LidocaineForm(request.POST)
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors))
    try:
        check = services.lidocaine_give(encounter=encounter, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, encounter, exc)
    messages.success(
        request,
        f"Lidocaine recorded: {check.total_mg} mg today, "
        f"{check.remaining_mg} mg remaining ({check.formula}).",
    )
    return redirect(encounter)


@login_required
def harvest(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.HarvestForm(request.POST or None, initial={"side": encounter.harvest_side})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.harvest_record(
                encounter=encounter, by=request.user, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            for warning in record.warnings:
                messages.warning(request, warning)
            messages.success(request, "Harvest recorded; the aspirate label is ready to print.")
            return redirect(encounter)
    return render(request, "procedures/harvest.html", {"form": form, "encounter": encounter})


@login_required
def evidence(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, EVIDENCE)
    context = {"encounter": encounter, "facts": selectors.evidence_summary(encounter)}
    return render(request, "procedures/evidence.html", context)
