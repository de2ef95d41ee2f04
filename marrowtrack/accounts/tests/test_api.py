"""POST /api/v1/auth/token: password, TOTP, clinic membership and lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.api import WRONG_CREDENTIALS
from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.accounts.services import token_hash
from marrowtrack.audit.models import AuditEvent
from marrowtrack.testing.factories import PASSWORD, UserFactory

from .test_login import code_for, wrong_code_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"
LIMIT = settings.AXES_FAILURE_LIMIT


def _ask(client: Client | None = None, **body: object):
    return (client or Client()).post(URL, body, content_type="application/json")


def _creds(user: User, password: str = PASSWORD) -> dict[str, str]:
    return {"username": user.username, "password": password}


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_the_right_password_returns_a_token_with_the_users_roles(staff) -> None:
    nurse = staff["nurse"]
    response = _ask(**_creds(nurse))
    body = response.json()
    stored = ApiToken.objects.get(user=nurse)
    assert response.status_code == 200
    assert (body["username"], body["roles"]) == (nurse.username, ["nurse"])
    assert stored.key_hash == token_hash(body["token"])
    assert body["token"] not in stored.key_hash
    hours = settings.MARROWTRACK_API_TOKEN_HOURS
    assert abs(stored.expires_at - timezone.now() - timedelta(hours=hours)) < timedelta(minutes=1)
    assert AuditEvent.objects.filter(actor=nurse, name="token.issue", extra={"via": "api"}).exists()


def test_the_token_authenticates_later_requests(staff, patient) -> None:
    token = _ask(**_creds(staff["nurse"])).json()["token"]
    response = Client().get(
        f"/api/v1/patients/{patient.public_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_a_wrong_password_gets_401_and_no_token(staff) -> None:
    response = _ask(**_creds(staff["nurse"], "wrong-password"))
    assert response.status_code == 401
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_an_unknown_username_gets_401(db) -> None:
    assert _ask(username="nobody", password=PASSWORD).status_code == 401


def test_a_user_without_a_clinic_gets_401(db) -> None:
    drifter = UserFactory(clinic=None)
    response = _ask(**_creds(drifter))
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_401(staff) -> None:
    nurse = staff["nurse"]
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    assert _ask(**_creds(nurse)).status_code == 401


@pytest.mark.parametrize(
    "body", [{"username": ""}, {"password": ""}, {"totp": "12ab56"}, {"totp": "1234567"}]
)
def test_malformed_fields_get_422_naming_the_field(staff, body) -> None:
    response = _ask(**{**_creds(staff["nurse"]), **body})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(body)


@pytest.fixture
def device(staff) -> TOTPDevice:
    return TOTPDevice.objects.create(user=staff["nurse"], name="Phone", confirmed=True)


def test_a_totp_user_without_a_code_gets_401(staff, device, frozen) -> None:
    response = _ask(**_creds(staff["nurse"]))
    assert response.status_code == 401
    assert response.json()["message"] == WRONG_CREDENTIALS
    assert not ApiToken.objects.exists()


def test_a_totp_user_with_a_wrong_code_gets_401(staff, device, frozen) -> None:
    response = _ask(**_creds(staff["nurse"]), totp=wrong_code_for(device))
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_a_totp_user_with_the_right_code_gets_a_token(staff, device, frozen) -> None:
    response = _ask(**_creds(staff["nurse"]), totp=code_for(device))
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=staff["nurse"]).count() == 1


def test_an_unconfirmed_authenticator_does_not_demand_a_code(staff) -> None:
    TOTPDevice.objects.create(user=staff["nurse"], name="Pending", confirmed=False)
    assert _ask(**_creds(staff["nurse"])).status_code == 200


def test_five_wrong_passwords_lock_the_api_login_even_against_the_right_one(staff) -> None:
    client = Client()
    nurse = staff["nurse"]
    failures = [_ask(client, **_creds(nurse, "wrong-password")) for _ in range(LIMIT)]
    assert [r.status_code for r in failures] == [401] * (LIMIT - 1) + [429]
    response = _ask(client, **_creds(nurse))
    assert response.status_code == 429
    assert "locked" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_four_wrong_passwords_do_not_lock_the_api_login(staff) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        _ask(client, **_creds(staff["nurse"], "wrong-password"))
    assert _ask(client, **_creds(staff["nurse"])).status_code == 200


def test_wrong_codes_after_the_right_password_count_toward_the_lockout(
    staff, device, frozen
) -> None:
    client = Client()
    nurse = staff["nurse"]
    wrong = [_ask(client, **_creds(nurse), totp=wrong_code_for(device)) for _ in range(LIMIT)]
    assert [r.status_code for r in wrong[: LIMIT - 1]] == [401] * (LIMIT - 1)
    response = _ask(client, **_creds(nurse), totp=code_for(device))
    assert response.status_code == 429
    assert "locked" in response.json()["message"]
    assert not ApiToken.objects.exists()
