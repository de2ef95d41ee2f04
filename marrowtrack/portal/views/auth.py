"""Portal sign-in: ask for a link, open a link (confirm, then it is spent), password,
sign-out. Answers never reveal whether an email or number belongs to a patient."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.ops.ratelimit import client_address, rate_limited
from marrowtrack.portal import services
from marrowtrack.portal.access import COOKIE, portal_page, portal_session
from marrowtrack.portal.forms import LinkRequestForm, PasswordSetForm, PasswordSignInForm


def _address(request: HttpRequest) -> str:
    # The client's address as the trusted proxy saw it (not the proxy's own, shared by all).
    return client_address(request)


def _signed_in(request: HttpRequest, started: services.Started, next_url: str) -> HttpResponse:
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    response = redirect(next_url if next_url and safe else started.target)
    response.set_cookie(
        COOKIE,
        started.key,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    return asked if asked in ("en", "es") else "en"


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        link_form = LinkRequestForm(request.POST if "request_link" in request.POST else None)
        password_form = PasswordSignInForm(request.POST if "password" in request.POST else None)
        context = {
            "link_form": link_form,
            "password_form": password_form,
            "lang": _language(request),
        }
        status = 200
        if link_form.is_bound and link_form.is_valid():
            try:
                services.link_request(
                    identifier=link_form.cleaned_data["identifier"], address=_address(request)
                )
            except services.TooManyAttempts as exc:
                link_form.add_error(None, _(exc.message))
                status = 429
            else:
                return render(request, "portal/link_sent.html", context)
        if password_form.is_bound and password_form.is_valid():
            try:
                started = services.password_sign_in(
                    **password_form.cleaned_data, address=_address(request)
                )
            except DomainError as exc:
                password_form.add_error(None, _(exc.message))
                status = 429 if isinstance(exc, services.TooManyAttempts) else 200
            else:
                return _signed_in(request, started, request.GET.get("next", ""))
        return render(request, "portal/sign_in.html", context, status=status)


@never_cache
@rate_limited("portal-link", "MARROWTRACK_PORTAL_LINK_RATE", methods=("GET", "POST"))
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows whose link it is and a button; POST spends it. A mail scanner that opens
    the link does not sign anyone in."""
    try:
        peeked = services.link_peek(token)
    except DomainError as exc:
        return render(request, "portal/invalid.html", {"message": exc.message}, status=410)
    with translation.override(peeked.patient.preferred_language or "en"):
        if request.method != "POST":
            return render(request, "portal/link.html", {"given_name": peeked.patient.given_name})
        try:
            started = services.link_use(token=token)
        except DomainError as exc:
            return render(request, "portal/invalid.html", {"message": _(exc.message)}, status=410)
        return _signed_in(request, started, "")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session = portal_session(request)
    if session is not None:
        services.session_end(session=session)
    response = redirect("portal:sign-in")
    response.delete_cookie(COOKIE)
    return response


@portal_page
def password(request: HttpRequest) -> HttpResponse:
    form = PasswordSetForm(request.POST or None)
    if run_form_action(
        form, lambda: services.password_set(session=request.portal_session, **form.cleaned_data)
    ):
        return render(request, "portal/password_done.html")
    return render(request, "portal/password.html", {"form": form})
