"""`marrowtrack redcap_export --clinic CODE [--dictionary FILE] [--records FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.models import Clinic
from marrowtrack.outcomes.services import redcap


class Command(BaseCommand):
    help = "Write the REDCap data dictionary and records CSVs of a clinic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="clinic code")
        parser.add_argument("--dictionary", default="data_dictionary.csv")
        parser.add_argument("--records", default="records.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(code=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with code {options['clinic']!r}")
        Path(options["dictionary"]).write_text(redcap.dictionary_csv(), encoding="utf-8")
        Path(options["records"]).write_text(
            redcap.records_csv(clinic=clinic, by=None), encoding="utf-8"
        )
        self.stdout.write(f"wrote {options['dictionary']} and {options['records']}")
