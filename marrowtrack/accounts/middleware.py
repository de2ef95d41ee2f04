"""Session rules for staff: automatic logoff after idle time, and two-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

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


class IdleLogoutMiddleware:
    """Log a signed-in user out after MARROWTRACK_IDLE_MINUTES without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            now = clock.now().timestamp()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - float(last) > settings.MARROWTRACK_IDLE_MINUTES * 60:
                logout(request)
                login_url = reverse("accounts:login")
                return _logged_out_redirect(request, f"{login_url}?next={request.path}")
            request.session[SESSION_KEY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """When two-factor is required, a signed-in user without a verified TOTP may only enrol."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MARROWTRACK_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith((*EXEMPT_PREFIXES, "/accounts/"))
        ):
            return _redirect(request, reverse("accounts:two-factor"))
        return self.get_response(request)
