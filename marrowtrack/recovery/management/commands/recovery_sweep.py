"""`marrowtrack recovery_sweep`: invite, remind, mark missed check-ins (every few minutes,
e.g. cron */5); settles messages a stopped worker left."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from marrowtrack.recovery.services.checkins import checkins_sweep


class Command(BaseCommand):
    help = "Queue check-in invitations and reminders, and turn missed check-ins into calls."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = checkins_sweep()
        self.stdout.write(", ".join(f"{value} {name}" for name, value in counts.items()))
