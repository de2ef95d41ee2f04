"""Re-authentication for signatures goes through django-axes, answers the same for a wrong
person and a wrong password, and is audited even when the signing transaction rolls back."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.esign.attempts import signing_attempts
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import (
    LOCKED,
    NOT_SIGNED,
    ReauthenticationThrottled,
    SignatureRefused,
    cosigner_authenticate,
    signature_sign,
)
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def _request(user: Any = None) -> Any:
    request = RequestFactory().post("/sign/", REMOTE_ADDR="10.0.0.7")
    request.user = user
    return request


def _sign(user: Any, password: str, **kwargs: Any) -> Signature:
    return signature_sign(
        user=user, password=password, meaning="verified", record=user, content={"a": 1}, **kwargs
    )


def _failures(username: str) -> int:
    attempt = AccessAttempt.objects.filter(username=username).first()
    return attempt.failures_since_start if attempt else 0


def test_a_wrong_password_counts_toward_the_lockout_and_is_audited(staff) -> None:
    nurse, physician = staff["nurse"], staff["physician"]
    with signing_attempts(_request(physician)), pytest.raises(SignatureRefused) as refused:
        _sign(nurse, "wrong")
    event = AuditEvent.objects.get(name="signature.refused")
    assert refused.value.message == NOT_SIGNED
    assert _failures(nurse.username) == 1
    assert (event.actor, event.extra["signer"], event.reason) == (
        physician,
        nurse.username,
        "password",
    )
    assert not Signature.objects.exists()


def test_a_failure_inside_a_rolled_back_transaction_is_still_recorded(staff) -> None:
    nurse = staff["nurse"]
    with signing_attempts(_request(staff["physician"])):
        with pytest.raises(SignatureRefused), transaction.atomic():
            _sign(nurse, "wrong")
        # Held while the signing transaction was open, written once it was over.
        assert _failures(nurse.username) == 0
    assert _failures(nurse.username) == 1
    assert AuditEvent.objects.filter(name="signature.refused").count() == 1


def test_an_unknown_person_gets_the_same_answer_as_a_wrong_password(staff) -> None:
    physician = staff["physician"]
    answers = []
    for username, password in (("nobody", PASSWORD), (staff["nurse"].username, "wrong")):
        with signing_attempts(_request(physician)), pytest.raises(SignatureRefused) as refused:
            cosigner_authenticate(by=physician, username=username, password=password)
        answers.append((refused.value.message, refused.value.field))
    assert answers[0] == answers[1] == (NOT_SIGNED, "password")
    assert _failures("nobody") == 1


def test_another_clinics_person_is_unknown_here(staff, outsider) -> None:
    with signing_attempts(_request(staff["physician"])), pytest.raises(SignatureRefused) as refused:
        cosigner_authenticate(by=staff["physician"], username=outsider.username, password=PASSWORD)
    assert refused.value.message == NOT_SIGNED


def test_after_the_limit_the_right_password_is_refused_and_log_in_is_locked_too(staff) -> None:
    nurse = staff["nurse"]
    for _ in range(LIMIT):
        with signing_attempts(_request(staff["physician"])), pytest.raises(SignatureRefused):
            _sign(nurse, "wrong")
    with signing_attempts(_request(staff["physician"])), pytest.raises(SignatureRefused) as refused:
        _sign(nurse, PASSWORD)
    assert refused.value.message == LOCKED
    login = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    assert authenticate(login, username=nurse.username, password=PASSWORD) is None


def test_the_totp_branch_needs_a_valid_code(staff) -> None:
    nurse = staff["nurse"]
    device = TOTPDevice.objects.create(user=nurse, name="Phone", confirmed=True)
    with signing_attempts(_request(nurse)), pytest.raises(SignatureRefused) as refused:
        _sign(nurse, PASSWORD)
    assert refused.value.message == NOT_SIGNED
    assert AuditEvent.objects.get(name="signature.refused").reason == "totp"
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    with signing_attempts(_request(nurse)):
        signature = _sign(nurse, PASSWORD, totp=code)
    assert signature.signer == nurse


def test_a_right_signature_is_audited_with_its_name(staff) -> None:
    with signing_attempts(_request(staff["nurse"])):
        _sign(staff["nurse"], PASSWORD)
    event = AuditEvent.objects.get(name="signature.sign")
    assert event.extra["meaning"] == "verified"


class TestBedsideThroughTheApi:
    """The attack: guessing the second person's password at the bedside, by API."""

    @pytest.fixture
    def released(self, patient, staff):
        encounter = scenario.check_in(
            scenario.approved_plan(patient, by=staff["physician"]), staff["nurse"]
        )
        scenario.walk_to(encounter, S.RELEASED, staff, PASSWORD)
        return encounter

    def _post(self, staff, encounter, **fields: Any):
        _, secret = api_token_issue(user=staff["physician"])
        body = {
            "password": PASSWORD,
            "second_username": staff["nurse"].username,
            "second_password": PASSWORD,
            "wristband_scan": encounter.patient.mrn,
            "syringe_scan": scenario.syringe(encounter).din,
            "target": encounter.plan.target,
            "laterality": encounter.plan.laterality,
            "patient_confirmed_identity": True,
            **fields,
        }
        return Client().post(
            f"/api/v1/procedures/encounters/{encounter.public_id}/bedside-verifications",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )

    def test_unknown_person_and_wrong_password_answer_alike_and_count(self, staff, released):
        unknown = self._post(staff, released, second_username="nobody")
        wrong = self._post(staff, released, second_password="guess")
        assert unknown.status_code == wrong.status_code == 409
        assert unknown.json() == wrong.json()
        assert _failures("nobody") == _failures(staff["nurse"].username) == 1
        refusals = AuditEvent.objects.filter(name="signature.refused", actor=staff["physician"])
        assert refusals.count() == 2

    def test_the_second_person_is_locked_out_after_the_limit(self, staff, released):
        for _ in range(LIMIT):
            self._post(staff, released, second_password="guess")
        response = self._post(staff, released)
        assert response.status_code == 409
        assert response.json()["message"] == LOCKED

    def test_re_authentication_is_throttled_per_address_with_retry_after(
        self, staff, released, settings
    ):
        settings.MARROWTRACK_REAUTH_RATE = "2/m"
        cache.clear()
        first = self._post(staff, released, second_password="guess")
        second = self._post(staff, released, second_username="nobody")
        throttled = self._post(staff, released)
        assert [first.status_code, second.status_code, throttled.status_code] == [409, 409, 429]
        assert int(throttled["Retry-After"]) >= 1
        assert "second_password" in throttled.json()["errors"]
        assert not released.bedside_checks.exists()

    def test_the_totp_branch_through_the_api(self, staff, released):
        """The second person has two-factor on: no code and a wrong code are refused alike
        and count toward their lockout; the right code verifies."""
        nurse = staff["nurse"]
        device = TOTPDevice.objects.create(user=nurse, name="Phone", confirmed=True)
        missing = self._post(staff, released)
        now = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        wrong = self._post(staff, released, second_totp=f"{(int(now) + 1) % 10**6:06d}")
        assert missing.status_code == wrong.status_code == 409
        assert missing.json() == wrong.json()
        assert missing.json()["message"] == NOT_SIGNED
        assert _failures(nurse.username) == 2
        assert set(
            AuditEvent.objects.filter(name="signature.refused").values_list("reason", flat=True)
        ) == {"totp"}
        # django-otp also slows a device down after a wrong code: let its delay pass.
        device.refresh_from_db()
        assert device.throttling_failure_count == 1
        device.throttle_reset()
        scan = scenario.scanned(scenario.syringe(released))
        right = self._post(staff, released, second_totp=now, syringe_scan=scan)
        assert right.status_code == 201, right.json()


def test_commands_are_not_throttled(staff, settings) -> None:
    """A command has no client address to throttle (the demo signs hundreds of records)."""
    settings.MARROWTRACK_REAUTH_RATE = "1/m"
    cache.clear()
    signatures = [_sign(staff["nurse"], PASSWORD) for _ in range(3)]
    assert len(signatures) == 3


def test_re_authentication_in_a_request_is_throttled(staff, settings) -> None:
    settings.MARROWTRACK_REAUTH_RATE = "1/m"
    cache.clear()
    with signing_attempts(_request(staff["nurse"])):
        _sign(staff["nurse"], PASSWORD)
    with signing_attempts(_request(staff["nurse"])), pytest.raises(SignatureRefused) as refused:
        _sign(staff["nurse"], PASSWORD)
    assert isinstance(refused.value, ReauthenticationThrottled)
    assert refused.value.wait >= 1
