"""Signing the procedure note: a physician re-authenticates, the note as it stands is
hashed, signed and rendered to the PDF that is kept (issue 9, item 7)."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.procedures.models import ProcedureEncounter, ProcedureNote
from marrowtrack.procedures.note import content_sha256, note_html, note_pdf


def procedure_note_sign(
    *, encounter: ProcedureEncounter, by: User, password: str, totp: str | None = None
) -> ProcedureNote:
    """Sign the note of a finished procedure day; the signed PDF is kept unchanged."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "sign the procedure note")
    if encounter.is_open:
        raise DomainError(
            f"The note is signed once the day is finished (now: {encounter.current.label})."
        )
    with transaction.atomic():
        locked = ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
        if ProcedureNote.objects.filter(encounter=locked).exists():
            raise DomainError("The procedure note is already signed.")
        html = note_html(locked, unsigned=True)
        digest = content_sha256(html)
        note = ProcedureNote(encounter=locked, signed_by=by, signed_at=clock.now())
        note.content_sha256 = digest
        note.signature = signature_sign(
            user=by,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.AUTHORED,
            record=locked,
            content={"encounter": str(locked.public_id), "note_sha256": digest},
            statement="I authored this procedure note and confirm it is complete and correct.",
            patient_public_id=locked.patient.public_id,
        )
        note.pdf = note_pdf(note_html(locked, signed_note=note))
        note.save()
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=note,
            changes={"encounter": str(locked.public_id), "content_sha256": digest},
            patient_public_id=locked.patient.public_id,
        )
    return note
