"""Consent: versioned documents, the patient's signature, the witness and the PDF."""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake import gates
from marrowtrack.intake.models import Consent
from marrowtrack.intake.services import consent as svc
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
# A 1x1 transparent PNG, as a canvas would send it.
PNG = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    ).decode()
)


def _signed(approved_plan, staff, signature: str = "click") -> Consent:
    consent = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    return svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="rosa nunez", signature=signature
    )


def test_every_treatment_ships_consent_documents_and_the_second_version_is_current():
    for treatment in ("bmac", "bmac_prp", "csi", "nerve_block", "prp", "ha", "exercise"):
        assert svc.current_document(treatment).version == 2


def test_consent_is_taken_only_on_an_approved_plan(make_plan, staff):
    with pytest.raises(DomainError):
        svc.consent_start(plan=make_plan(), by=staff["nurse"])


def test_the_patient_signs_with_typed_name_and_drawn_signature(approved_plan, staff):
    consent = _signed(approved_plan, staff, signature=PNG)
    assert consent.status == Consent.Status.SIGNED
    assert consent.patient_signed_at is not None
    assert not consent.signed_by_click


def test_a_typed_name_that_is_not_the_patients_is_refused(approved_plan, staff):
    consent = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    with pytest.raises(ValidationFailed) as error:
        svc.consent_patient_sign(
            consent=consent, by=staff["nurse"], typed_name="Someone Else", signature="click"
        )
    assert "typed_name" in error.value.errors


def test_a_signature_that_is_not_a_png_is_refused(approved_plan, staff):
    consent = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    with pytest.raises(ValidationFailed):
        svc.consent_patient_sign(
            consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="data:x"
        )


def test_the_witness_countersigns_and_the_pdf_is_kept(approved_plan, staff):
    consent = svc.consent_witness(
        consent=_signed(approved_plan, staff), by=staff["physician"], password=PASSWORD
    )
    assert consent.status == Consent.Status.WITNESSED
    assert consent.witness_signature.meaning == "witnessed"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(consent.pdf)).pages)
    assert "Rosa Núñez".split()[0] in text and "Witness" in text
    assert gates.current_signed_consent(approved_plan) == consent
    assert gates.procedure_blockers(approved_plan) == []


def test_the_witness_cannot_sign_before_the_patient(approved_plan, staff):
    consent = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    with pytest.raises(DomainError):
        svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)


def test_a_new_version_invalidates_unsigned_drafts_but_not_signed_consents(
    approved_plan, make_plan, staff
):
    signed = _signed(approved_plan, staff)
    other = make_plan(status="approved", laterality="right")
    draft = svc.consent_start(plan=other, by=staff["nurse"])
    document = svc.consent_document_publish(
        treatment="bmac",
        title="BMAC consent",
        body="Plain words, version three.",
        by=staff["physician"],
    )
    draft.refresh_from_db()
    signed.refresh_from_db()
    assert document.version == 3
    assert draft.status == Consent.Status.INVALIDATED
    assert "version 3" in draft.invalidated_reason
    assert signed.status == Consent.Status.SIGNED
    assert signed.document.version == 2


def test_signing_a_draft_of_a_superseded_version_is_refused(approved_plan, staff):
    draft = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    svc.consent_document_publish(treatment="bmac", title="T", body="B", by=staff["physician"])
    draft.refresh_from_db()
    with pytest.raises(DomainError):
        svc.consent_patient_sign(
            consent=draft, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
        )


def test_publishing_a_document_with_a_banned_claim_is_refused(staff):
    with pytest.raises(ValidationFailed) as error:
        svc.consent_document_publish(
            treatment="bmac", title="BMAC", body="There is no risk at all.", by=staff["physician"]
        )
    assert "no risk" in error.value.errors["body"][0]
