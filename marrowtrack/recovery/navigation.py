"""Recovery's items in the main navigation."""

from __future__ import annotations

from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem("Worklist", "recovery:worklist", "recovery.view_nursetask", "recovery"),
    NavItem("Recovery", "recovery:courses", "recovery.view_recoverycourse", "recovery"),
    NavItem("Adverse events", "recovery:ae-list", "recovery.view_adverseevent", "recovery", True),
]
