"""Consent follows the plan it was signed for (issue 9 item 2): editing the target, side or
treatment after consent voids the consent and the approval, the gate refuses, a new
screening, decision and consent are needed, and the PDF prints the plan as signed."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError
from marrowtrack.intake import gates
from marrowtrack.intake.models import Consent, TreatmentPlan
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services import plans, screening
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _consented(plan, staff) -> Consent:
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    return consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)


def _approve(plan, staff) -> None:
    screening.screening_run(plan=plan, by=staff["nurse"])
    screening.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )


@pytest.fixture
def consented(make_plan, staff):
    plan = make_plan()
    _approve(plan, staff)
    _consented(plan, staff)
    plan.refresh_from_db()
    assert gates.procedure_blockers(plan) == []
    return plan


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("laterality", "right"),
        ("target", "hip"),
        ("treatment", "bmac_prp"),
        ("harvest_side", "left"),
    ],
)
def test_editing_what_was_consented_to_voids_the_consent_and_the_approval(
    consented, staff, change: str, value: str
) -> None:
    plans.plan_update(
        plan=consented, by=staff["nurse"], data={change: value}, version=consented.version
    )
    consented.refresh_from_db()
    consent = consented.consents.get()
    assert consented.status == TreatmentPlan.Status.DRAFT
    assert consent.status == Consent.Status.INVALIDATED
    said = consent.invalidated_reason
    assert said.startswith(change.replace("_", " ").capitalize() + " changed from ")
    assert "_" not in said  # words, not field names
    blockers = " ".join(gates.procedure_blockers(consented))
    assert "a physician must approve eligibility" in blockers
    assert "no signed and witnessed consent" in blockers
    updates = AuditEvent.objects.filter(entity="intake.consent", action="update")
    assert {"old": "witnessed", "new": "invalidated"} in [e.changes.get("status") for e in updates]


def test_a_change_nobody_consented_to_keeps_the_consent(consented, staff) -> None:
    plans.plan_update(
        plan=consented,
        by=staff["nurse"],
        data={"severity_notes": "worse stairs"},
        version=consented.version,
    )
    consented.refresh_from_db()
    assert consented.status == TreatmentPlan.Status.APPROVED
    assert consented.consents.get().status == Consent.Status.WITNESSED


def test_a_new_screening_decision_and_consent_restore_the_plan(consented, staff) -> None:
    plans.plan_update(
        plan=consented, by=staff["nurse"], data={"laterality": "right"}, version=consented.version
    )
    consented.refresh_from_db()
    with pytest.raises(DomainError, match="plan changed after this screening"):
        screening.eligibility_decide(
            plan=consented, by=staff["physician"], verdict="approve", password=PASSWORD
        )
    _approve(consented, staff)
    consented.refresh_from_db()
    assert "no signed and witnessed consent" in " ".join(gates.procedure_blockers(consented))
    _consented(consented, staff)
    assert gates.procedure_blockers(consented) == []


def test_the_consent_pdf_prints_the_plan_as_signed_not_as_edited(consented, staff) -> None:
    consent = consented.consents.get()
    plans.plan_update(
        plan=consented, by=staff["nurse"], data={"laterality": "right"}, version=consented.version
    )
    consent.refresh_from_db()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(consent.pdf))).pages)
    assert "Left Knee" in text
    assert "Right Knee" not in text
    assert consent.plan_snapshot["summary"] == "Bone marrow concentrate (BMAC), Left Knee"


def test_a_consent_whose_snapshot_differs_from_the_plan_is_refused_at_the_gate(
    consented,
) -> None:
    # A plan changed behind the services' back (e.g. a bulk fix) is still caught.
    TreatmentPlan.objects.filter(pk=consented.pk).update(laterality="right")
    consented.refresh_from_db()
    (blocker,) = gates.procedure_blockers(consented)
    assert blocker == (
        "The consent was signed for Bone marrow concentrate (BMAC), Left Knee, not the plan "
        "as it is now."
    )


def test_the_witness_cannot_countersign_after_the_plan_changed(make_plan, staff) -> None:
    plan = make_plan()
    _approve(plan, staff)
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    TreatmentPlan.objects.filter(pk=plan.pk).update(target="hip")
    with pytest.raises(DomainError, match="plan changed after this consent"):
        consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)


def test_switching_between_bmac_and_a_comparator_needs_the_booking_cancelled_first(
    consented, staff, facility
) -> None:
    from datetime import timedelta

    from marrowtrack.intake.services import booking
    from marrowtrack.intake.tests.conftest import MONDAY, at

    booking.appointment_book(
        plan=consented,
        by=staff["nurse"],
        starts_at=at(MONDAY + timedelta(days=14), 9),
        team=facility.team(),
    )
    with pytest.raises(DomainError, match="Cancel the booked appointment first"):
        plans.plan_update(
            plan=consented,
            by=staff["nurse"],
            data={"treatment": "prp", "harvest_side": "", "harvest_anticoagulant": ""},
            version=consented.version,
        )
    consented.refresh_from_db()
    assert consented.consents.get().status == Consent.Status.WITNESSED
