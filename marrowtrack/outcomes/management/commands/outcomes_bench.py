"""`marrowtrack outcomes_bench [--rewrite | --unchanged]`: rescoring, the whole path from
stored answers to stored scores, exact vs vectorised, beside a plain numpy floor (one run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from marrowtrack.outcomes.benchmark import PathTiming, run_benchmark, total


class Command(BaseCommand):
    help = (
        "Time rescoring on the current database: exact row by row, vectorised, and a plain "
        "numpy floor over the same answers, each in a transaction rolled back afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        only = parser.add_mutually_exclusive_group()
        only.add_argument(
            "--rewrite", action="store_true", help="only the every-row-rewritten case"
        )
        only.add_argument("--unchanged", action="store_true", help="only the nothing-changed case")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = [("nothing changed: read, score, compare", False)]
        cases.append(("rule change: read, score, write every row", True))
        if options["rewrite"]:
            cases = cases[1:]
        elif options["unchanged"]:
            cases = cases[:1]
        for title, rewrite in cases:
            rows = run_benchmark(rewrite=rewrite)
            if not rows:
                raise CommandError("No submitted responses: load data first (marrowtrack demo).")
            self.stdout.write(f"\n{title} ({connection.vendor})")
            self._table(rows)

    def _table(self, rows: list[PathTiming]) -> None:
        self.stdout.write(
            f"{'instrument':<13}{'responses':>10}{'exact s':>10}{'vectorised s':>14}"
            f"{'floor s':>10}{'x faster':>10}{'x floor':>9}"
        )
        for r in [*rows, total(rows)]:
            self.stdout.write(
                f"{r.instrument:<13}{r.responses:>10}{r.exact_seconds:>10.3f}"
                f"{r.vectorised_seconds:>14.3f}{r.floor_seconds:>10.3f}"
                f"{r.speedup:>10.1f}{r.over_floor:>9.1f}"
            )
