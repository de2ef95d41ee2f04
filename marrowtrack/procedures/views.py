"""Procedure-day pages. Each view parses, checks access, calls one service and renders."""

from __future__ import annotations

from datetime import date
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
from marrowtrack.audit.services import document_printed
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.models import INJECTED_COMPARATORS, TreatmentPlan
from marrowtrack.procedures import forms, selectors, services
from marrowtrack.procedures.access import VIEW, encounter_for_user
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.note import note_context, note_html
from marrowtrack.procedures.note import note_pdf as render_note_pdf
from marrowtrack.procedures.permissions import EVIDENCE, STEP
from marrowtrack.procedures.safety import EncounterSafety, encounter_safety
from marrowtrack.procedures.services import note as note_services
from marrowtrack.procedures.services.anaesthesia import dose_status
from marrowtrack.procedures.services.comparator import comparator_injection_record
from marrowtrack.procedures.services.discharge import discharge_earliest, min_recovery_minutes
from marrowtrack.procedures.services.encounter import machine_for
from marrowtrack.procedures.sides import planned_harvest_side, side_label
from marrowtrack.procedures.states import ProcedureState


def _error_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(msg for msgs in exc.errors.values() for msg in msgs)
    return exc.message


def _day_param(value: str | None, today: date) -> date:
    """The board's day from ``?day=YYYY-MM-DD``; today when absent or not a date."""
    try:
        return date.fromisoformat(value) if value else today
    except ValueError:
        return today


@login_required
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, VIEW)
    clinic = request.user.clinic
    today = clock.today(clinic)
    day = _day_param(request.GET.get("day"), today)
    rows = selectors.board_rows(clinic=clinic, day=day)
    roles = {role.value for role in user_roles(request.user)}
    context = {
        "rows": rows,
        "roles": roles,
        "in_lab": [r for r in rows if r.in_lab],
        "day": day,
        "today": today,
        "is_today": day == today,
    }
    template = "procedures/board.html#board" if request.htmx else "procedures/board.html"
    return render(request, template, context)


