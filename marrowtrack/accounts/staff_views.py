from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.accounts.services import api_tokens_active, api_tokens_revoke
from marrowtrack.accounts.staff import (
    MANAGE,
    staff_create,
    staff_for_admin,
    staff_is_locked,
    staff_locked_usernames,
    staff_reset_credentials,
    staff_unlock,
    staff_update,
)
from marrowtrack.core.forms import run_form_action


class StaffCreateForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = forms.CharField(max_length=150, label="Full name")
    credentials = forms.CharField(max_length=40, required=False, help_text="e.g. MD, RN, MLS")
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)


class StaffEditForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Account active")


@login_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, MANAGE)
    staff = User.objects.filter(clinic=request.user.clinic).prefetch_related("groups")
    enrolled = set(
        TOTPDevice.objects.filter(user__in=staff, confirmed=True).values_list("user_id", flat=True)
    )
    context = {"staff": staff, "enrolled": enrolled, "locked": staff_locked_usernames(staff)}
    return render(request, "accounts/staff_list.html", context)


@login_required
def staff_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, MANAGE)
    form = StaffCreateForm(request.POST or None)
    if done := run_form_action(form, lambda: staff_create(by=request.user, data=form.cleaned_data)):
        user, password = done.value
        return render(
            request, "accounts/staff_password.html", {"staff": user, "password": password}
        )
    return render(request, "accounts/staff_form.html", {"form": form, "staff": None})


@login_required
def staff_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    user = staff_for_admin(request.user, public_id)
    initial = {"role": (user.role_names or [""])[0], "is_active": user.is_active}
    form = StaffEditForm(request.POST or None, initial=initial)
    if run_form_action(form, lambda: staff_update(by=request.user, user=user, **form.cleaned_data)):
        messages.success(request, f"{user.printed_name} updated.")
        return redirect("accounts:staff-list")
    context = {
        "form": form,
        "staff": user,
        "locked": staff_is_locked(user),
        "tokens": api_tokens_active(user=user),
    }
    return render(request, "accounts/staff_form.html", context)


@require_POST
@login_required
def staff_reset(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    user = staff_for_admin(request.user, public_id)
    password = staff_reset_credentials(by=request.user, user=user)
    return render(request, "accounts/staff_password.html", {"staff": user, "password": password})


@require_POST
@login_required
def staff_unlock_view(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    user = staff_for_admin(request.user, public_id)
    staff_unlock(by=request.user, user=user)
    messages.success(request, f"{user.printed_name} can log in again.")
    return redirect("accounts:staff-edit", public_id=user.public_id)


@require_POST
@login_required
def staff_tokens_revoke(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    user = staff_for_admin(request.user, public_id)
    count = api_tokens_revoke(user=user, by=request.user, reason="revoked by administrator")
    messages.success(request, f"{count} API token(s) of {user.printed_name} revoked.")
    return redirect("accounts:staff-edit", public_id=user.public_id)
