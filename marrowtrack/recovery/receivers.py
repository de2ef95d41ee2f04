"""Reacting to other apps' milestones (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from marrowtrack.recovery.services.courses import course_start


def course_on_plan_treated(sender: Any, *, plan: Any, by: Any, **kwargs: Any) -> None:
    """A treated plan starts its recovery course in the same transaction."""
    course_start(plan=plan, by=by)
