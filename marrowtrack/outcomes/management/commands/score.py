"""`marrowtrack score INSTRUMENT [FILE|-]` and `marrowtrack score --list`.

Reads a JSON object of item code -> value (null for missing), or an array of them, and prints
the scores with their reasons; --derived adds the instruments scored from the same answers
(KOOS -> KOOS JR and WOMAC; HOOS -> HOOS JR and WOMAC). Bad input exits with status 2 and a
message naming the item.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.outcomes import scoring
from marrowtrack.outcomes.presenters import instrument_out, score_payload


class Command(BaseCommand):
    help = "Score outcome-instrument answers given as JSON (a file, or - for standard input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument", nargs="?", help="e.g. KOOS, NPRS, EQ5D5L")
        parser.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin")
        parser.add_argument("--list", action="store_true", help="list instruments and exit")
        parser.add_argument(
            "--derived",
            action="store_true",
            help="also score the instruments derived from it (KOOS gives KOOS JR and WOMAC)",
        )

    def fail(self, message: str) -> None:
        self.stderr.write(f"error: {message}")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self.stdout.write(json.dumps(self.listing(), indent=2))
            return
        code = (options["instrument"] or "").upper()
        if code not in {d.code for d in scoring.instrument_list()}:
            self.fail(
                f"unknown instrument {options['instrument']!r}; see `marrowtrack score --list`"
            )
        body = self.read(options["file"])
        try:
            result = score_payload(code, body, derived=options["derived"])
        except ValidationFailed as exc:
            item, messages = next(iter(exc.errors.items()))
            self.fail(f"{item}: {messages[0]}")
        self.stdout.write(json.dumps(result, indent=2))

    def read(self, source: str) -> object:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text()
            return json.loads(text)
        except OSError as exc:
            self.fail(f"cannot read {source}: {exc.strerror}")
        except ValueError as exc:
            self.fail(f"not valid JSON: {exc}")
        return None

    def listing(self) -> list[dict[str, Any]]:
        return [
            {
                "code": d["code"],
                "name": d["name"],
                "version": d["version"],
                "items": [item["code"] for item in d["items"]],
                "score_keys": [key["key"] for key in d["score_keys"]],
            }
            for d in map(instrument_out, scoring.instrument_list())
        ]
