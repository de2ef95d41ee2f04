"""Session rules for staff: automatic logoff after idle time, and two-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from marrowtrack.audit.denials import access_denied_record
from marrowtrack.core import clock

SESSION_KEY = "marrowtrack_last_activity"
EXEMPT_PREFIXES = ("/static/", "/api/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # Read the header: django-htmx's middleware (request.htmx) runs after these ones.
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _logged_out_redirect(request: HttpRequest, url: str) -> HttpResponse:
    # MessageMiddleware runs after this one, so store the notice on the response directly.
    storage = default_storage(request)
    storage.add(messages.INFO, "You were logged out after a period of inactivity.")
    response = _redirect(request, url)
    storage.update(response)
    return response


def activity_resolution(idle_seconds: float) -> float:
    """How old the stored last activity may grow before a request writes it again: 30 s,
    or a thirtieth of a shorter idle limit. Writing it on every request saved the session
    (a database write) on every page; stored this coarsely, a user is logged off at most
    this much before the full idle time, never after it."""
    return min(30.0, idle_seconds / 30)


class IdleLogoutMiddleware:
    """Log a signed-in user out after MARROWTRACK_IDLE_MINUTES without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            now = clock.now().timestamp()
            idle_seconds = settings.MARROWTRACK_IDLE_MINUTES * 60
            last = request.session.get(SESSION_KEY)
            if last is not None and now - float(last) > idle_seconds:
                logout(request)
                login_url = reverse("accounts:login")
                return _logged_out_redirect(request, f"{login_url}?next={request.path}")
            if last is None or now - float(last) >= activity_resolution(idle_seconds):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """When two-factor is required, a signed-in user without a verified TOTP may only enrol
    (or log out): every other page, the staff pages and the Django admin included, sends
    them to enrolment. This holds after an administrator's reset too (the device is gone,
    so the session is no longer verified). The API refuses such users a token."""

    ENROLMENT_URLS = ("accounts:two-factor", "accounts:logout", "accounts:login")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MARROWTRACK_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.path not in {reverse(name) for name in self.ENROLMENT_URLS}
        ):
            return _redirect(request, reverse("accounts:two-factor"))
        return self.get_response(request)


class AccessDeniedAuditMiddleware:
    """Every 403 from a page (PermissionDenied from an access helper) is audited as
    ``access.denied``; the API does the same in its PermissionDenied handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            reason = str(exception) or "Your role does not allow this."
            access_denied_record(user=request.user, path=request.path, reason=reason)


class ClinicTimeMiddleware:
    """Run a signed-in staff user's request in their clinic's time zone, never the server's:
    every `|date`, `|time` and `|clinic_time` on the page, a time typed into a form and
    `clock.today()` without a clinic then mean the clinic's wall clock (ADR 0025). An API
    request's token is read later, by the endpoint, which switches to the token user's clinic
    (api.TokenAuth); the zone in force before the request is restored after it either way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        clinic = getattr(request.user, "clinic", None) if request.user.is_authenticated else None
        zone = clinic.timezone if clinic is not None else timezone.get_current_timezone()
        with timezone.override(zone):
            return self.get_response(request)
