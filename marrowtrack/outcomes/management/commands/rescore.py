"""`marrowtrack rescore [--exact]`: recompute every submitted response's scores.

The default path is vectorised end to end (services/rescore.py); `--exact` scores each row with
the exact scorer instead, for comparison. Prints what changed and the time taken.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.outcomes.services.rescore import rescore_all


class Command(BaseCommand):
    help = "Rescore the whole registry from the stored raw answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--exact", action="store_true", help="score each row with the exact scorer (slow)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = rescore_all(by=None, exact=options["exact"])
        seconds = time.perf_counter() - started
        for code, read in report.read.items():
            self.stdout.write(f"{code}: {read} read, {report.changed[code]} changed")
        for problem in report.invalid:
            self.stderr.write(f"kept old scores, answer refused by the current rules: {problem}")
        path = "exact, row by row" if options["exact"] else "vectorised"
        total = sum(report.read.values())
        self.stdout.write(
            f"rescored {total} responses ({path}) in {seconds:.2f} s; "
            f"{report.total_changed} changed, {len(report.invalid)} refused"
        )
