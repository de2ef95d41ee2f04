"""Compile every app's gettext catalogs (.po -> .mo) in Python, so a fresh machine needs no
system gettext: `make install` runs it. Django's `compilemessages` does the same with msgfmt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PACKAGE_ROOT = Path(__file__).resolve().parents[3]


def catalogs() -> list[Path]:
    return sorted(PACKAGE_ROOT.glob("*/locale/*/LC_MESSAGES/*.po"))


def compile_catalog(po_path: Path) -> Path:
    """Write the .mo beside the .po; fuzzy and untranslated entries are left out, as msgfmt."""
    catalog = polib.pofile(str(po_path))
    for entry in catalog.fuzzy_entries():
        catalog.remove(entry)
    mo_path = po_path.with_suffix(".mo")
    catalog.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile the translation catalogs (.po) of every MarrowTrack app into .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        found = catalogs()
        if not found and settings.USE_I18N:
            raise CommandError(f"No translation catalogs under {PACKAGE_ROOT}.")
        for po_path in found:
            try:
                compile_catalog(po_path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: {exc}") from exc
        self.stdout.write(f"Compiled {len(found)} translation catalog(s).")
