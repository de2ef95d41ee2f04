from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from marrowtrack.core.nav import NavItem
from marrowtrack.esign import patient_mode
from marrowtrack.web.navigation import nav_for, nav_split


def _active(items: list[NavItem], request: HttpRequest) -> str:
    """The one nav item to mark current: the page itself, else its section's first item."""
    match = request.resolver_match
    if match is None:
        return ""
    exact = [item.url_name for item in items if item.url_name == match.view_name]
    in_section = [item.url_name for item in items if item.section == match.namespace]
    return (exact or in_section or [""])[0]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    mode = patient_mode.current(request)
    # In patient mode the patient holds the tablet: no staff navigation at all.
    items = nav_for(user) if user is not None and mode is None else []
    inline, more = nav_split(items)
    active = _active(items, request)
    return {
        "patient_mode": mode,
        "nav_items": inline,
        "nav_more": more,
        "nav_more_active": any(item.url_name == active for item in more),
        "active_nav": active,
        "idle_minutes": settings.MARROWTRACK_IDLE_MINUTES,
    }
