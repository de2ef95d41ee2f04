"""`marrowtrack audit verify [--clinic ID]`: check every chain (or one clinic's) against its
head and the anchor file; exit 1 naming the first bad entry of each broken chain.
`marrowtrack audit anchor`: write each chain's current head to the anchor (once, after an
upgrade from a trail without an anchor)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.audit.anchor import anchor_path
from marrowtrack.audit.verification import audit_anchor_heads, audit_verify
from marrowtrack.core.models import Clinic


class Command(BaseCommand):
    help = "Audit trail tools: `verify` checks the hash chains, `anchor` anchors their heads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument("--clinic", help="verify only this clinic (public id or exact name)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            count = audit_anchor_heads()
            self.stdout.write(f"anchored the heads of {count} chains in {anchor_path()}")
            return
        result = audit_verify(clinic=_clinic(options["clinic"]))
        for chain in result.chains:
            self.stdout.write(chain.summary)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            return
        self.stderr.write(f"audit trail BROKEN: {result.message}")
        raise SystemExit(1)


def _clinic(value: str | None) -> Clinic | None:
    if not value:
        return None
    clinic = Clinic.objects.filter(name=value).first()
    if clinic is None:
        try:
            clinic = Clinic.objects.filter(public_id=value).first()
        except ValidationError:  # not a UUID: no such clinic
            clinic = None
    if clinic is None:
        raise CommandError(f"No clinic {value!r} (give its public id or exact name).", returncode=2)
    return clinic