def _plans_to_check_in(user: User) -> list[TreatmentPlan]:
    plans = (
        TreatmentPlan.objects.filter(
            patient__clinic_id=user.clinic_id,
            status=TreatmentPlan.Status.APPROVED,
            treatment__in=["bmac", "bmac_prp", *INJECTED_COMPARATORS],
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
                temperature_c=form.cleaned_data["temperature_c"],
            )
        except SafetyRefusal as exc:
            context = {
                "form": form,
                "refusal": exc.message,
                "day_screening": selectors.day_screening_today(plan=plan),
            }
            return render(request, "procedures/check_in.html", context, status=409)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{plan.patient.full_name} is checked in.")
            return redirect(encounter)
    return render(request, "procedures/check_in.html", {"form": form})


TIMEOUTS = (ProcedureState.TIMEOUT_1, ProcedureState.TIMEOUT_2)


def _step_forms(
    encounter: ProcedureEncounter, user: User, safety: EncounterSafety
) -> list[tuple[ProcedureState, Any]]:
    roles, machine = user_roles(user), machine_for(encounter)
    prep = {"prep_agent": safety.prep_agent.code} if safety.prep_agent else {}
    step_forms = [
        (
            target,
            forms.STEP_FORMS[target](
                prefix=target.value, initial=prep if target in TIMEOUTS else None
            ),
        )
        for target in sorted(machine.next_states(encounter.current), key=lambda s: s == "aborted")
        if target in forms.STEP_FORMS and roles & machine.roles_for(encounter.current, target)
    ]
    if encounter.is_comparator:
        for _target, form in step_forms:
            _without_harvest_words(form)
    return step_forms


# A comparator day has no harvest: its checklists name the injection site only.
COMPARATOR_LABELS = {
    "dressings_checked": "Injection site dressing dry and intact",
    "instructions_given": "Instructions given: the after-care for this injection",
}


def _without_harvest_words(form: Any) -> None:
    for name, label in COMPARATOR_LABELS.items():
        if name in form.fields:
            form.fields[name].label = label


def _detail_context(request: HttpRequest, encounter: ProcedureEncounter, **extra: Any) -> dict:
    plan = encounter.plan
    safety = encounter_safety(encounter)
    return {
        "encounter": encounter,
        "patient": encounter.patient,
        "plan": plan,
        "safety": safety,
        "discharge_earliest": discharge_earliest(encounter),
        "min_recovery_minutes": min_recovery_minutes(),
        "planned_harvest_label": side_label(planned_harvest_side(encounter)),
        "steps": encounter.steps.select_related("by").prefetch_related("participants"),
        "step_forms": _step_forms(encounter, request.user, safety),
        "dose": dose_status(encounter),
        "lidocaine_form": forms.AnaestheticForm(),
        "alternative_form": forms.AlternativeAgentForm(),
        "containers": encounter.containers.all(),
        "checks": encounter.bedside_checks.all(),
        "roles": {r.value for r in user_roles(request.user)},
        "comparator": getattr(encounter, "comparator_injection", None),
        **extra,
    }


@login_required
def encounter_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    extra = {}
    if encounter.is_comparator and encounter.state == ProcedureState.TIMEOUT_1:
        extra["injection_form"] = forms.ComparatorInjectionForm(plan=encounter.plan)
    return render(
        request, "procedures/encounter.html", _detail_context(request, encounter, **extra)
    )


@login_required
@require_POST
def comparator_injection(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record a comparator day's injection (drug, dose, volume, lot, guidance, site)."""
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.ComparatorInjectionForm(request.POST, plan=encounter.plan)
    if not form.is_valid():
        exc: DomainError = ValidationFailed(form.errors)
        return _refused(request, encounter, exc, injection_form=form)
    try:
        comparator_injection_record(encounter=encounter, by=request.user, data=form.cleaned_data)
    except DomainError as exc:
        return _refused(request, encounter, exc, injection_form=form)
    # The injection leaves the encounter at "injected"; recovery is the nurse's next step.
    messages.success(request, "Injection recorded.")
    return redirect(encounter)


def _refused(
    request: HttpRequest,
    encounter: ProcedureEncounter,
    exc: DomainError,
    status: int = 409,
    **extra: Any,
) -> HttpResponse:
    encounter.refresh_from_db()
    context = _detail_context(
        request, encounter, refusal=_error_text(exc), loud=isinstance(exc, SafetyRefusal), **extra
    )
    return render(request, "procedures/encounter.html", context, status=status)


@login_required
@require_POST
def encounter_step(request: AuthenticatedHttpRequest, public_id: UUID, to: str) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    try:
        target = services.step_named(to)
    except ValidationFailed as exc:
        return _refused(request, encounter, exc, status=422)
    if target not in forms.STEP_FORMS:
        refusal = ValidationFailed(
            {"to": [f"{target.label} is not recorded with this form: use its own page."]}
        )
        return _refused(request, encounter, refusal, status=422)
    form = forms.STEP_FORMS[target](request.POST, prefix=target.value)
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors))
    try:
        data = form.data_for(request.user.clinic, request.user)
        services.encounter_transition(encounter=encounter, to=target, by=request.user, data=data)
    except DomainError as exc:
        return _refused(request, encounter, exc)
    messages.success(request, _step_message(encounter, target))
    return redirect(encounter)


def _step_message(encounter: ProcedureEncounter, target: ProcedureState) -> str:
    """What the recorded step means for the team; recovery only once the encounter is there."""
    if target != ProcedureState.RECOVERY:
        return f"Recorded: {target.label}."
    earliest = discharge_earliest(encounter)
    said = f"Recorded: {target.label}. The patient goes to recovery."
    if earliest:
        at = clock.localtime(earliest, encounter.clinic)
        said += f" Discharge at {at:%H:%M} at the earliest."
    return said


