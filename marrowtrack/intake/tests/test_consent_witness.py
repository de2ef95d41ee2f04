"""Signatures mean who they say (issue 9, item 8): the witness is a different person from
the staff member who presented the consent, and the patient signs in patient mode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import SafetyRefusal
from marrowtrack.esign import patient_mode
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.intake.models import Consent
from marrowtrack.intake.services import consent as svc
from marrowtrack.intake.tests.test_api import Api
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _signed(plan, staff) -> Consent:
    consent = svc.consent_start(plan=plan, by=staff["nurse"])
    return svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )


def test_the_presenter_cannot_witness_their_own_consent_and_the_refusal_is_audited(
    approved_plan, staff
):
    consent = _signed(approved_plan, staff)
    with pytest.raises(SafetyRefusal, match="different person"):
        svc.consent_witness(consent=consent, by=staff["nurse"], password=PASSWORD)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.SIGNED and consent.witness_signature is None
    refused = AuditEvent.objects.get(action="refused", entity="intake.consent")
    assert "different person" in refused.reason
    assert refused.patient_id == str(approved_plan.patient.public_id)


def test_the_presenter_naming_themselves_as_witness_is_refused_too(approved_plan, staff):
    consent = _signed(approved_plan, staff)
    with pytest.raises(SafetyRefusal):
        svc.consent_witness(
            consent=consent, by=staff["nurse"], username=staff["nurse"].username, password=PASSWORD
        )


def test_a_colleague_witnesses_at_the_presenters_tablet_with_their_own_password(
    approved_plan, staff
):
    consent = _signed(approved_plan, staff)
    doctor = staff["physician"]
    done = svc.consent_witness(
        consent=consent, by=staff["nurse"], username=doctor.username, password=PASSWORD
    )
    assert done.status == Consent.Status.WITNESSED
    assert done.witness_signature.signer == doctor
    assert done.presented_by == staff["nurse"]


def test_a_colleagues_wrong_password_signs_nothing(approved_plan, staff):
    consent = _signed(approved_plan, staff)
    with pytest.raises(SignatureRefused):
        svc.consent_witness(
            consent=consent,
            by=staff["nurse"],
            username=staff["physician"].username,
            password="not-the-password",
        )
    consent.refresh_from_db()
    assert consent.status == Consent.Status.SIGNED


def test_a_colleague_without_the_witness_permission_is_refused(approved_plan, staff):
    consent = _signed(approved_plan, staff)
    with pytest.raises(Exception, match="may not witness"):
        svc.consent_witness(
            consent=consent,
            by=staff["nurse"],
            username=staff["front_desk"].username,
            password=PASSWORD,
        )


def test_the_api_refuses_the_presenter_as_witness_and_accepts_a_named_colleague(
    approved_plan, staff
):
    nurse = Api(staff["nurse"])
    consent = nurse.post(f"/plans/{approved_plan.public_id}/consents").json()
    nurse.post(
        f"/consents/{consent['id']}/patient-signature",
        {"typed_name": "Rosa Núñez", "signature": "click"},
    )
    same = nurse.post(f"/consents/{consent['id']}/witness", {"password": PASSWORD})
    assert same.status_code == 409, same.content
    assert "different person" in same.json()["message"]
    wrong = nurse.post(
        f"/consents/{consent['id']}/witness",
        {"username": staff["physician"].username, "password": "nope"},
    )
    assert wrong.status_code == 409 and "not correct" in wrong.json()["message"]
    ok = nurse.post(
        f"/consents/{consent['id']}/witness",
        {"username": staff["physician"].username, "password": PASSWORD},
    )
    assert ok.json()["status"] == "witnessed"


def _start(client, plan) -> Consent:
    client.post(reverse("intake:consent-start", args=[plan.public_id]))
    return Consent.objects.get(plan=plan)


def test_taking_consent_hands_the_tablet_to_the_patient_without_staff_navigation(
    client_for, approved_plan, staff
):
    client = client_for(staff["nurse"])
    consent = _start(client, approved_plan)
    page = client.get(consent.get_absolute_url()).content.decode()
    assert "Patient mode" in page and "Sign consent" in page
    assert 'aria-label="Main"' not in page and "patient record" not in page
    # Anywhere else leads back to the consent, API calls on the session included.
    away = client.get(reverse("patients:list"))
    assert away.status_code == 302 and away["Location"] == consent.get_absolute_url()
    assert client.get("/api/v1/intake/plans").status_code == 403
    assert AuditEvent.objects.filter(name="patient_mode.enter").count() == 1


def test_leaving_patient_mode_needs_the_staff_password_and_a_wrong_one_is_audited(
    client_for, approved_plan, staff
):
    client = client_for(staff["nurse"])
    consent = _start(client, approved_plan)
    client.post(
        reverse("intake:consent-sign", args=[consent.public_id]),
        {"typed_name": "Rosa Núñez", "click_to_sign": "on"},
    )
    thanks = client.get(consent.get_absolute_url()).content.decode()
    assert "hand the tablet back" in thanks and "Sign as witness" not in thanks
    leave = reverse("patient-mode:leave")
    wrong = client.post(leave, {"password": "guess"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    assert client.get(reverse("patients:list")).status_code == 302
    assert AuditEvent.objects.filter(name="signature.refused").exists()
    right = client.post(leave, {"password": PASSWORD})
    assert right["Location"] == consent.get_absolute_url()
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(name="patient_mode.leave").count() == 1


def test_the_patient_cannot_sign_outside_patient_mode(client_for, approved_plan, staff):
    consent = svc.consent_start(plan=approved_plan, by=staff["nurse"])
    client = client_for(staff["nurse"])
    client.post(
        reverse("intake:consent-sign", args=[consent.public_id]),
        {"typed_name": "Rosa Núñez", "click_to_sign": "on"},
    )
    consent.refresh_from_db()
    assert consent.status == Consent.Status.DRAFT


def test_the_witness_form_refuses_the_presenter_and_takes_a_colleague(
    client_for, approved_plan, staff
):
    client = client_for(staff["nurse"])
    consent = _start(client, approved_plan)
    client.post(
        reverse("intake:consent-sign", args=[consent.public_id]),
        {"typed_name": "Rosa Núñez", "click_to_sign": "on"},
    )
    client.post(reverse("patient-mode:leave"), {"password": PASSWORD})
    url = reverse("intake:consent-witness", args=[consent.public_id])
    same = client.post(url, {"password": PASSWORD}).content.decode()
    assert "different person" in same
    client.post(url, {"username": staff["physician"].username, "password": PASSWORD})
    consent.refresh_from_db()
    assert consent.status == Consent.Status.WITNESSED
    assert consent.witness_signature.signer == staff["physician"]


def test_the_session_knows_nothing_of_patient_mode_after_leaving(rf, staff):
    request = rf.get("/")
    request.session = {}
    assert patient_mode.current(request) is None
