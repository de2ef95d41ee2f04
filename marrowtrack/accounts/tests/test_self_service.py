"""Self-service password change (page and API); the administrator unlocks a locked account
and reads roles in words; the Django admin has no log-in form of its own; token requests are
throttled and count toward the lockout; refused pages are audited."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.access import staff_clinic
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.testing.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase"
URL = reverse("accounts:password-change")


def _form(old: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None) -> dict:
    return {"old_password": old, "new_password": new, "new_password_again": again or new}


def test_a_person_changes_their_password_and_stays_logged_in(staff, client_for) -> None:
    nurse = staff["nurse"]
    client = client_for(nurse)
    response = client.post(URL, _form())
    nurse.refresh_from_db()
    assert response.status_code == 302
    assert nurse.check_password(NEW_PASSWORD)
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(actor=nurse, name="password.change").exists()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (_form(old="wrong"), "old_password"),
        (_form(again="something-else-entirely"), "new_password_again"),
        (_form(new=PASSWORD), "new_password"),
    ],
    ids=["wrong-current", "mismatch", "same-as-before"],
)
def test_a_bad_change_names_the_field_and_keeps_the_password(staff, client_for, form, field):
    response = client_for(staff["nurse"]).post(URL, form)
    staff["nurse"].refresh_from_db()
    assert field in response.context["form"].errors
    assert staff["nurse"].check_password(PASSWORD)


def test_the_password_rules_apply_to_the_new_password(staff, client_for, settings) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        }
    ]
    response = client_for(staff["nurse"]).post(URL, _form(new="short1"))
    assert "new_password" in response.context["form"].errors


def test_the_password_change_page_needs_a_log_in(db) -> None:
    assert Client().get(URL).status_code == 302


def test_a_person_changes_their_password_by_api(staff) -> None:
    _, secret = api_token_issue(user=staff["nurse"])
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    bad = api.post(
        "/api/v1/auth/password",
        {"old_password": "wrong", "new_password": NEW_PASSWORD},
        "application/json",
    )
    assert (bad.status_code, list(bad.json()["errors"])) == (422, ["old_password"])
    good = api.post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        "application/json",
    )
    assert good.status_code == 200
    assert api.get("/api/v1/patients/").status_code == 401  # this token ended too


def _fail_logins(user, times: int) -> None:
    for _ in range(times):
        Client().post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})


def test_the_administrator_sees_a_locked_account_and_unlocks_it(staff, client_for) -> None:
    nurse, admin = staff["nurse"], staff["clinic_admin"]
    _fail_logins(nurse, settings.AXES_FAILURE_LIMIT)
    listing = client_for(admin).get(reverse("accounts:staff-list")).content.decode()
    assert "locked" in listing
    url = reverse("accounts:staff-unlock", args=[nurse.public_id])
    assert client_for(staff["nurse"]).post(url).status_code in (403, 429)
    response = client_for(admin).post(url)
    assert response.status_code == 302
    logged_in = Client().post(
        reverse("accounts:login"), {"username": nurse.username, "password": PASSWORD}
    )
    assert logged_in.status_code == 302
    assert AuditEvent.objects.filter(actor=admin, name="account.unlock").exists()


def test_another_clinics_administrator_cannot_unlock(staff, make_user, other_clinic, client_for):
    outsider_admin = make_user("clinic_admin", at=other_clinic)
    url = reverse("accounts:staff-unlock", args=[staff["nurse"].public_id])
    assert client_for(outsider_admin).post(url).status_code == 404


def test_the_staff_list_names_roles_in_words(staff, client_for) -> None:
    page = client_for(staff["clinic_admin"]).get(reverse("accounts:staff-list")).content.decode()
    assert "Lab technologist" in page
    assert "Front desk" in page
    assert "lab_tech" not in page


def test_the_django_admin_log_in_is_the_apps_log_in_page(db, staff, client_for) -> None:
    response = Client().get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client_for(staff["nurse"]).get("/django-admin/login/").status_code == 403


def test_token_requests_are_throttled(staff, settings) -> None:
    settings.MARROWTRACK_TOKEN_RATE = "3/m"
    cache.clear()
    body = {"username": staff["nurse"].username, "password": PASSWORD}
    codes = [
        Client().post("/api/v1/auth/token", body, "application/json").status_code for _ in range(4)
    ]
    cache.clear()
    assert codes == [200, 200, 200, 429]


def test_a_refused_page_is_audited_as_access_denied(staff, client_for) -> None:
    researcher = staff["researcher"]
    response = client_for(researcher).get(reverse("accounts:staff-list"))
    event = AuditEvent.objects.get(actor=researcher, name="access.denied")
    assert response.status_code == 403
    assert event.extra["path"] == reverse("accounts:staff-list")


def test_staff_clinic_is_the_accounts_clinic_and_refuses_an_account_without_one(staff) -> None:
    nurse = staff["nurse"]
    assert staff_clinic(nurse) == nurse.clinic
    with pytest.raises(PermissionDenied, match="not attached to a clinic"):
        staff_clinic(UserFactory(clinic=None))
