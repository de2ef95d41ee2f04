from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.web.worklists import worklists_for


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's worklists (their roles' next work), then the general cards."""
    user = request.user
    context = {
        "roles": user.role_labels,
        "worklists": worklists_for(user) if user.clinic_id else [],
    }
    return render(request, "web/home.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
