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


# Links shown in the bar itself; a laptop (1366 px) holds this many beside the brand, "More"
# and the user on one row. The rest, secondary links first, go under "More".
INLINE_LIMIT = 8


def nav_split(items: list[NavItem]) -> tuple[list[NavItem], list[NavItem]]:
    """(links in the bar, links under "More"), each in the order the apps declare them."""
    if len(items) <= INLINE_LIMIT:
        return items, []
    inline = [item for item in items if not item.secondary][:INLINE_LIMIT]
    return inline, [item for item in items if item not in inline]


def nav_for(user: User) -> list[NavItem]:
    if not user.is_authenticated or user.clinic_id is None:
        return []
    return [
        item
        for item in all_nav_items()
        if item.permission is None or user.has_perm(item.permission)
    ]
