"""`marrowtrack worker`: run the database-backed task queue (reminders, patient messages).

The queue lives in the database, so queued work survives restarts; this is django-tasks-db's
worker under the project's name, with all of its options (--batch, --max-tasks, ...).
Before it starts, it settles the patient messages a stopped worker left mid-send
(``notifications.services.messages.messages_recover``), so none is sent twice or lost.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from marrowtrack.notifications.services.messages import messages_recover


class Command(DbWorkerCommand):
    help = "Run the MarrowTrack background worker (database-backed task queue)."

    def handle(self, *args: Any, **options: Any) -> None:
        messages_recover()
        super().handle(*args, **options)
