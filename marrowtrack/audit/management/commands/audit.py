"""`marrowtrack audit verify`: check the hash chain; exit 1 naming the first bad entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` checks the hash chain from the first entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            return
        self.stderr.write(f"audit trail BROKEN: {result.message}")
        raise SystemExit(1)
