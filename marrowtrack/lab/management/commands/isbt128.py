"""`marrowtrack isbt128 check-char DIN13`: print the ISO/IEC 7064 MOD 37-2 check character;
`marrowtrack isbt128 validate DIN14`: validate a DIN typed with its check character."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.lab.isbt128 import InvalidDIN, check_character, validate_keyed


class Command(BaseCommand):
    help = "ISBT 128 DIN tools: check-char DIN13 | validate DIN+CHECK"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check-char", "validate"])
        parser.add_argument("din")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "check-char":
                self.stdout.write(check_character(options["din"].strip().upper()))
            else:
                self.stdout.write(f"valid: {validate_keyed(options['din'])}")
        except InvalidDIN as exc:
            self.stderr.write(exc.message)
            raise SystemExit(2) from exc
