"""Background tasks run by `marrowtrack worker` (django-tasks, database-backed queue)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from marrowtrack.outcomes.models import Reminder
from marrowtrack.outcomes.services import reminders


@task()
def reminder_deliver(reminder_public_id: str) -> str:
    """Deliver one survey reminder (sends once; skips after completion or window close)."""
    return reminders.reminder_deliver(public_id=reminder_public_id)


def reminders_queue_due(*, today: date | None = None) -> int:
    """Create today's reminders (each clinic's own today unless given) and queue their
    delivery on the worker."""

    def enqueue(reminder: Reminder) -> object:
        return reminder_deliver.enqueue(str(reminder.public_id))

    return reminders.reminders_enqueue_due(today=today, enqueue=enqueue)
