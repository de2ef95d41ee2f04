"""`marrowtrack worker`: run the database-backed task queue (reminders, later SMS).

The queue lives in the database, so queued work survives restarts; this is django-tasks-db's
worker under the project's name, with all of its options (--batch, --max-tasks, ...).
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the MarrowTrack background worker (database-backed task queue)."
