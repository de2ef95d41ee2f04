"""Informed consent: versioned documents, the patient's signature, the witness, the PDF.

A newer document version makes earlier unsigned drafts invalid; a signed consent stays
tied to its version (issue 3, item 3). The patient signs on a clinic tablet in a staff
member's session (typed name + drawn or click signature); a staff witness countersigns with
an electronic signature (re-authenticated, 21 CFR 11.50) and the PDF copy is kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Max

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.text import fold
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import cosigner_authenticate, signature_sign
from marrowtrack.intake import contentlint, gates
from marrowtrack.intake.documents import consent_pdf
from marrowtrack.intake.models import Consent, ConsentDocument, Treatment, TreatmentPlan
from marrowtrack.intake.services.common import audit, audit_create, ensure_plan_open

PNG_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_CHARS = 400_000
Status = Consent.Status


def current_document(treatment: str) -> ConsentDocument | None:
    return (
        ConsentDocument.objects.filter(treatment=treatment, effective_from__lte=clock.now())
        .order_by("-version")
        .first()
    )


def consent_document_publish(*, treatment: str, title: str, body: str, by: User) -> ConsentDocument:
    """Publish the next version of a treatment's consent text; unsigned drafts on older
    versions become invalid. Refused when the text makes a banned claim."""
    errors: dict[str, list[str]] = {}
    if treatment not in Treatment.values:
        errors["treatment"] = ["Unknown treatment."]
    for name, value in (("title", title), ("body", body)):
        found = contentlint.lint(value or "")
        if not (value or "").strip():
            errors[name] = ["This field is required."]
        elif found:
            errors[name] = [f'Remove the claim "{p.phrase}": …{p.excerpt}…' for p in found]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        latest = ConsentDocument.objects.select_for_update().filter(treatment=treatment)
        version = (latest.aggregate(v=Max("version"))["v"] or 0) + 1
        document = ConsentDocument.objects.create(
            treatment=treatment,
            version=version,
            title=title.strip(),
            body=body.strip(),
            effective_from=clock.now(),
            published_by=by,
        )
        audit_create(by=by, instance=document, patient=None, fields=("treatment", "version"))
        _invalidate_drafts(document, by)
    return document


def _invalidate_drafts(document: ConsentDocument, by: User) -> None:
    stale = Consent.objects.select_related("plan__patient").filter(
        status=Status.DRAFT,
        document__treatment=document.treatment,
        document__version__lt=document.version,
    )
    reason = f"Superseded by version {document.version} of the consent document."
    for consent in stale:
        consent.status = Status.INVALIDATED
        consent.invalidated_reason = reason
        consent.save(update_fields=["status", "invalidated_reason", "updated_at"])
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=consent,
            patient=consent.plan.patient,
            changes={"status": [Status.DRAFT, Status.INVALIDATED]},
            reason=reason,
        )


def plan_snapshot(plan: TreatmentPlan) -> dict[str, Any]:
    """The plan in words as the patient sees it when signing; the consent PDF prints this,
    never the plan as it is later (issue 9 item 2)."""
    dose = f" {plan.dose_mg} mg" if plan.dose_mg else ""
    volume = f" in {plan.volume_ml} mL" if plan.volume_ml else ""
    return {
        "key": plan.consented_key,
        "summary": f"{plan.get_treatment_display()}, {plan.target_label}",
        "treatment": plan.get_treatment_display(),
        "condition": plan.get_condition_display(),
        "target": plan.target_label,
        "harvest_side": plan.get_harvest_side_display(),
        "harvest_anticoagulant": plan.get_harvest_anticoagulant_display(),
        "guidance": plan.get_guidance_display(),
        "injectate": f"{plan.injectate_drug}{dose}{volume}".strip(),
        "anaesthetic": plan.anaesthetic,
        "taken_at": clock.now().isoformat(),
    }


def consent_start(*, plan: TreatmentPlan, by: User) -> Consent:
    """Prepare the current document for the patient to sign (reuses an open draft)."""
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        if plan.status != TreatmentPlan.Status.APPROVED:
            raise DomainError("Consent is taken once a physician has approved the plan.")
        document = current_document(plan.treatment)
        if document is None:
            raise DomainError("There is no consent document for this treatment yet.")
        draft = plan.consents.filter(status=Status.DRAFT, document=document).first()
        if draft and gates.consent_matches_plan(draft, plan):
            return draft
        consent = Consent.objects.create(
            plan=plan, document=document, presented_by=by, plan_snapshot=plan_snapshot(plan)
        )
        audit_create(by=by, instance=consent, patient=plan.patient, fields=("status",))
    return consent


def _check_typed_name(consent: Consent, typed_name: str) -> str:
    typed = typed_name.strip()
    patient = consent.plan.patient
    words = set(fold(typed).replace("-", " ").split())
    needed = set(fold(f"{patient.given_name} {patient.family_name}").replace("-", " ").split())
    if not typed:
        raise ValidationFailed({"typed_name": ["The patient types their full name."]})
    if not needed <= words:
        raise ValidationFailed(
            {"typed_name": ["The typed name must be the patient's full name as registered."]}
        )
    return typed


def _check_signature(signature: str) -> str:
    if signature == "click":
        return signature
    error = {"signature": ["Draw the signature, or use click-to-sign."]}
    if not signature.startswith(PNG_PREFIX) or len(signature) > MAX_SIGNATURE_CHARS:
        raise ValidationFailed(error)
    try:
        raw = base64.b64decode(signature[len(PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(error) from None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationFailed(error)
    return signature


def consent_patient_sign(*, consent: Consent, by: User, typed_name: str, signature: str) -> Consent:
    """The patient's signature on the tablet: typed full name plus drawn or click signature."""
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .select_related("plan__patient", "document")
            .get(pk=consent.pk)
        )
        ensure_plan_open(consent.plan)
        if consent.status != Status.DRAFT:
            raise DomainError(f"This consent is {consent.get_status_display().lower()}.")
        current = current_document(consent.document.treatment)
        if current is None or current.pk != consent.document_id:
            raise DomainError("A newer consent document exists: start a new consent.")
        _ensure_still_the_plan(consent)
        consent.patient_typed_name = _check_typed_name(consent, typed_name)
        consent.patient_signature = _check_signature(signature)
        consent.patient_signed_at = clock.now()
        consent.status = Status.SIGNED
        consent.plan_snapshot = plan_snapshot(consent.plan)
        # The presenter is whoever holds the tablet when the patient signs; the witness must
        # be someone else (consent_witness).
        consent.presented_by = by
        consent.save(
            update_fields=[
                "presented_by",
                "patient_typed_name",
                "patient_signature",
                "patient_signed_at",
                "status",
                "plan_snapshot",
                "updated_at",
            ]
        )
        changes = {
            "status": [Status.DRAFT, Status.SIGNED],
            "document_version": consent.document.version,
            "signature": "click" if consent.signed_by_click else "drawn",
            "presented_by": by.printed_name,
        }
        audit(
            by=by,
            action=AuditAction.SIGN,
            instance=consent,
            patient=consent.plan.patient,
            changes=changes,
        )
    return consent


