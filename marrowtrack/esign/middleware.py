from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from marrowtrack.esign.attempts import signing_attempts


class SigningAttemptsMiddleware:
    """Binds the request for re-authentication (axes counts by address) and records failed
    re-authentications once the request's transactions are over (see esign.attempts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with signing_attempts(request):
            return self.get_response(request)
