"""The intake API: plans, screening, decisions, consents, appointments; 422, 403, 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
BASE = "/api/v1/intake"
KNEE = {
    "condition": "knee_oa",
    "target": "knee",
    "laterality": "left",
    "treatment": "bmac",
    "harvest_side": "right",
    "harvest_anticoagulant": "acd_a",
    "kellgren_lawrence_grade": 2,
}


class Api:
    def __init__(self, user) -> None:
        _, secret = api_token_issue(user=user)
        self.client = Client(headers={"Authorization": f"Bearer {secret}"})

    def get(self, path: str) -> Any:
        return self.client.get(f"{BASE}{path}")

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{BASE}{path}", body or {}, content_type="application/json")


def test_a_nurse_creates_a_plan_and_screens_it(clean_patient, staff):
    api = Api(staff["nurse"])
    created = api.post(f"/patients/{clean_patient.public_id}/plans", KNEE)
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    screened = api.post(f"/plans/{plan_id}/screenings")
    assert screened.status_code == 201
    assert screened.json()["outcome"] == "eligible"
    assert api.get(f"/plans/{plan_id}/screenings").json()["items"][0]["ruleset_version"]


def test_invalid_plan_fields_get_422_with_field_messages(clean_patient, staff):
    api = Api(staff["nurse"])
    bad = api.post(f"/patients/{clean_patient.public_id}/plans", {**KNEE, "target": "ankle"})
    assert bad.status_code == 422
    assert "target" in bad.json()["errors"]
    comparator = api.post(
        f"/patients/{clean_patient.public_id}/plans", {**KNEE, "treatment": "csi"}
    )
    assert comparator.status_code == 422
    assert "injectate_drug" in comparator.json()["errors"]


def test_the_front_desk_cannot_create_plans_and_gets_403(clean_patient, staff):
    response = Api(staff["front_desk"]).post(f"/patients/{clean_patient.public_id}/plans", KNEE)
    assert response.status_code == 403


def test_another_clinics_user_gets_404_for_plans_and_consents(approved_plan, outsider, staff):
    api = Api(outsider)
    assert api.get(f"/plans/{approved_plan.public_id}").status_code == 404
    assert api.post(f"/plans/{approved_plan.public_id}/screenings").status_code == 404
    consent = Api(staff["nurse"]).post(f"/plans/{approved_plan.public_id}/consents").json()
    assert api.get(f"/consents/{consent['id']}").status_code == 404


def test_a_decision_override_without_reason_is_422_and_only_physicians_decide(make_plan, staff):
    from marrowtrack.testing.factories import ConditionFactory

    plan = make_plan()
    ConditionFactory(patient=plan.patient, kind="pregnancy", diagnosed_on=MONDAY)
    Api(staff["nurse"]).post(f"/plans/{plan.public_id}/screenings")
    body = {"verdict": "approve", "password": PASSWORD}
    assert Api(staff["nurse"]).post(f"/plans/{plan.public_id}/decisions", body).status_code == 403
    refused = Api(staff["physician"]).post(f"/plans/{plan.public_id}/decisions", body)
    assert refused.status_code == 422
    assert "override_reason" in refused.json()["errors"]
    ok = Api(staff["physician"]).post(
        f"/plans/{plan.public_id}/decisions", {**body, "override_reason": "Test was negative"}
    )
    assert ok.status_code == 201
    assert ok.json()["overrides_hard_stops"] is True
    assert ok.json()["ruleset_version"] == "2026.3"


def test_consent_signature_and_witness_through_the_api(approved_plan, staff):
    nurse = Api(staff["nurse"])
    consent = nurse.post(f"/plans/{approved_plan.public_id}/consents").json()
    signed = nurse.post(
        f"/consents/{consent['id']}/patient-signature",
        {"typed_name": "Rosa Núñez", "signature": "click"},
    )
    assert signed.json()["status"] == "signed"
    witnessed = Api(staff["physician"]).post(
        f"/consents/{consent['id']}/witness", {"password": PASSWORD}
    )
    assert witnessed.json()["status"] == "witnessed"


def _booking(facility) -> dict[str, Any]:
    return {
        "starts_at": at(MONDAY, 9).isoformat(),
        "room": str(facility.fluoro_room.public_id),
        "physician": str(facility.physician.public_id),
        "nurse": str(facility.nurse.public_id),
        "centrifuge": str(facility.centrifuge.public_id),
        "lab_tech": str(facility.lab_tech.public_id),
    }


def test_the_front_desk_books_and_a_double_booking_is_409(
    approved_plan, make_plan, facility, staff, clinic
):
    from marrowtrack.testing.factories import PatientFactory

    desk = Api(staff["front_desk"])
    booked = desk.post(f"/plans/{approved_plan.public_id}/appointments", _booking(facility))
    assert booked.status_code == 201, booked.content
    # Another patient: the same patient's second needle that day is refused first (ADR 0024).
    other = make_plan(status="approved", laterality="right", patient=PatientFactory(clinic=clinic))
    clash = desk.post(f"/plans/{other.public_id}/appointments", _booking(facility))
    assert clash.status_code == 409
    assert "already booked" in clash.json()["message"]
    cancelled = desk.post(f"/appointments/{booked.json()['id']}/cancel", {"reason": "Ill"})
    assert cancelled.json()["status"] == "cancelled"


def test_a_lab_technologist_cannot_book_and_an_outsider_cannot_see_appointments(
    approved_plan, facility, staff, outsider
):
    path = f"/plans/{approved_plan.public_id}/appointments"
    assert Api(staff["lab_tech"]).post(path, _booking(facility)).status_code == 403
    assert Api(outsider).get(path).status_code == 404


def test_a_researcher_cannot_read_plans(approved_plan, staff):
    assert Api(staff["researcher"]).get(f"/plans/{approved_plan.public_id}").status_code == 403