def _ensure_still_the_plan(consent: Consent) -> None:
    if consent.plan.status != TreatmentPlan.Status.APPROVED:
        raise DomainError("The plan is no longer approved: it needs a new decision first.")
    if not gates.consent_matches_plan(consent, consent.plan):
        raise DomainError("The plan changed after this consent was prepared: start a new one.")


def consent_content(consent: Consent) -> dict[str, Any]:
    """What the witness signs: the exact document text, the plan as signed for and the
    patient's signature."""
    return {
        "plan_snapshot": consent.plan_snapshot,
        "consent": str(consent.public_id),
        "plan": str(consent.plan.public_id),
        "document": str(consent.document.public_id),
        "document_version": consent.document.version,
        "document_sha256": hashlib.sha256(consent.document.body.encode()).hexdigest(),
        "typed_name": consent.patient_typed_name,
        "patient_signed_at": consent.patient_signed_at,
        "signature_sha256": hashlib.sha256(consent.patient_signature.encode()).hexdigest(),
    }


SAME_PERSON = (
    "The witness must be a different person from the staff member who presented the "
    "consent ({presenter}): ask a colleague to witness with their own password."
)


def _witness(*, consent: Consent, by: User, username: str, password: str, totp: str | None) -> User:
    """Who countersigns: the signed-in person, or a colleague who types their own username
    and password at the tablet (re-authenticated by ``esign``, failures count toward their
    lockout). Never the person who presented the consent (issue 9, item 8)."""
    named = username.strip()
    if named and named != by.username:
        witness = cosigner_authenticate(
            by=by, username=named, password=password, totp=totp, field="password"
        )
    else:
        witness = by
    if consent.presented_by_id is not None and witness.pk == consent.presented_by_id:
        raise SafetyRefusal(SAME_PERSON.format(presenter=consent.presented_by.printed_name))
    if not witness.has_perm("intake.witness_consent"):
        raise ValidationFailed({"username": [f"{witness.printed_name} may not witness a consent."]})
    return witness


