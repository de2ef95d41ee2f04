"""`marrowtrack bench search`: time patient search on the current database.
(`bench load` and `bench crash` drive a running server: marrowtrack/ops/bench.py.)

Prints median and 95th-percentile milliseconds for each kind of search, next to two
baselines measured in the same run: a primary-key lookup (the floor) and an unindexed
substring scan over every patient (what search would cost without its indexes).
Load data first, e.g. `marrowtrack demo --patients 100000` into an empty database.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.discovery import app_modules
from marrowtrack.core.models import Clinic
from marrowtrack.ops import bench as ops_bench
from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import patient_search


def _timings(run: Callable[[], Any], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Command(BaseCommand):
    help = (
        "Benchmarks: `search` times patient search on the current database; `load` drives a "
        "running server with the clinic's mix and the bare endpoint; `crash` kills a server "
        "in the middle of writes and checks nothing acknowledged was lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="what", required=True)
        kinds.add_parser("search").add_argument("--repeats", type=int, default=50)
        ops_bench.load_arguments(kinds.add_parser("load"))
        ops_bench.crash_arguments(kinds.add_parser("crash"))
        # Higher apps add their own (`<app>/bench_plugin.py`: NAME, add_arguments, run).
        for plugin in app_modules("bench_plugin"):
            plugin.add_arguments(kinds.add_parser(plugin.NAME))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "load":
            return ops_bench.load_run(options, self.stdout.write)
        if options["what"] == "crash":
            return ops_bench.crash_run(options, self.stdout.write)
        for plugin in app_modules("bench_plugin"):
            if options["what"] == plugin.NAME:
                return plugin.run(options, self.stdout.write)
        clinic = Clinic.objects.order_by("pk").first()
        if clinic is None:
            raise CommandError("No clinic: load data first (marrowtrack demo --patients 100000).")
        sample = Patient.objects.filter(clinic=clinic).order_by("pk")[1000:1001].first() or (
            Patient.objects.filter(clinic=clinic).first()
        )
        if sample is None:
            raise CommandError("The clinic has no patients to search.")
        total = Patient.objects.filter(clinic=clinic).count()
        self.stdout.write(f"{total} patients in {clinic.name}; {options['repeats']} repeats each")
        self._report(self._cases(clinic, sample), options["repeats"])

    def _cases(self, clinic: Clinic, sample: Patient) -> list[tuple[str, Callable[[], Any]]]:
        def search(query: str) -> Callable[[], Any]:
            return lambda: list(patient_search(clinic=clinic, query=query))

        return [
            ("baseline: primary-key lookup", lambda: Patient.objects.get(pk=sample.pk)),
            ("name prefix (family)", search(sample.family_name[:4])),
            ("name words (family given)", search(f"{sample.family_name} {sample.given_name[:2]}")),
            ("MRN", search(sample.mrn)),
            ("date of birth", search(sample.date_of_birth.isoformat())),
            (
                "baseline: unindexed scan (address contains)",
                lambda: list(Patient.objects.filter(clinic=clinic, address__icontains="zzz")[:50]),
            ),
        ]

    def _report(self, cases: list[tuple[str, Callable[[], Any]]], repeats: int) -> None:
        floor = None
        for label, run in cases:
            run()  # warm the cache so every case is measured the same way
            samples = _timings(run, repeats)
            median = statistics.median(samples)
            p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
            floor = floor or median
            self.stdout.write(
                f"  {label:<46} median {median:8.2f} ms  p95 {p95:8.2f} ms  "
                f"x{median / floor:7.1f} of pk lookup"
            )
