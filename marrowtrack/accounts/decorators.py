"""View decorators for pages outside the app's own views (API docs, Django admin)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def needs_two_factor(user: Any) -> bool:
    """True when two-factor is required and this signed-in user has not verified a code."""
    return bool(settings.MARROWTRACK_REQUIRE_2FA and not user.is_verified())


def staff_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in through the app's log-in page (password, code, lockout) and, when two-factor
    is required, verified; otherwise off to log in or to enrol."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if needs_two_factor(request.user):
            return redirect("accounts:two-factor")
        return view(request, *args, **kwargs)

    return wrapped