def consent_witness(
    *,
    consent: Consent,
    by: User,
    password: str,
    totp: str | None = None,
    username: str = "",
) -> Consent:
    """A staff witness countersigns (re-authenticated); the PDF copy is rendered and kept.

    The witness is the signed-in person or, when ``username`` names a colleague, that
    colleague; either way not the presenter (refused and audited)."""
    patient = consent.plan.patient
    with audited_refusals(
        by=by,
        target=consent,
        patient_public_id=patient.public_id,
        changes={"witness": username.strip() or by.username},
    ):
        return _witness_sign(
            consent=consent, by=by, password=password, totp=totp, username=username
        )


def _witness_sign(
    *, consent: Consent, by: User, password: str, totp: str | None, username: str
) -> Consent:
    with transaction.atomic():
        consent = (
            # Lock the consent row only: PostgreSQL refuses FOR UPDATE on the nullable side of
            # the outer join a nullable `presented_by` makes.
            Consent.objects.select_for_update(of=("self",))
            .select_related("plan__patient", "document", "presented_by")
            .get(pk=consent.pk)
        )
        ensure_plan_open(consent.plan)
        if consent.status != Status.SIGNED:
            raise DomainError("The patient must sign before the witness countersigns.")
        _ensure_still_the_plan(consent)
        witness = _witness(consent=consent, by=by, username=username, password=password, totp=totp)
        consent.witness_signature = signature_sign(
            user=witness,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.WITNESSED,
            record=consent,
            content=consent_content(consent),
            statement="I witnessed the patient sign this consent.",
            patient_public_id=consent.plan.patient.public_id,
        )
        consent.status = Status.WITNESSED
        consent.pdf = consent_pdf(consent)
        consent.save(update_fields=["witness_signature", "status", "pdf", "updated_at"])
        audit(
            by=witness,
            action=AuditAction.UPDATE,
            instance=consent,
            patient=consent.plan.patient,
            changes={"status": [Status.SIGNED, Status.WITNESSED]},
            reason="" if witness == by else f"Witnessed at {by.printed_name}'s session.",
        )
    return consent


def consent_pdf_ensure(*, consent: Consent) -> bytes:
    """The kept PDF; rendered once for consents loaded in bulk (demo) that lack one."""
    if consent.pdf:
        return bytes(consent.pdf)
    if consent.status != Status.WITNESSED:
        raise DomainError("A PDF copy exists only once the consent is signed and witnessed.")
    consent.pdf = consent_pdf(consent)
    consent.save(update_fields=["pdf", "updated_at"])
    return bytes(consent.pdf)
