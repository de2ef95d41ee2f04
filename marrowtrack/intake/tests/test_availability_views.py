from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.intake.models import ResourceException, WorkingHours
from marrowtrack.testing.factories import ClinicFactory

pytestmark = pytest.mark.django_db
URL = reverse("intake:availability")


@pytest.mark.parametrize(
    ("role", "status"), [("clinic_admin", 200), ("front_desk", 403), ("physician", 403)]
)
def test_only_the_clinic_administrator_manages_availability(staff, client_for, role, status):
    assert client_for(staff[role]).get(URL).status_code == status


def test_setting_a_days_clinic_hours_replaces_them_and_is_audited(staff, client_for):
    client = client_for(staff["clinic_admin"])
    body = {
        "form": "hours",
        "resource": "clinic",
        "weekday": "0",
        "starts": "08:00",
        "ends": "17:00",
    }
    assert client.post(URL, body).status_code == 302
    assert client.post(URL, {**body, "ends": "16:00"}).status_code == 302
    row = WorkingHours.objects.get(clinic=staff["clinic_admin"].clinic, weekday=0)
    assert row.ends.hour == 16
    assert AuditEvent.objects.filter(entity="intake.workinghours").count() == 2


def test_hours_that_end_before_they_start_are_refused(staff, client_for):
    response = client_for(staff["clinic_admin"]).post(
        URL,
        {"form": "hours", "resource": "clinic", "weekday": "1", "starts": "17:00", "ends": "08:00"},
    )
    assert response.status_code == 200
    assert "not after the start" in response.content.decode()
    assert not WorkingHours.objects.exists()


def test_an_exception_for_a_room_is_added_and_another_clinics_room_is_not_offered(
    staff, client_for
):
    from marrowtrack.facilities.models import Room

    admin = staff["clinic_admin"]
    room = Room.objects.create(clinic=admin.clinic, name="Fluoro", kind="procedure")
    foreign = Room.objects.create(clinic=ClinicFactory(), name="Elsewhere", kind="procedure")
    client = client_for(admin)
    page = client.get(URL).content.decode()
    assert "Fluoro" in page and "Elsewhere" not in page
    body = {
        "form": "exception",
        "resource": f"room:{room.public_id}",
        "kind": "maintenance",
        "day_from": "2026-12-01",
        "time_from": "08:00",
        "day_to": "2026-12-01",
        "time_to": "12:00",
        "reason": "C-arm service visit",
    }
    assert client.post(URL, body).status_code == 302
    assert ResourceException.objects.get().room == room
    refused = client.post(URL, {**body, "resource": f"room:{foreign.public_id}"})
    assert refused.status_code == 200
    assert ResourceException.objects.count() == 1
