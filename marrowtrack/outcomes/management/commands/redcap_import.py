"""`marrowtrack redcap_import --clinic CODE FILE [--dry-run]`: all rows or none."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.models import Clinic
from marrowtrack.outcomes.services import redcap


class Command(BaseCommand):
    help = "Import a REDCap records CSV; any invalid row imports nothing and lists every problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--clinic", required=True, help="clinic code")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(code=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic with code {options['clinic']!r}")
        text = Path(options["file"]).read_text(encoding="utf-8-sig")
        report = redcap.records_import(
            clinic=clinic, text=text, by=None, dry_run=options["dry_run"]
        )
        for problem in report.problems:
            self.stderr.write(str(problem))
        self.stdout.write(("dry run: " if report.dry_run else "") + report.summary())
        if not report.ok:
            sys.exit(2)
