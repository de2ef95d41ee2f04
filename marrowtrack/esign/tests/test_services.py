from __future__ import annotations

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import SignatureRefused, signature_matches, signature_sign
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_needs_the_password_and_stores_name_meaning_and_content_hash(staff, patient):
    doctor = staff["physician"]
    with pytest.raises(SignatureRefused):
        signature_sign(
            user=doctor, password="wrong", meaning="approved", record=patient, content={"a": 1}
        )
    assert Signature.objects.count() == 0
    signature = signature_sign(
        user=doctor, password=PASSWORD, meaning="approved", record=patient, content={"a": 1}
    )
    assert signature.printed_name == doctor.printed_name
    assert signature.record_id == str(patient.public_id)
    assert signature_matches(signature, {"a": 1})
    assert not signature_matches(signature, {"a": 2})
    assert AuditEvent.objects.filter(action="sign", entity_id=str(patient.public_id)).exists()
