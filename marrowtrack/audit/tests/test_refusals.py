"""A refused safety rule stays on the audit trail although the refused write rolls back."""

from __future__ import annotations

import pytest
from django.db import transaction

from marrowtrack.audit.models import AuditEvent
from marrowtrack.audit.refusals import audited_refusals, refusal_record
from marrowtrack.audit.verification import audit_verify
from marrowtrack.core.exceptions import DomainError, SafetyRefusal


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_committed_after_the_refused_write_rolls_back(staff, patient) -> None:
    nurse, name = staff["nurse"], patient.given_name
    with pytest.raises(SafetyRefusal, match="STOP: test rule"):
        with audited_refusals(
            by=nurse, target=patient, patient_public_id=patient.public_id, changes={"try": 1}
        ):
            with transaction.atomic():
                patient.given_name = "Changed"
                patient.save(update_fields=["given_name"])
                raise SafetyRefusal("STOP: test rule")
    patient.refresh_from_db()
    assert patient.given_name == name
    entry = AuditEvent.objects.get(action="refused")
    assert (entry.reason, entry.actor, entry.extra) == ("STOP: test rule", nurse, {"try": 1})
    assert entry.patient_id == str(patient.public_id)
    assert audit_verify().ok


@pytest.mark.django_db
def test_recording_a_refusal_inside_an_open_transaction_is_an_error_not_a_lost_entry(
    staff, patient
) -> None:
    # A later rollback of the outer transaction would take the entry with it.
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        refusal_record(
            by=staff["nurse"], target=patient, patient_public_id=patient.public_id, reason="x"
        )


@pytest.mark.django_db
def test_other_refusals_pass_through_unrecorded(staff, patient) -> None:
    with pytest.raises(DomainError):
        with audited_refusals(by=staff["nurse"], target=patient, patient_public_id=None):
            raise DomainError("Not a safety rule.")
    assert not AuditEvent.objects.filter(action="refused").exists()
