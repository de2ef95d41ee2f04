"""The navigation shown to each role. An item appears only if its permission is held."""

from __future__ import annotations

from marrowtrack.accounts.models import User
from marrowtrack.core.nav import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "web:home", None, "home"),
    NavItem("Patients", "patients:list", "patients.view_patient", "patients"),
    NavItem("Audit trail", "audit:list", "audit.view_auditevent", "audit"),
    NavItem("Staff", "accounts:staff-list", "accounts.manage_staff", "accounts"),
]


def all_nav_items() -> list[NavItem]:
    """The core items, then each app's `navigation.NAV_ITEMS`, in INSTALLED_APPS order."""
    from marrowtrack.core.discovery import app_modules

    items = list(NAV_ITEMS)
    for module in app_modules("navigation"):
        if module.__name__ != __name__:
            items.extend(module.NAV_ITEMS)
    return items


def nav_for(user: User) -> list[NavItem]:
    if not user.is_authenticated or user.clinic_id is None:
        return []
    return [
        item
        for item in all_nav_items()
        if item.permission is None or user.has_perm(item.permission)
    ]
