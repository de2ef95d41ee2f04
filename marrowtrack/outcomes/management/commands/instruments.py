"""`marrowtrack instruments install-text FILE` and `marrowtrack instruments list`.

install-text checks a text pack (JSON, or YAML for .yaml/.yml) against its instrument's
definition and installs it; a pack that does not match is refused with every mismatch listed
(exit status 2). `list` shows, per instrument and language, the wording patients get.
`example INSTRUMENT` prints a pack skeleton with placeholders to fill from your licensed form.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.outcomes import selectors, textpacks
from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.services.textpacks import text_pack_install


class Command(BaseCommand):
    help = "Install licensed instrument wording (text packs) and list what patients are shown."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        install = sub.add_parser("install-text", help="check and install a text pack file")
        install.add_argument("file")
        install.add_argument("--by", help="username of the staff member installing it")
        sub.add_parser("list", help="the wording each instrument is shown in, per language")
        example = sub.add_parser("example", help="print a pack skeleton for an instrument")
        example.add_argument("instrument")
        example.add_argument("--language", default="en", choices=textpacks.LANGUAGES)

    def fail(self, lines: list[str]) -> None:
        for line in lines:
            self.stderr.write(line)
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(options)

    def do_install_text(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = textpacks.parse(
                path.read_text(encoding="utf-8"), yaml_file=path.suffix in (".yaml", ".yml")
            )
        except (OSError, ValueError) as exc:
            self.fail([f"error: cannot read {path}: {exc}"])
        by = self._user(options.get("by"))
        try:
            pack = text_pack_install(
                data=data, by=by, label=f"install-text command ({getpass.getuser()})"
            )
        except ValidationFailed as exc:
            problems = exc.errors.get("pack", [])
            self.fail([f"refused: {len(problems)} mismatches with the definition", *problems])
        except DomainError as exc:
            self.fail([f"refused: {exc.message}"])
        self.stdout.write(f"installed {pack.label} for {pack.instrument}")

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            self.fail([f"error: no user {username!r}"])
        return user

    def do_list(self, options: dict[str, Any]) -> None:
        for code in INSTRUMENTS:
            for language in textpacks.LANGUAGES:
                pack = selectors.active_text_pack(code, language)
                if pack is not None and pack.language == language:
                    shown = pack.label
                elif pack is not None:
                    shown = f"{pack.label} (no {language} pack: English pack)"
                else:
                    shown = "product labels: UNVALIDATED WORDING"
                self.stdout.write(f"{code:<13}{language:<4}{shown}")

    def do_example(self, options: dict[str, Any]) -> None:
        code = options["instrument"].upper()
        if code not in INSTRUMENTS:
            self.fail([f"error: unknown instrument {options['instrument']!r}"])
        pack = textpacks.example_pack(code, language=options["language"])
        self.stdout.write(json.dumps(pack, indent=2, ensure_ascii=False))
