"""Home page navigation per role, the health check, and the API documentation."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.roles import Role, role_permissions
from marrowtrack.testing.factories import UserFactory
from marrowtrack.web.navigation import all_nav_items

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")
NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.DOTALL)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def _nav_links(response) -> dict[str, str]:
    """Label -> href of the links in the main navigation of a rendered page."""
    match = NAV.search(response.content.decode())
    return {label.strip(): href for href, label in LINK.findall(match.group(1))} if match else {}


def _expected_nav(role: str) -> dict[str, str]:
    held = set(role_permissions()[role])
    return {
        item.label: reverse(item.url_name)
        for item in all_nav_items()
        if item.permission is None or item.permission in held
    }


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_the_home_page_shows_each_role_only_its_navigation(role: str, staff, client_for):
    response = client_for(staff[role]).get(HOME)
    assert response.status_code == 200
    assert _nav_links(response) == _expected_nav(role)


def test_a_researcher_sees_no_patients_link_anywhere_on_the_home_page(staff, client_for):
    response = client_for(staff["researcher"]).get(HOME)
    assert "Patients" not in _nav_links(response)
    assert f'href="{reverse("patients:list")}"' not in response.content.decode()
    assert "Registry" in response.content.decode()


def test_a_clinic_admin_sees_the_audit_trail_but_may_not_register_patients(staff, client_for):
    response = client_for(staff["clinic_admin"]).get(HOME)
    content = response.content.decode()
    assert _nav_links(response)["Audit trail"] == reverse("audit:list")
    assert f'href="{reverse("patients:register")}"' not in content


def test_front_desk_sees_patients_and_may_register_but_sees_no_audit_trail(staff, client_for):
    response = client_for(staff["front_desk"]).get(HOME)
    content = response.content.decode()
    assert _nav_links(response)["Patients"] == reverse("patients:list")
    assert "Audit trail" not in _nav_links(response)
    assert f'href="{reverse("patients:register")}"' in content


def test_the_current_section_is_marked_in_the_navigation(staff, client_for):
    response = client_for(staff["nurse"]).get(reverse("patients:list"))
    assert re.search(r'href="/patients/"\s+aria-current="page"', response.content.decode())


def test_a_user_without_a_clinic_sees_no_navigation(db) -> None:
    client = Client()
    client.force_login(UserFactory(clinic=None))
    response = client.get(HOME)
    assert response.status_code == 200
    assert _nav_links(response) == {}


def test_another_clinics_user_sees_their_own_clinic_on_the_home_page(outsider, client_for):
    content = client_for(outsider).get(HOME).content.decode()
    assert "Elsewhere Clinic" in content
    assert "Riverside Test Clinic" not in content


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_health_check_answers_ok_without_logging_in(db) -> None:
    response = Client().get(reverse("web:health"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_the_api_documentation_page_loads(staff, client_for) -> None:
    # Staff only (anonymous visitors are sent to log in: marrowtrack/api/tests).
    response = client_for(staff["nurse"]).get("/api/v1/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.content.decode()


def test_the_openapi_schema_lists_the_patient_and_auth_endpoints(staff, client_for) -> None:
    response = client_for(staff["nurse"]).get("/api/v1/openapi.json")
    schema = response.json()
    paths = schema["paths"]
    assert response.status_code == 200
    assert schema["info"]["title"] == "MarrowTrack API"
    assert {"get", "post"} <= set(paths["/api/v1/patients/"])
    assert {"get", "patch"} <= set(paths["/api/v1/patients/{public_id}"])
    assert "/api/v1/patients/{public_id}/medications" in paths
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/audit/events" in paths


def test_unknown_pages_get_the_404_page(staff, client_for) -> None:
    response = client_for(staff["nurse"]).get("/no-such-page/")
    assert response.status_code == 404
