"""`marrowtrack outcomes_bench`: answers per second, one-by-one vs bulk vs the numpy limit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.outcomes.benchmark import run_benchmark


class Command(BaseCommand):
    help = "Time the one-by-one and bulk scoring paths and a plain numpy nanmean, in one run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--respondents", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = run_benchmark(options["respondents"], options["seed"])
        header = (
            f"{'instrument':<13}{'answers':>10}{'one-by-one/s':>15}{'bulk/s':>15}"
            f"{'nanmean/s':>15}{'bulk x faster':>15}{'x slower than limit':>21}"
        )
        self.stdout.write(header)
        for r in rows:
            self.stdout.write(
                f"{r['instrument']:<13}{r['answers']:>10}"
                f"{r['one_by_one_answers_per_second']:>15,.0f}"
                f"{r['bulk_answers_per_second']:>15,.0f}"
                f"{r['nanmean_answers_per_second']:>15,.0f}"
                f"{r['bulk_speedup_over_one_by_one']:>15.1f}"
                f"{r['bulk_slowdown_vs_nanmean']:>21.1f}"
            )
