"""`marrowtrack rescore`: recompute every submitted response's scores (bulk numpy path)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from marrowtrack.outcomes.services.rescore import rescore_all


class Command(BaseCommand):
    help = "Rescore the whole registry from the stored raw answers."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rescore_all(by=None)
        for code, changed in counts.items():
            self.stdout.write(f"{code}: {changed} responses changed")
        self.stdout.write(f"rescored; {sum(counts.values())} responses changed in total")
