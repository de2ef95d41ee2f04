from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from marrowtrack.web.navigation import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav_items": nav_for(user) if user is not None else [],
        "idle_minutes": settings.MARROWTRACK_IDLE_MINUTES,
        "current_section": (request.resolver_match.namespace if request.resolver_match else ""),
    }
