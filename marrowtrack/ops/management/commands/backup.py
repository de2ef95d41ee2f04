"""`marrowtrack backup [--to DIR]`: the database and the audit anchor, with a manifest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and the audit anchor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, help="a new directory (default var/backups/<time>)")

    def handle(self, *args: object, **options: object) -> None:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        directory = cast(Path | None, options["to"]) or Path(settings.VAR_DIR) / "backups" / stamp
        try:
            result = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"Backed up {result.engine}: {result.tables} tables, {result.rows} rows "
            f"into {result.directory}"
        )
