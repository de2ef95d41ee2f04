"""`marrowtrack redcap_export --clinic CODE [--out DIR]`: every file a new REDCap project needs.

Writes data_dictionary.csv, arms.csv, events.csv, instrument_designation.csv and records.csv
(import them into REDCap in that order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.models import Clinic
from marrowtrack.outcomes.services import redcap


class Command(BaseCommand):
    help = "Write a clinic's REDCap project files and records as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="clinic code")
        parser.add_argument("--out", default=".", help="directory to write the files into")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(code=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with code {options['clinic']!r}")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        for name, text in redcap.project_files(clinic=clinic, by=None).items():
            (out / name).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {out / name}")
