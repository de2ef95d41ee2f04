"""Analytics' items in the main navigation."""

from __future__ import annotations

from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem("Registry", "analytics:dashboard", "outcomes.view_followup", "analytics", True),
    NavItem("Research", "analytics:research-home", "accounts.view_deidentified", "analytics"),
    NavItem("Registry", "analytics:dashboard", "accounts.view_deidentified", "analytics"),
]
