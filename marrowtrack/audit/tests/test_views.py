"""The audit trail page: only the clinic admin, only their clinic, filters that narrow."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role, role_permissions
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic
from marrowtrack.patients import services
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = reverse("audit:list")


@dataclass(frozen=True)
class Trail:
    nurse: User
    physician: User
    patient: Patient
    second: Patient
    foreign_patient: Patient
    nurse_read: AuditEvent
    physician_read: AuditEvent
    physician_update: AuditEvent
    foreign_read: AuditEvent


def _last() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def build_trail(*, make_user, patient: Patient, other_clinic: Clinic, outsider: User) -> Trail:
    """Two reads and an update in this clinic, and a read in another clinic."""
    nurse = make_user(Role.NURSE, display_name="Nora Quill")
    physician = make_user(Role.PHYSICIAN, display_name="Piet Marsh")
    second = PatientFactory(clinic=patient.clinic, family_name="Okoye")
    foreign_patient = PatientFactory(clinic=other_clinic, family_name="Faraway")
    services.patient_record_viewed(patient=patient, by=nurse)
    nurse_read = _last()
    services.patient_record_viewed(patient=second, by=physician)
    physician_read = _last()
    services.patient_update(
        patient=patient, by=physician, data={"phone": "555 0100"}, version=patient.version
    )
    physician_update = _last()
    services.patient_record_viewed(patient=foreign_patient, by=outsider)
    foreign_read = _last()
    return Trail(
        nurse,
        physician,
        patient,
        second,
        foreign_patient,
        nurse_read,
        physician_read,
        physician_update,
        foreign_read,
    )


@pytest.fixture
def trail(make_user, patient, other_clinic, outsider) -> Trail:
    return build_trail(
        make_user=make_user, patient=patient, other_clinic=other_clinic, outsider=outsider
    )


@pytest.fixture
def admin_client(staff, client_for) -> Client:
    return client_for(staff["clinic_admin"])


def _shown(response) -> list[int]:
    return [event.pk for event in response.context["page"].items]


def test_the_clinic_admin_sees_this_clinics_trail_newest_first(trail: Trail, admin_client):
    response = admin_client.get(URL)
    shown = _shown(response)
    assert response.status_code == 200
    assert {
        trail.nurse_read.pk,
        trail.physician_read.pk,
        trail.physician_update.pk,
    } <= set(shown)
    assert shown == sorted(shown, reverse=True)
    assert "Nora Quill" in response.content.decode()


def test_entries_of_another_clinic_are_never_shown(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL)
    content = response.content.decode()
    assert trail.foreign_read.pk not in _shown(response)
    assert trail.foreign_read.actor_label not in content
    assert str(trail.foreign_patient.public_id)[:12] not in content


def test_filtering_by_another_clinics_patient_shows_nothing(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL, {"patient_id": str(trail.foreign_patient.public_id)})
    assert _shown(response) == []


def test_another_clinics_admin_sees_their_trail_but_not_this_one(
    trail: Trail, make_user, other_clinic, client_for
) -> None:
    their_admin = make_user(Role.CLINIC_ADMIN, at=other_clinic)
    shown = set(_shown(client_for(their_admin).get(URL)))
    assert trail.foreign_read.pk in shown
    assert not shown & {trail.nurse_read.pk, trail.physician_update.pk}


def test_filtering_by_action_shows_only_that_action(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL, {"action": "read"})
    assert _shown(response) == [trail.physician_read.pk, trail.nurse_read.pk]


def test_filtering_by_actor_matches_part_of_the_name(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL, {"actor": "marsh"})
    assert _shown(response) == [trail.physician_update.pk, trail.physician_read.pk]


def test_filtering_by_patient_shows_only_that_patients_entries(trail: Trail, admin_client):
    response = admin_client.get(URL, {"patient_id": str(trail.patient.public_id)})
    assert _shown(response) == [trail.physician_update.pk, trail.nurse_read.pk]


def test_filters_combine(trail: Trail, admin_client) -> None:
    response = admin_client.get(
        URL, {"patient_id": str(trail.patient.public_id), "action": "update"}
    )
    assert _shown(response) == [trail.physician_update.pk]


def test_an_invalid_filter_is_reported_not_a_server_error(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL, {"patient_id": "not-a-uuid"})
    assert response.status_code == 200
    assert "patient_id" in response.context["form"].errors


def test_htmx_filtering_returns_only_the_rows_partial(trail: Trail, admin_client) -> None:
    response = admin_client.get(URL, {"action": "update"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="rows"')
    assert "<html" not in content
    assert "Piet Marsh" in content


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_only_roles_allowed_to_view_the_trail_may_open_it(
    role: str, trail: Trail, staff, client_for
) -> None:
    allowed = "audit.view_auditevent" in role_permissions()[role]
    response = client_for(staff[role]).get(URL)
    assert response.status_code == (200 if allowed else 403)


def test_anonymous_visitors_are_sent_to_log_in(trail: Trail) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={URL}"


def test_the_trail_page_stays_within_its_query_budget(
    trail: Trail, admin_client, django_assert_max_num_queries
) -> None:
    for _ in range(60):
        services.patient_record_viewed(patient=trail.patient, by=trail.nurse)
    with django_assert_max_num_queries(12):
        response = admin_client.get(URL)
    assert len(response.context["page"].items) == 50
    assert response.context["page"].next_cursor  # more than a page: an "Older" link
