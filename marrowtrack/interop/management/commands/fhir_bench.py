"""`marrowtrack fhir_bench [--clinic CODE]`: resources per second of a bulk FHIR export.

Times the bulk export's own pipeline (selectors -> mappers -> NDJSON files in a temporary
directory) on the current database, next to the same pipeline without writing (the cost of
reading and mapping alone). Load data first, e.g. `marrowtrack demo --patients 100000`.
Target (issue 15): at least 10,000 resources per second.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop.ndjson import ndjson_write
from marrowtrack.interop.sources import Context, resources

TARGET = 10_000


class Command(BaseCommand):
    help = "Benchmark: resources per second of a bulk FHIR export of the current database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="clinic code (default: every clinic)")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("pk")
        if options["clinic"]:
            clinics = clinics.filter(code=options["clinic"])
        contexts = [Context(ExportScope(clinic=clinic)) for clinic in clinics]
        if not contexts:
            raise CommandError("No clinic: load data first (marrowtrack demo --patients 100000).")
        mapped, map_seconds = self._timed(lambda: sum(1 for c in contexts for _ in resources(c)))
        written, write_seconds = self._timed(lambda: self._write(contexts))
        self._report("read + map (no output)", mapped, map_seconds)
        self._report("full export to NDJSON files", written, write_seconds)
        rate = written / write_seconds if write_seconds else 0
        verdict = "met" if rate >= TARGET else "NOT met"
        self.stdout.write(f"target {TARGET:,} resources/s: {verdict} ({rate:,.0f} resources/s)")

    def _write(self, contexts: list[Context]) -> int:
        with tempfile.TemporaryDirectory() as directory:
            counts: dict[str, int] = {}
            for ctx in contexts:
                for kind, count in ndjson_write(resources(ctx), Path(directory)).items():
                    counts[kind] = counts.get(kind, 0) + count
            size = sum(f.stat().st_size for f in Path(directory).glob("*.ndjson"))
        self.stdout.write(f"{sum(counts.values()):,} resources, {size / 1e6:,.1f} MB of NDJSON")
        return sum(counts.values())

    @staticmethod
    def _timed(run: Any) -> tuple[int, float]:
        started = time.perf_counter()
        count = run()
        return count, time.perf_counter() - started

    def _report(self, label: str, count: int, seconds: float) -> None:
        rate = count / seconds if seconds else 0
        self.stdout.write(f"  {label:<30} {count:>10,} in {seconds:7.2f} s = {rate:>10,.0f} /s")