@login_required
@require_POST
def lidocaine(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.AnaestheticForm(request.POST)
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors))
    try:
        check = services.anaesthetic_give(encounter=encounter, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, encounter, exc)
    name = check.agent.capitalize()
    messages.success(
        request,
        f"{name} recorded: {check.total_mg} mg today, {check.remaining_mg} mg remaining "
        f"({check.formula}); {check.fraction_used * 100:.1f} % of the day's combined maximum.",
    )
    return redirect(encounter)


def _harvest_context(encounter: ProcedureEncounter, **extra: Any) -> dict[str, Any]:
    record = getattr(encounter, "harvest", None)
    planned_label = side_label(planned_harvest_side(encounter))
    # What the service refused is shown in the loud stop box, as on the other procedure pages.
    posted = extra.get("form") or extra.get("amend_form")
    refusals = list(posted.non_field_errors()) if posted is not None and posted.is_bound else []
    return {
        "refusals": refusals,
        "encounter": encounter,
        "patient": encounter.patient,
        "plan": encounter.plan,
        "safety": encounter_safety(encounter),
        "planned_side": planned_harvest_side(encounter),
        "planned_label": planned_label,
        "planned_harvest_label": planned_label,
        "record": record,
        "amendments": record.amendments.select_related("amended_by", "signature") if record else [],
        **extra,
    }


@login_required
@require_POST
def alternative_agent(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.AlternativeAgentForm(request.POST)
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors))
    try:
        services.alternative_agent_approve(
            encounter=encounter, by=request.user, **form.cleaned_data
        )
    except DomainError as exc:
        return _refused(request, encounter, exc)
    messages.success(request, "Alternative local anaesthetic plan signed.")
    return redirect(encounter)


@login_required
def harvest(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    if hasattr(encounter, "harvest"):
        context = _harvest_context(encounter, amend_form=forms.HarvestAmendForm())
        return render(request, "procedures/harvest.html", context)
    initial = {"side": planned_harvest_side(encounter)}
    form = forms.HarvestForm(request.POST or None, initial=initial)
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
    status = 409 if request.method == "POST" else 200
    return render(
        request, "procedures/harvest.html", _harvest_context(encounter, form=form), status=status
    )


@login_required
@require_POST
def harvest_amend(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    record = getattr(encounter, "harvest", None)
    if record is None:
        raise Http404("No harvest recorded.")
    form = forms.HarvestAmendForm(request.POST)
    if form.is_valid():
        try:
            services.harvest_side_amend(harvest=record, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Harvest side amended and signed.")
            return redirect("procedures:harvest", public_id=encounter.public_id)
    encounter.refresh_from_db()
    context = _harvest_context(encounter, amend_form=form)
    return render(request, "procedures/harvest.html", context, status=409)


@login_required
def note(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    context = {
        **note_context(encounter),
        "roles": {r.value for r in user_roles(request.user)},
    }
    return render(request, "procedures/note.html", context)


@login_required
@require_POST
def note_sign(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    try:
        note_services.procedure_note_sign(
            encounter=encounter, by=request.user, password=request.POST.get("password", "")
        )
    except DomainError as exc:
        context = {
            **note_context(encounter),
            "roles": {r.value for r in user_roles(request.user)},
            "sign_error": _error_text(exc),
        }
        return render(request, "procedures/note.html", context, status=409)
    messages.success(request, "Procedure note signed; the signed PDF is kept.")
    return redirect("procedures:note", public_id=encounter.public_id)


@login_required
def note_pdf(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id)
    signed = getattr(encounter, "note", None)
    pdf = bytes(signed.pdf) if signed else render_note_pdf(note_html(encounter, unsigned=True))
    name = f"procedure-note-{encounter.patient.mrn}-{encounter.day:%Y%m%d}"
    name += ".pdf" if signed else "-draft.pdf"
    document_printed(
        by=request.user,
        target=signed or encounter,
        document=name,
        patient_public_id=encounter.patient.public_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def evidence(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, EVIDENCE)
    context = {"encounter": encounter, "facts": selectors.evidence_summary(encounter)}
    return render(request, "procedures/evidence.html", context)
