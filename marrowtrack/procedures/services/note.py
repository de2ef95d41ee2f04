"""Signing the procedure note: a physician re-authenticates, the note as it stands is
hashed, signed and rendered to the PDF that is kept (issue 9, item 7). A signed note is
locked: a correction is a signed addendum (who, when, text, reason), audited, shown on the
note page and in a new PDF of the note with its addenda; the signed PDF stays (ADR 0024)."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.procedures.models import ProcedureEncounter, ProcedureNote, ProcedureNoteAddendum
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


MIN_TEXT = 3


def _addendum_fields(text: str, reason: str) -> tuple[str, str]:
    text, reason = (text or "").strip(), (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if len(text) < MIN_TEXT:
        errors["text"] = ["Write the correction or addition."]
    elif len(text) > 4000:
        errors["text"] = ["The addendum is at most 4000 characters."]
    if len(reason) < MIN_TEXT:
        errors["reason"] = ["Give the reason for the addendum."]
    elif len(reason) > 300:
        errors["reason"] = ["The reason is at most 300 characters."]
    if errors:
        raise ValidationFailed(errors)
    return text, reason


def procedure_note_addendum_sign(
    *,
    encounter: ProcedureEncounter,
    by: User,
    text: str,
    reason: str,
    password: str,
    totp: str | None = None,
) -> ProcedureNoteAddendum:
    """Add a signed addendum to the signed note; the signed note and its PDF never change."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "add an addendum to the procedure note")
    text, reason = _addendum_fields(text, reason)
    with transaction.atomic():
        note = ProcedureNote.objects.select_for_update().filter(encounter=encounter).first()
        if note is None:
            raise DomainError("The note is not signed yet: correct the record, then sign it.")
        addendum = ProcedureNoteAddendum(
            note=note, text=text, reason=reason, author=by, at=clock.now()
        )
        addendum.signature = signature_sign(
            user=by,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.AUTHORED,
            record=note,
            content={
                "note": str(note.public_id),
                "note_sha256": note.content_sha256,
                "text": text,
                "reason": reason,
            },
            statement=f"Addendum to the procedure note: {reason}"[:300],
            patient_public_id=encounter.patient.public_id,
        )
        addendum.save()
        # The new PDF: the note with every addendum so far (this one included).
        addendum.pdf = note_pdf(note_html(note.encounter, signed_note=note))
        addendum.save(update_fields=["pdf", "updated_at"])
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=addendum,
            changes={"text": [None, text], "reason": [None, reason]},
            extra={"note": str(note.public_id)},
            reason=reason,
            patient_public_id=encounter.patient.public_id,
        )
    return addendum
