"""Leaving patient mode: the staff member's own password takes the tablet back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.forms import run_form_action
from marrowtrack.esign import patient_mode
from marrowtrack.esign.forms import LeavePatientModeForm


@login_required
def patient_mode_leave(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = patient_mode.current(request)
    if mode is None:
        return redirect("web:home")
    form = LeavePatientModeForm(request.POST or None)
    if run_form_action(
        form, lambda: patient_mode.patient_mode_leave(request=request, **form.cleaned_data)
    ):
        messages.success(request, "Patient mode ended: the staff pages are back.")
        return redirect(mode.return_to)
    return render(request, "esign/patient_mode_leave.html", {"form": form, "mode": mode})
