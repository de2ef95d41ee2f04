"""Pages that show or take clinic times run in the clinic's own zone: a time typed into a
form means the clinic's wall clock, and every time shown is the clinic's (core.clock)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def in_clinic_time(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        clinic = getattr(request.user, "clinic", None)
        if clinic is None:
            return view(request, *args, **kwargs)
        with timezone.override(clinic.timezone):
            return view(request, *args, **kwargs)

    return wrapped
