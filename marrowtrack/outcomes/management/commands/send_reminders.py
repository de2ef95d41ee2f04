"""`marrowtrack send_reminders`: queue today's survey reminders (run once a day, e.g. cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from marrowtrack.outcomes.tasks import reminders_queue_due


class Command(BaseCommand):
    help = "Queue the survey reminders due today; `marrowtrack worker` sends them."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = reminders_queue_due()  # each clinic's own today
        self.stdout.write(f"{queued} reminders queued")
