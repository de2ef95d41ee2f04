"""`marrowtrack restore DIR --yes`: replace the database and the audit anchor with a backup."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `marrowtrack backup`: checks its checksums, replaces the "
        "database and the audit anchor (the replaced anchor is kept beside it). Stop the app "
        "and the worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--yes", action="store_true", help="replace the current data")

    def handle(self, *args: object, **options: object) -> None:
        if not options["yes"]:
            raise CommandError("Restoring replaces every record: add --yes.", returncode=2)
        try:
            result = backup_restore(directory=cast(Path, options["directory"]))
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"Restored {result.engine}: {result.tables} tables, {result.rows} rows. "
            "Run `marrowtrack audit verify` next."
        )
