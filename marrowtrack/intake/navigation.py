"""Intake's items in the main navigation."""

from __future__ import annotations

from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem("Plans", "intake:plan-list", "intake.view_treatmentplan", "intake"),
    NavItem("Schedule", "intake:schedule", "intake.view_appointment", "intake"),
    NavItem("Availability", "intake:availability", "intake.change_workinghours", "intake", True),
]
