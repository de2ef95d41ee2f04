"""Reacting to intake's plan milestones (connected in apps.py): both run inside intake's
transaction, so the plan's change and its survey schedule commit together or not at all."""

from __future__ import annotations

from typing import Any

from marrowtrack.outcomes.services.followups import baseline_open, followups_create_for_plan


def baseline_on_plan_approved(sender: Any, *, plan: Any, by: Any, **kwargs: Any) -> None:
    """An approved plan gets its baseline survey, sendable before the treatment."""
    baseline_open(plan=plan, by=by)


def schedule_on_plan_treated(sender: Any, *, plan: Any, by: Any, **kwargs: Any) -> None:
    """A treated plan gets its follow-up schedule, and its baseline closes."""
    followups_create_for_plan(plan=plan, by=by)
