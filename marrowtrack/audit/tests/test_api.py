"""GET /api/v1/audit/events: only the clinic admin, only their clinic, filters that narrow."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role, role_permissions
from marrowtrack.testing.factories import PASSWORD

from .test_views import Trail, build_trail

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events"


def _headers(user: User) -> dict[str, str]:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _get(user: User, **params: Any):
    return Client().get(URL, params, headers=_headers(user))


def _sequences(response) -> list[int]:
    return [item["entry_hash"] for item in response.json()["items"]]


@pytest.fixture
def trail(make_user, patient, other_clinic, outsider) -> Trail:
    return build_trail(
        make_user=make_user, patient=patient, other_clinic=other_clinic, outsider=outsider
    )


@pytest.fixture
def admin(staff) -> User:
    return staff["clinic_admin"]


def test_the_clinic_admin_lists_this_clinics_entries_with_their_hashes(trail: Trail, admin):
    response = _get(admin)
    body = response.json()
    by_sequence = {item["entry_hash"]: item for item in body["items"]}
    read = by_sequence[trail.nurse_read.entry_hash]
    assert response.status_code == 200
    assert body["count"] == len(body["items"])
    assert (read["action"], read["actor_label"], read["patient_id"]) == (
        "read",
        "Nora Quill",
        str(trail.patient.public_id),
    )
    assert read["entry_hash"] == trail.nurse_read.entry_hash


def test_entries_of_another_clinic_are_never_listed(trail: Trail, admin) -> None:
    listed = _get(admin).json()["items"]
    assert trail.foreign_read.entry_hash not in {item["entry_hash"] for item in listed}
    assert str(trail.foreign_patient.public_id) not in {item["patient_id"] for item in listed}


def test_filtering_by_another_clinics_patient_lists_nothing(trail: Trail, admin) -> None:
    response = _get(admin, patient_id=str(trail.foreign_patient.public_id))
    assert response.json() == {"items": [], "count": 0, "next": None}


def test_another_clinics_admin_lists_their_entries_but_not_these(
    trail: Trail, make_user, other_clinic
) -> None:
    their_admin = make_user(Role.CLINIC_ADMIN, at=other_clinic)
    listed = set(_sequences(_get(their_admin)))
    assert trail.foreign_read.entry_hash in listed
    assert not listed & {trail.nurse_read.entry_hash, trail.physician_update.entry_hash}


def test_filtering_by_action(trail: Trail, admin) -> None:
    response = _get(admin, action="read")
    assert _sequences(response) == [trail.physician_read.entry_hash, trail.nurse_read.entry_hash]


def test_filtering_by_actor(trail: Trail, admin) -> None:
    response = _get(admin, actor="quill")
    assert _sequences(response) == [trail.nurse_read.entry_hash]


def test_filtering_by_patient(trail: Trail, admin) -> None:
    response = _get(admin, patient_id=str(trail.patient.public_id))
    assert _sequences(response) == [trail.physician_update.entry_hash, trail.nurse_read.entry_hash]


def test_an_invalid_patient_id_is_a_422_naming_the_field(trail: Trail, admin) -> None:
    response = _get(admin, patient_id="not-a-uuid")
    assert response.status_code == 422
    assert "patient_id" in response.json()["errors"]


def test_results_are_paginated(trail: Trail, admin) -> None:
    first = _get(admin, action="read", limit=1)
    assert first.json()["count"] is None  # more than one page and no count asked for
    response = _get(admin, action="read", limit=1, cursor=first.json()["next"], count="true")
    assert response.json()["count"] == 2
    assert _sequences(response) == [trail.nurse_read.entry_hash]
    assert response.json()["next"] is None


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_only_roles_allowed_to_view_the_trail_may_list_it(role: str, trail: Trail, staff):
    allowed = "audit.view_auditevent" in role_permissions()[role]
    response = _get(staff[role])
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "items" not in response.json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}], ids=["none", "bad"])
def test_requests_without_a_valid_token_get_401(headers, trail: Trail) -> None:
    response = Client().get(URL, headers=headers)
    assert response.status_code == 401
    assert "items" not in response.json()
