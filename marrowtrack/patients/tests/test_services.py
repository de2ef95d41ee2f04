from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.patients import services
from marrowtrack.patients.models import Medication, Patient, WeightMeasurement

pytestmark = pytest.mark.django_db

VALID = {"family_name": "Okoye", "given_name": "Ada", "date_of_birth": date(1958, 3, 9)}


def _counts() -> tuple[int, int, int, int]:
    return (
        Patient.objects.count(),
        Medication.objects.count(),
        WeightMeasurement.objects.count(),
        AuditEvent.objects.count(),
    )


def test_register_gives_the_next_mrn_and_audits_the_new_values(staff) -> None:
    desk = staff["front_desk"]
    first = services.patient_register(by=desk, data=VALID)
    second = services.patient_register(by=desk, data={**VALID, "given_name": "Bea"})
    assert (first.mrn, second.mrn) == ("MT0000001", "MT0000002")
    event = AuditEvent.objects.filter(entity="patients.patient", action="create").first()
    assert event.actor == desk
    assert event.changes["family_name"] == {"old": None, "new": "Okoye"}
    assert event.patient_id == str(second.public_id)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**VALID, "family_name": ""}, "family_name", "required"),
        ({**VALID, "family_name": "   "}, "family_name", "required"),
        ({**VALID, "given_name": "x" * 101}, "given_name", "at most 100"),
        ({**VALID, "date_of_birth": date(2027, 1, 1)}, "date_of_birth", "future"),
        ({**VALID, "date_of_birth": date(1850, 1, 1)}, "date_of_birth", "before 1900"),
        ({**VALID, "sex": "robot"}, "sex", "not a valid choice"),
        ({**VALID, "email": "not-an-email"}, "email", "valid email"),
        ({**VALID, "phone": "call me"}, "phone", "phone number"),
        ({**VALID, "shoe_size": 9}, "shoe_size", "not accepted"),
    ],
)
@time_machine.travel("2026-11-24 10:00Z")
def test_register_refuses_bad_input_naming_the_field_and_stores_nothing(
    staff, data, field, message
) -> None:
    before = _counts()
    with pytest.raises(ValidationFailed) as exc_info:
        services.patient_register(by=staff["front_desk"], data=data)
    assert field in exc_info.value.errors
    assert message in " ".join(exc_info.value.errors[field])
    assert _counts() == before


def test_update_records_old_and_new_values(staff, patient) -> None:
    services.patient_update(
        patient=patient, by=staff["nurse"], data={"phone": "555 123 4567"}, version=1
    )
    event = AuditEvent.objects.filter(action="update").get()
    assert event.changes == {
        "phone": {"old": "", "new": "555 123 4567"},
        "version": {"old": 1, "new": 2},
    }
    patient.refresh_from_db()
    assert patient.phone == "555 123 4567"


def test_update_that_changes_nothing_writes_no_audit_entry(staff, patient) -> None:
    before = AuditEvent.objects.count()
    services.patient_update(
        patient=patient, by=staff["nurse"], data={"given_name": "Rosa"}, version=1
    )
    assert AuditEvent.objects.count() == before


def test_weight_must_be_positive_and_plausible(staff, patient) -> None:
    before = _counts()
    for bad in (Decimal("-70"), Decimal("0"), Decimal("1.9"), Decimal("400.1")):
        with pytest.raises(ValidationFailed) as exc_info:
            services.weight_record(
                patient=patient, by=staff["nurse"], weight_kg=bad, measured_on=date(2026, 1, 2)
            )
        assert "weight_kg" in exc_info.value.errors
    assert _counts() == before


def test_unknown_medication_class_is_refused(staff, patient) -> None:
    before = _counts()
    with pytest.raises(ValidationFailed) as exc_info:
        services.medication_add(
            patient=patient, by=staff["nurse"], data={"name": "Mystery", "drug_class": "magic"}
        )
    assert "drug_class" in exc_info.value.errors
    assert _counts() == before


def test_medication_stop_before_start_is_refused(staff, patient) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        services.medication_add(
            patient=patient,
            by=staff["nurse"],
            data={
                "name": "Naproxen",
                "drug_class": "nsaid",
                "started_on": date(2026, 5, 2),
                "stopped_on": date(2026, 5, 1),
            },
        )
    assert exc_info.value.errors["stopped_on"] == ["The stop date is before the start date."]


def test_stopping_a_medication_is_an_audited_update(staff, patient) -> None:
    med = services.medication_add(
        patient=patient, by=staff["nurse"], data={"name": "Naproxen", "drug_class": "nsaid"}
    )
    services.medication_update(
        medication=med,
        by=staff["physician"],
        data={"stopped_on": date(2026, 11, 20)},
        version=med.version,
    )
    event = AuditEvent.objects.filter(action="update", entity="patients.medication").get()
    assert event.changes == {
        "stopped_on": {"old": None, "new": "2026-11-20"},
        "version": {"old": 1, "new": 2},
    }


def test_archive_needs_a_reason_and_then_locks_the_record(staff, patient) -> None:
    with pytest.raises(ValidationFailed):
        services.patient_archive(patient=patient, by=staff["clinic_admin"], reason="  ")
    services.patient_archive(patient=patient, by=staff["clinic_admin"], reason="Duplicate")
    assert Patient.objects.get(pk=patient.pk).is_archived
    with pytest.raises(DomainError, match="archived"):
        services.patient_update(
            patient=patient, by=staff["nurse"], data={"phone": "555 000 1111"}, version=1
        )


def test_viewing_a_record_is_logged_with_who_and_whom(staff, patient) -> None:
    services.patient_record_viewed(patient=patient, by=staff["lab_tech"])
    event = AuditEvent.objects.filter(action="read").get()
    assert event.actor == staff["lab_tech"]
    assert event.patient_id == str(patient.public_id)
