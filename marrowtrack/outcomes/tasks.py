"""Background tasks run by `marrowtrack worker` (django-tasks, database-backed queue)."""

from __future__ import annotations

from django_tasks import task


@task()
def reminder_deliver(reminder_public_id: str) -> str:
    """Deliver one survey reminder (sends once; skips after completion or window close)."""
    from marrowtrack.outcomes.services.reminders import reminder_deliver as deliver

    return deliver(public_id=reminder_public_id)
