"""The bedside page: each syringe of the day, verified and injected on its own, and what
each target received. After a STOP the first action offered is to return the syringe to
the lab, never to discard it (issue 9, item 12): the lab and the physician decide that
once it is back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import user_roles
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.forms import apply_errors
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.lab.access import container_for_user
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import CUSTODY
from marrowtrack.lab.procedure_day import plan_sites
from marrowtrack.lab.services import custody_return_to_lab
from marrowtrack.procedures import services
from marrowtrack.procedures.access import encounter_for_user
from marrowtrack.procedures.bedside import forms, selectors
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.permissions import STEP


def _next_site(encounter: ProcedureEncounter) -> str:
    injected = {(i.target, i.laterality) for i in encounter.injections.all()}
    pending = [s for s in plan_sites(encounter.plan) if s not in injected]
    target, side = (pending or plan_sites(encounter.plan))[0]
    return f"{target}:{side}"


def _returnable(encounter: ProcedureEncounter, user: Any) -> Container | None:
    """The syringe of the STOP just refused, when it is in the procedure room."""
    check = encounter.bedside_checks.filter(accepted=False, by=user).order_by("-at").first()
    container = check.container if check else None
    if container and container.kind == "concentrate" and container.location == "procedure_room":
        return container
    return None


def _context(request: HttpRequest, encounter: ProcedureEncounter, **extra: Any) -> dict:
    sites = plan_sites(encounter.plan)
    syringes = selectors.bedside_syringes(encounter)
    initial = {"site": _next_site(encounter)}
    now = clock.localtime(clock.now(), encounter.clinic).strftime("%Y-%m-%dT%H:%M")
    return {
        "encounter": encounter,
        "patient": encounter.patient,
        "plan": encounter.plan,
        "sites": [forms.site_choices([s])[0][1] for s in sites],
        "syringes": syringes,
        "to_give": any(
            row.injection is None and row.container.status == "released" for row in syringes
        ),
        "delivered": selectors.delivered_per_target(encounter),
        "checks": encounter.bedside_checks.select_related("by", "container"),
        "roles": {r.value for r in user_roles(request.user)},
        "bedside_form": forms.BedsideForm(sites=sites, initial=initial),
        "injection_form": forms.InjectionForm(
            sites=sites,
            initial={**initial, "guidance": "us", "started_at": now, "ended_at": now},
            auto_id="inj_%s",
        ),
        **extra,
    }


@login_required
def bedside_page(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    return render(request, "procedures/bedside.html", _context(request, encounter))


def _refused(
    request: HttpRequest, encounter: ProcedureEncounter, exc: DomainError, **forms_: Any
) -> HttpResponse:
    encounter.refresh_from_db()
    loud = isinstance(exc, SafetyRefusal)
    returnable = _returnable(encounter, request.user) if loud else None
    reason = "Bedside STOP: " + exc.message.removeprefix("STOP: ").split(". ")[0]
    return_form = (
        forms.ReturnForm(initial={"container": returnable.public_id, "reason": reason[:300]})
        if returnable
        else None
    )
    context = _context(
        request,
        encounter,
        refusal=exc.message if not isinstance(exc, ValidationFailed) else None,
        loud=loud,
        returnable=returnable,
        return_form=return_form,
        **forms_,
    )
    return render(request, "procedures/bedside.html", context, status=409)


def _field_errors(form: Any, exc: DomainError) -> None:
    # A hard stop is the banner above the page; only field errors go onto the form.
    if not isinstance(exc, SafetyRefusal):
        apply_errors(form, exc)


@login_required
@require_POST
def verify(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.BedsideForm(request.POST, sites=plan_sites(encounter.plan))
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors), bedside_form=form)
    try:
        d = form.service_data()
        second = cosigner_authenticate(
            by=request.user,
            username=d.pop("second_username"),
            password=d["second_password"],
            totp=d.pop("second_totp") or None,
            field="second_password",
        )
        services.bedside_verify(
            encounter=encounter,
            by=request.user,
            second_person=second,
            totp=d.pop("totp") or None,
            **d,
        )
    except DomainError as exc:
        _field_errors(form, exc)
        return _refused(request, encounter, exc, bedside_form=form)
    messages.success(request, "Bedside verification complete: syringe, wristband, site match.")
    return redirect("procedures:bedside", public_id=encounter.public_id)


@login_required
@require_POST
def inject(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.InjectionForm(request.POST, sites=plan_sites(encounter.plan), auto_id="inj_%s")
    if not form.is_valid():
        return _refused(request, encounter, ValidationFailed(form.errors), injection_form=form)
    try:
        data = form.service_data()
        services.injection_record(
            encounter=encounter,
            by=request.user,
            syringe_scan=data.pop("syringe_scan"),
            product_scan=data.pop("product_scan"),
            data=data,
        )
    except DomainError as exc:
        _field_errors(form, exc)
        return _refused(request, encounter, exc, injection_form=form)
    messages.success(request, "Injection recorded.")
    return redirect("procedures:bedside", public_id=encounter.public_id)


@login_required
@require_POST
def return_to_lab(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    encounter = encounter_for_user(request.user, public_id, STEP)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the syringe goes back to the lab.")
        return redirect("procedures:bedside", public_id=encounter.public_id)
    container = container_for_user(request.user, form.cleaned_data["container"], CUSTODY)
    try:
        custody_return_to_lab(
            by=request.user, container=container, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Syringe {container.din_display} {container.product_code} is on its way back to "
            "the lab; the lab scans it in.",
        )
    return redirect(reverse("procedures:bedside", args=[encounter.public_id]))
