"""`marrowtrack import fhir FILE --user USERNAME`: register the Patients of an NDJSON file
or a Bundle in that user's clinic; all or nothing; exit 2 naming each invalid resource."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.accounts.models import User
from marrowtrack.core.database import planner_statistics_refresh
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.interop.services.imports import patients_import


class Command(BaseCommand):
    help = "Import Patients from FHIR R4 NDJSON or a Bundle (de-duplicated by identifier)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["fhir"])
        parser.add_argument("file", help="NDJSON (one Patient per line) or a Bundle; - for stdin")
        parser.add_argument("--user", required=True, help="who imports (audited; sets the clinic)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            self._fail(f"no active user {options['user']!r}")
        source = options["file"]
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
        try:
            report = patients_import(user=user, text=text)
        except PermissionDenied as refused:
            self._fail(f"{options['user']}: {refused}")
        except ValidationFailed as failed:
            for where, messages in failed.errors.items():
                for message in messages:
                    self.stderr.write(f"{where}: {message}")
            self._fail("nothing imported")
        planner_statistics_refresh()  # a large import changes what the planner should expect
        self.stdout.write(report.summary())

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(2)
