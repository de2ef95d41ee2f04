from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [("clinic_admin", 200), ("nurse", 403), ("physician", 403), ("researcher", 403)],
)
def test_only_the_clinic_administrator_opens_the_staff_list(staff, client_for, role, status):
    response = client_for(staff[role]).get(reverse("accounts:staff-list"))
    assert response.status_code == status


def test_administrator_creates_an_account_in_their_clinic_with_a_one_time_password(
    staff, client_for
):
    admin = staff["clinic_admin"]
    response = client_for(admin).post(
        reverse("accounts:staff-new"),
        {
            "username": "newnurse",
            "display_name": "Ned Nurse",
            "credentials": "RN",
            "email": "",
            "role": "nurse",
        },
    )
    assert response.status_code == 200
    created = User.objects.get(username="newnurse")
    assert created.clinic == admin.clinic
    assert created.role_names == ["nurse"]
    assert created.check_password(response.context["password"])
    assert AuditEvent.objects.filter(action="create", entity="accounts.user").exists()


def test_duplicate_username_is_refused_and_nothing_is_created(staff, client_for):
    admin = staff["clinic_admin"]
    before = User.objects.count()
    response = client_for(admin).post(
        reverse("accounts:staff-new"),
        {"username": staff["nurse"].username, "display_name": "Dup", "role": "nurse"},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == before


def test_deactivating_and_changing_role_is_audited(staff, client_for):
    admin, nurse = staff["clinic_admin"], staff["nurse"]
    url = reverse("accounts:staff-edit", args=[nurse.public_id])
    response = client_for(admin).post(url, {"role": "physician"})
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert not nurse.is_active
    assert nurse.role_names == ["physician"]
    event = AuditEvent.objects.filter(action="update", entity="accounts.user").latest("sequence")
    assert event.changes["is_active"] == {"old": True, "new": False}


def test_an_administrator_cannot_deactivate_themselves(staff, client_for):
    admin = staff["clinic_admin"]
    url = reverse("accounts:staff-edit", args=[admin.public_id])
    response = client_for(admin).post(url, {"role": "clinic_admin"})
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.is_active


def test_staff_of_another_clinic_is_not_found(staff, outsider, client_for):
    url = reverse("accounts:staff-edit", args=[outsider.public_id])
    assert client_for(staff["clinic_admin"]).get(url).status_code == 404


def test_reset_gives_a_new_password_and_removes_the_authenticator(staff, client_for):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    nurse = staff["nurse"]
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    url = reverse("accounts:staff-reset", args=[nurse.public_id])
    response = client_for(staff["clinic_admin"]).post(url)
    nurse.refresh_from_db()
    assert nurse.check_password(response.context["password"])
    assert not TOTPDevice.objects.filter(user=nurse).exists()
