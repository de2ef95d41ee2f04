"""Where two-factor is required, nobody gets a token or a page without an authenticator:
not before enrolling, not after an administrator's reset."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.models import ApiToken
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.accounts.staff import staff_reset_credentials
from marrowtrack.testing.factories import PASSWORD

from .test_login import code_for

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.MARROWTRACK_REQUIRE_2FA = True


def _ask(user, **extra):
    body = {"username": user.username, "password": PASSWORD, **extra}
    return Client().post(TOKEN_URL, body, content_type="application/json")


def test_an_account_without_an_authenticator_gets_no_token(staff) -> None:
    response = _ask(staff["nurse"])
    assert response.status_code == 403
    assert "set up your authenticator" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_an_enrolled_account_needs_its_code_for_a_token(staff) -> None:
    device = TOTPDevice.objects.create(user=staff["nurse"], name="Phone", confirmed=True)
    assert _ask(staff["nurse"]).status_code == 401
    assert _ask(staff["nurse"], totp=code_for(device)).status_code == 200


def test_after_an_administrators_reset_old_tokens_stop_and_no_new_one_is_issued(staff) -> None:
    nurse = staff["nurse"]
    TOTPDevice.objects.create(user=nurse, name="Phone", confirmed=True)
    _, secret = api_token_issue(user=nurse)
    staff_reset_credentials(by=staff["clinic_admin"], user=nurse)
    response = Client().get("/api/v1/patients/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert _ask(nurse).status_code == 401  # the old password is gone too


def test_a_token_of_an_account_that_must_enrol_is_not_accepted(staff, settings) -> None:
    settings.MARROWTRACK_REQUIRE_2FA = False
    _, secret = api_token_issue(user=staff["nurse"])
    settings.MARROWTRACK_REQUIRE_2FA = True
    response = Client().get("/api/v1/patients/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    ["web:home", "accounts:staff-list", "accounts:tokens", "accounts:password-change"],
)
def test_every_page_sends_an_unenrolled_user_to_enrolment(staff, client_for, url) -> None:
    response = client_for(staff["clinic_admin"]).get(reverse(url))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor")


def test_the_django_admin_sends_an_unenrolled_superuser_to_enrolment(make_user) -> None:
    admin = make_user(None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.get("/django-admin/")
    assert response["Location"] == reverse("accounts:two-factor")


def test_enrolment_itself_stays_reachable(staff, client_for) -> None:
    assert client_for(staff["nurse"]).get(reverse("accounts:two-factor")).status_code == 200
