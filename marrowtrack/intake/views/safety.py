"""Safety pages of a plan: the prescriber's hold plans, the re-check on the procedure day,
the rules in force, and the clinic's intake settings."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal
from marrowtrack.core.forms import apply_errors, form_status, run_form_action
from marrowtrack.intake import rules, selectors
from marrowtrack.intake.access import plan_for_user
from marrowtrack.intake.forms import DayCheckForm, HoldForm, IntakeSettingsForm
from marrowtrack.intake.services import holds as hold_services
from marrowtrack.intake.services import screening as screening_services
from marrowtrack.intake.services.settings import intake_settings_update


@login_required
def hold_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, "intake.add_medicationhold")
    form = HoldForm(request.POST or None, plan=plan)
    if run_form_action(
        form,
        lambda: hold_services.medication_hold_record(
            plan=plan, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Hold plan recorded and signed.")
        return redirect(plan)
    safety = selectors.plan_safety(plan, today=clock.today(plan.patient.clinic))
    context = {"form": form, "plan": plan, "patient": plan.patient, "safety": safety}
    return render(request, "intake/hold_form.html", context)


@login_required
def day_check(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The nurse re-screens on the procedure day with today's temperature."""
    plan = plan_for_user(request.user, public_id, "intake.run_screening")
    form = DayCheckForm(request.POST or None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            screening_services.screening_day_check_audited(
                plan=plan, by=request.user, temperature_c=form.cleaned_data["temperature_c"]
            )
        except SafetyRefusal as exc:
            refusal = exc.message
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Re-checked today: nothing stops the procedure.")
            return redirect(plan)
    context = {"form": form, "plan": plan, "patient": plan.patient, "refusal": refusal}
    return render(request, "intake/day_check.html", context, status=409 if refusal else 200)


@login_required
def ruleset(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The eligibility rules in force at the user's clinic, with thresholds and sources."""
    require_perm(request.user, "intake.view_treatmentplan")
    current = selectors.clinic_ruleset(staff_clinic(request.user))
    context = {"ruleset": current, "sha256": rules.ruleset_sha256(current)}
    return render(request, "intake/ruleset.html", context)


@login_required
def settings_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "intake.change_intakesettings")
    current = selectors.intake_settings(staff_clinic(request.user))
    form = IntakeSettingsForm(request.POST or None, instance=current, version=current.version)
    if run_form_action(
        form,
        lambda: intake_settings_update(
            clinic=staff_clinic(request.user),
            by=request.user,
            data=form.values,
            version=form.read_version,
        ),
    ):
        messages.success(request, "Intake settings saved.")
        return redirect("intake:settings")
    return render(request, "intake/settings.html", {"form": form}, status=form_status(form))
