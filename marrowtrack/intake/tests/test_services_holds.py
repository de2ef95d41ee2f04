"""The prescriber's structured hold (issue 8 item 5): signed, audited, validated, replacing an
older hold of the same medicine, and read by the screening."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.intake.models import MedicationHold
from marrowtrack.intake.services import screening
from marrowtrack.intake.services.holds import medication_hold_record
from marrowtrack.intake.tests.conftest import MONDAY
from marrowtrack.testing.factories import PASSWORD, MedicationFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def apixaban(approved_plan):
    return MedicationFactory(
        patient=approved_plan.patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )


def _record(plan, user, medication, **overrides):
    values = {
        "last_dose_on": MONDAY + timedelta(days=5),
        "restart_on": MONDAY + timedelta(days=11),
        "prescriber": "Dr A. Mensah, cardiology",
        "password": PASSWORD,
        "procedure_on": MONDAY + timedelta(days=7),
        **overrides,
    }
    return medication_hold_record(plan=plan, by=user, medication=medication, **values)


def test_a_hold_is_signed_and_audited(approved_plan, apixaban, staff) -> None:
    hold = _record(approved_plan, staff["physician"], apixaban)
    assert hold.signature.signer == staff["physician"]
    assert hold.signature.meaning == "authored"
    event = AuditEvent.objects.get(entity="intake.medicationhold", action="create")
    assert event.changes["prescriber"] == {"old": None, "new": "Dr A. Mensah, cardiology"}


def test_a_wrong_password_records_nothing(approved_plan, apixaban, staff) -> None:
    with pytest.raises(SignatureRefused):
        _record(approved_plan, staff["physician"], apixaban, password="wrong")
    assert not MedicationHold.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"restart_on": MONDAY + timedelta(days=5)}, "restart_on"),
        ({"prescriber": "  "}, "prescriber"),
    ],
)
def test_bad_hold_fields_are_refused_by_name(approved_plan, apixaban, staff, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        _record(approved_plan, staff["physician"], apixaban, **overrides)
    assert field in error.value.errors
    assert not MedicationHold.objects.exists()


def test_another_patients_medicine_or_a_medicine_that_is_not_held_is_refused(
    approved_plan, staff
) -> None:
    other = MedicationFactory(
        patient=PatientFactory(clinic=approved_plan.patient.clinic), drug_class="nsaid"
    )
    metformin = MedicationFactory(patient=approved_plan.patient, drug_class="other")
    for medication in (other, metformin):
        with pytest.raises(ValidationFailed, match="medication"):
            _record(approved_plan, staff["physician"], medication)


def test_a_newer_hold_of_the_same_medicine_replaces_the_older_one(
    approved_plan, apixaban, staff
) -> None:
    first = _record(approved_plan, staff["physician"], apixaban)
    second = _record(approved_plan, staff["physician"], apixaban, last_dose_on=MONDAY)
    first.refresh_from_db()
    assert first.is_archived and second.archived_at is None
    assert AuditEvent.objects.filter(entity="intake.medicationhold", action="archive").exists()


def test_the_screening_reads_the_hold_and_drops_the_flag(approved_plan, apixaban, staff) -> None:
    flagged = screening.screening_run(plan=approved_plan, by=staff["nurse"])
    assert "anticoagulant_antiplatelet" in {f["code"] for f in flagged.findings}
    _record(approved_plan, staff["physician"], apixaban)
    clear = screening.screening_run(plan=approved_plan, by=staff["nurse"])
    assert "anticoagulant_antiplatelet" not in {f["code"] for f in clear.findings}
    assert clear.facts["plan"]["holds"][0]["prescriber"] == "Dr A. Mensah, cardiology"
