"""`marrowtrack export fhir --out DIR [--since DATE] [--clinic CODE]`: bulk FHIR R4 export,
one NDJSON file per resource type, with a progress bar (docs/fhir.md, "Export")."""

from __future__ import annotations

import sys
from datetime import datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.interop.services.exports import clinic_export_write, export_row_total


def since_argument(text: str | None, clinic: Clinic | None = None) -> datetime | None:
    """A date (midnight at the clinic) or an instant with its offset; None if not given."""
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is not None and moment.tzinfo is not None:
        return moment
    day = parse_date(text)
    if day is None:
        raise ValueError(f"--since {text!r}: give a date (2026-01-31) or an instant with offset")
    return datetime.combine(day, time.min, tzinfo=clock.zone(clinic))


class Command(BaseCommand):
    help = "Export the clinic's records as FHIR R4 NDJSON, one file per resource type."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["fhir"])
        parser.add_argument("--out", required=True, help="directory for the .ndjson files")
        parser.add_argument("--since", help="only records changed since this date or instant")
        parser.add_argument("--clinic", help="clinic code (default: every clinic)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = list(Clinic.objects.order_by("pk"))
        if options["clinic"]:
            clinics = [c for c in clinics if c.code == options["clinic"]]
            if not clinics:
                self._fail(f"no clinic with code {options['clinic']!r}")
        out = Path(options["out"])
        if out.exists() and any(out.glob("*.ndjson")):
            self._fail(f"{out} already holds .ndjson files; choose an empty directory")
        totals: dict[str, int] = {}
        for clinic in clinics:
            for kind, count in self._export(clinic, out, options).items():
                totals[kind] = totals.get(kind, 0) + count
        for kind, count in sorted(totals.items()):
            self.stdout.write(f"{kind}.ndjson: {count}")
        self.stdout.write(f"{sum(totals.values())} resources written to {out}")

    def _export(self, clinic: Clinic, out: Path, options: dict[str, Any]) -> dict[str, int]:
        try:
            since = since_argument(options["since"], clinic)
        except ValueError as error:
            self._fail(str(error))
        rows = export_row_total(clinic=clinic, since=since)
        bar = tqdm(
            total=rows,
            desc=clinic.code,
            unit=" rows",
            disable=options["no_progress"],
            file=sys.stderr,
        )
        with bar:
            return clinic_export_write(
                clinic=clinic, directory=out, since=since, on_row=lambda: bar.update()
            )

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(2)
