"""`marrowtrack outcomes_bench [--rewrite | --unchanged] [--vectorised-first]`: rescoring, the
whole path from stored answers to stored scores, exact vs vectorised, beside a plain numpy floor
(one run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from marrowtrack.outcomes.benchmark import CaseTiming, submitted_counts, time_case


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
        parser.add_argument(
            "--vectorised-first",
            action="store_true",
            help="time the vectorised path before the exact one (alternate it between runs)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cases = [("nothing changed: read, score, compare", False)]
        cases.append(("rule change: read, score, write every row", True))
        if options["rewrite"]:
            cases = cases[1:]
        elif options["unchanged"]:
            cases = cases[:1]
        if not submitted_counts():
            raise CommandError("No submitted responses: load data first (marrowtrack demo).")
        for title, rewrite in cases:
            timing = time_case(rewrite=rewrite, vectorised_first=options["vectorised_first"])
            order = "vectorised first" if options["vectorised_first"] else "exact first"
            self.stdout.write(f"\n{title} ({connection.vendor}, {order})")
            self._table(timing)

    def _table(self, timing: CaseTiming) -> None:
        counts = ", ".join(f"{code} {count}" for code, count in timing.responses.items())
        self.stdout.write(
            f"{timing.total_responses} responses, {timing.answers} answers ({counts})"
        )
        self.stdout.write(f"{'path':<12}{'wall s':>10}{'CPU s':>10}{'x exact':>10}")
        for name, seconds in (
            ("exact", timing.exact),
            ("vectorised", timing.vectorised),
            ("floor", timing.floor),
        ):
            self.stdout.write(
                f"{name:<12}{seconds.wall:>10.3f}{seconds.cpu:>10.3f}"
                f"{timing.exact.cpu / seconds.cpu:>10.1f}"
            )
        self.stdout.write(
            f"vectorised: {timing.speedup('cpu'):.1f}x the exact path in CPU seconds "
            f"({timing.speedup('wall'):.1f}x in wall-clock), "
            f"{timing.over_floor('cpu'):.1f}x the floor"
        )
