from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from marrowtrack.accounts.forms import LoginForm, PasswordChangeForm, TotpConfirmForm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import ApiToken
from marrowtrack.accounts.services import (
    api_tokens_revoke,
    password_change,
    totp_confirm,
    totp_device_pending,
)
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.ops.ratelimit import rate_limited


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return "/"


@rate_limited("login", "MARROWTRACK_LOGIN_RATE")
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        if getattr(user, "otp_device", None) is not None:
            otp_login(request, user.otp_device)
        return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, "You are logged out.")
    return redirect("accounts:login")


LOCKED_MESSAGE = "Too many failed log-in attempts: the account is locked for a while."


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any):
    if request.path.startswith("/api/"):
        return JsonResponse({"message": LOCKED_MESSAGE}, status=429)  # the API error shape
    return render(request, "accounts/locked_out.html", status=429)


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return render(request, "accounts/two_factor_on.html")
    device = totp_device_pending(user=request.user)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_confirm(user=request.user, device=device, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect("web:home")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="Enrolment QR")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32_secret(device)},
    )


def _base32_secret(device: Any) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@login_required
def password_change_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Change your own password; your other sessions and every API token of yours end."""
    form = PasswordChangeForm(request.POST or None)
    if run_form_action(
        form,
        lambda: password_change(
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
        ),
    ):
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is changed. Your API tokens were revoked.")
        return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)[:100]
    return render(request, "accounts/token_list.html", {"tokens": tokens})


@require_POST
@login_required
def token_revoke(request: AuthenticatedHttpRequest, public_id: Any) -> HttpResponse:
    token = get_object_or_404(ApiToken, public_id=public_id, user=request.user)
    tokens = ApiToken.objects.filter(pk=token.pk)
    api_tokens_revoke(user=request.user, by=request.user, reason="revoked", tokens=tokens)
    messages.success(request, "Token revoked.")
    return redirect("accounts:tokens")
