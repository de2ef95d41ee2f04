"""Reacting to other apps' milestones (connected in apps.py)."""

from __future__ import annotations

from typing import Any


def schedule_on_plan_treated(sender: Any, *, plan: Any, by: Any, **kwargs: Any) -> None:
    """A treated plan gets its follow-up schedule in the same transaction."""
    from marrowtrack.outcomes.services.followups import followups_create_for_plan

    followups_create_for_plan(plan=plan, by=by)
