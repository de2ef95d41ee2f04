"""Installing licensed wording (text packs): checked against the definition, then audited.

A pack is installation-wide: the licence belongs to the organisation that runs MarrowTrack.
The newest pack of an instrument and language becomes the one patients see; older packs stay
because responses name the pack they were answered on (docs/outcomes.md, "Item wording").
"""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.outcomes import textpacks
from marrowtrack.outcomes.models import TextPack


def text_pack_install(*, data: object, by: User | None, label: str = "") -> TextPack:
    """Install a pack, refusing it with every mismatch listed (ValidationFailed "pack")."""
    checked, problems = textpacks.check_pack(data)
    if checked is None:
        raise ValidationFailed({"pack": problems})
    with transaction.atomic():
        same = TextPack.objects.select_for_update().filter(
            instrument=checked.instrument,
            language=checked.language,
            pack_id=checked.pack_id,
            version=checked.version,
        )
        if same.exists():
            raise DomainError(
                f"{checked.pack_id} {checked.version} ({checked.language}) is already installed; "
                "give a new version to replace it."
            )
        previous = TextPack.objects.filter(
            instrument=checked.instrument, language=checked.language, active=True
        )
        replaced = [pack.label for pack in previous]
        previous.update(active=False)
        pack = TextPack.objects.create(
            instrument=checked.instrument,
            language=checked.language,
            pack_id=checked.pack_id,
            version=checked.version,
            licence=checked.licence,
            content=checked.content,
            sha256=checked.sha256,
            installed_by=by,
            installed_label=label[:120],
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=pack,
            changes={"text_pack": [replaced[0] if replaced else None, pack.label]},
            reason=f"Licensed wording installed for {pack.instrument} ({pack.language})",
            actor_label=None if by else label or "install-text command",
        )
    return pack
