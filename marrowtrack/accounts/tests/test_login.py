"""Logging in: password, lockout, TOTP, two-factor enrolment and enforcement, idle logoff."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.middleware import SESSION_KEY as ACTIVITY_KEY
from marrowtrack.accounts.middleware import activity_resolution
from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditEvent
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two-factor")
HOME = reverse("web:home")
PATIENTS = reverse("patients:list")
LIMIT = settings.AXES_FAILURE_LIMIT


def _totp(device: TOTPDevice) -> TOTP:
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def code_for(device: TOTPDevice) -> str:
    return f"{_totp(device).token():0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A well-formed code that no time step within the device's tolerance accepts."""
    totp = _totp(device)
    now = totp.t()
    valid = set()
    for offset in range(-device.tolerance - 1, device.tolerance + 2):
        totp.time = (now + offset) * device.step + device.t0
        valid.add(f"{totp.token():06d}")
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def _login(client: Client, user: User, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": user.username, "password": password, **extra})


def _logged_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.fixture
def nurse(staff) -> User:
    return staff["nurse"]


@pytest.fixture
def device(nurse: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=nurse, name="Phone", confirmed=True)


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_the_login_page_asks_for_username_and_password() -> None:
    response = Client().get(LOGIN)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in content
    assert 'name="password"' in content


def test_a_user_without_two_factor_logs_in_with_the_password(nurse: User) -> None:
    client = Client()
    response = _login(client, nurse)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_as(client) == str(nurse.pk)
    assert AuditEvent.objects.filter(action="login", actor=nurse).count() == 1


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(nurse: User) -> None:
    inside = Client().post(
        f"{LOGIN}?next={PATIENTS}", {"username": nurse.username, "password": PASSWORD}
    )
    outside = _login(Client(), nurse, next="https://evil.example/steal")
    assert inside["Location"] == PATIENTS
    assert outside["Location"] == "/"


def test_a_wrong_password_is_refused_and_recorded_in_the_audit_trail(nurse: User) -> None:
    client = Client()
    response = _login(client, nurse, password="wrong-password")
    failed = AuditEvent.objects.get(action="login_failed")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _logged_in_as(client) is None
    assert failed.actor is None
    assert failed.actor_label == f"unknown ({nurse.username})"


def test_failures_below_the_limit_do_not_lock_the_account(nurse: User) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert _login(client, nurse, password="wrong-password").status_code == 200
    assert _login(client, nurse).status_code == 302
    assert _logged_in_as(client) == str(nurse.pk)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(nurse: User) -> None:
    client = Client()
    responses = [_login(client, nurse, password="wrong-password") for _ in range(LIMIT)]
    assert [r.status_code for r in responses] == [200] * (LIMIT - 1) + [429]
    locked = _login(client, nurse)
    assert locked.status_code == 429
    assert "Account temporarily locked" in locked.content.decode()
    assert _logged_in_as(client) is None
    assert AuditEvent.objects.filter(action="login_failed").count() >= LIMIT
    assert not AuditEvent.objects.filter(action="login", actor=nurse).exists()


def test_a_lockout_of_one_account_leaves_colleagues_able_to_log_in(staff) -> None:
    client = Client()
    for _ in range(LIMIT):
        _login(client, staff["nurse"], password="wrong-password")
    assert _login(Client(), staff["physician"]).status_code == 302


def test_the_lockout_ends_after_the_cool_off(nurse: User, frozen) -> None:
    for _ in range(LIMIT):
        _login(Client(), nurse, password="wrong-password")
    assert _login(Client(), nurse).status_code == 429
    frozen.shift(settings.AXES_COOLOFF_TIME * timedelta(hours=1) + timedelta(minutes=1))
    assert _login(Client(), nurse).status_code == 302


def test_a_user_with_totp_cannot_log_in_without_a_code(nurse: User, device, frozen) -> None:
    client = Client()
    response = _login(client, nurse)
    assert response.status_code == 200
    assert "Please enter your OTP token." in response.context["form"].non_field_errors()
    assert _logged_in_as(client) is None


def test_a_user_with_totp_cannot_log_in_with_a_wrong_code(nurse: User, device, frozen) -> None:
    client = Client()
    response = _login(client, nurse, otp_token=wrong_code_for(device))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _logged_in_as(client) is None


def test_a_user_with_totp_logs_in_with_the_right_code_and_is_verified(
    nurse: User, device, frozen
) -> None:
    client = Client()
    response = _login(client, nurse, otp_token=code_for(device))
    assert response.status_code == 302
    assert _logged_in_as(client) == str(nurse.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert "is on" in client.get(TWO_FACTOR).content.decode()


def test_a_totp_code_cannot_be_used_twice(nurse: User, device, frozen) -> None:
    code = code_for(device)
    assert _login(Client(), nurse, otp_token=code).status_code == 302
    second = Client()
    assert _login(second, nurse, otp_token=code).status_code == 200
    assert _logged_in_as(second) is None


def test_enrolment_shows_a_qr_code_and_the_secret_of_a_new_authenticator(nurse: User) -> None:
    response = _logged_in(nurse).get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=nurse)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert response.status_code == 200
    assert device.confirmed is False
    assert "<svg" in response.context["qr_svg"]
    assert secret in response.content.decode()


def test_enrolment_refuses_a_wrong_code_and_keeps_two_factor_off(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=nurse)
    response = client.post(TWO_FACTOR, {"token": wrong_code_for(device)})
    device.refresh_from_db()
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert device.confirmed is False
    assert "otp_device_id" not in client.session


def test_enrolment_refuses_a_code_that_is_not_six_digits(nurse: User) -> None:
    client = _logged_in(nurse)
    client.get(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": "12ab56"})
    assert response.context["form"].errors["token"] == [
        "Enter the 6 digits shown in your authenticator app."
    ]
    assert not TOTPDevice.objects.filter(user=nurse, confirmed=True).exists()


def test_enrolment_with_the_right_code_turns_two_factor_on_and_verifies_the_session(
    nurse: User, frozen
) -> None:
    client = _logged_in(nurse)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=nurse)
    response = client.post(TWO_FACTOR, {"token": code_for(device)})
    device.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert device.confirmed is True
    assert client.session["otp_device_id"] == device.persistent_id
    assert AuditEvent.objects.filter(actor=nurse, name="totp.enrol", extra={"2fa": "on"}).exists()


def test_enrolment_needs_a_logged_in_user() -> None:
    response = Client().get(TWO_FACTOR)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_when_two_factor_is_required_an_unverified_user_is_sent_to_enrolment(
    nurse: User, settings
) -> None:
    settings.MARROWTRACK_REQUIRE_2FA = True
    client = _logged_in(nurse)
    for url in (HOME, PATIENTS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == TWO_FACTOR
    assert client.get(TWO_FACTOR).status_code == 200


def test_when_two_factor_is_required_htmx_requests_are_redirected_by_header(
    nurse: User, settings
) -> None:
    settings.MARROWTRACK_REQUIRE_2FA = True
    response = _logged_in(nurse).get(PATIENTS, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == TWO_FACTOR


def test_when_two_factor_is_required_a_verified_user_reaches_the_pages(
    nurse: User, device, settings, frozen
) -> None:
    settings.MARROWTRACK_REQUIRE_2FA = True
    client = Client()
    _login(client, nurse, otp_token=code_for(device))
    assert client.get(PATIENTS).status_code == 200


def test_when_two_factor_is_optional_an_unverified_user_reaches_the_pages(
    nurse: User, settings
) -> None:
    settings.MARROWTRACK_REQUIRE_2FA = False
    assert _logged_in(nurse).get(PATIENTS).status_code == 200


def test_a_request_just_before_the_idle_limit_keeps_the_user_logged_in(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    assert client.get(HOME).status_code == 200
    frozen.shift(timedelta(minutes=settings.MARROWTRACK_IDLE_MINUTES - 1))
    assert client.get(PATIENTS).status_code == 200
    frozen.shift(timedelta(minutes=settings.MARROWTRACK_IDLE_MINUTES - 1))
    assert client.get(HOME).status_code == 200
    assert _logged_in_as(client) == str(nurse.pk)


def test_a_request_after_the_idle_limit_logs_the_user_out(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    client.get(HOME)
    frozen.shift(timedelta(minutes=settings.MARROWTRACK_IDLE_MINUTES + 1))
    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PATIENTS}"
    assert _logged_in_as(client) is None
    assert AuditEvent.objects.filter(action="logout", actor=nurse).count() == 1
    assert client.get(HOME)["Location"].startswith(LOGIN)


def _stored_activity(client: Client) -> float:
    return float(client.session[ACTIVITY_KEY])


def test_pages_opened_seconds_apart_do_not_save_the_session_again(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    client.get(HOME)
    stored = _stored_activity(client)
    frozen.shift(timedelta(seconds=5))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PATIENTS).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _stored_activity(client) == stored


def test_the_stored_activity_moves_on_once_it_is_older_than_the_resolution(
    nurse: User, frozen
) -> None:
    client = _logged_in(nurse)
    client.get(HOME)
    stored = _stored_activity(client)
    frozen.shift(timedelta(seconds=31))
    client.get(PATIENTS)
    assert _stored_activity(client) == pytest.approx(stored + 31)


def test_coarse_activity_logs_off_early_by_at_most_a_thirtieth_of_the_idle_time() -> None:
    assert activity_resolution(15 * 60) == 30
    assert activity_resolution(60) == 2


def test_the_login_page_explains_an_idle_logoff(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    client.get(HOME)
    frozen.shift(timedelta(minutes=settings.MARROWTRACK_IDLE_MINUTES + 1))
    response = client.get(PATIENTS, follow=True)
    assert response.redirect_chain[-1][0] == f"{LOGIN}?next={PATIENTS}"
    assert "logged out after a period of inactivity" in response.content.decode()


def test_an_idle_htmx_request_is_redirected_to_login_by_header(nurse: User, frozen) -> None:
    client = _logged_in(nurse)
    client.get(HOME)
    frozen.shift(timedelta(minutes=settings.MARROWTRACK_IDLE_MINUTES + 1))
    response = client.get(PATIENTS, {"q": "nunez"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next={PATIENTS}"
    assert _logged_in_as(client) is None


def test_logging_out_ends_the_session(nurse: User) -> None:
    client = _logged_in(nurse)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert _logged_in_as(client) is None
