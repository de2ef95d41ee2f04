"""Per resource: create with every field its create accepts, read it back with GET, and find
every value as sent (docs/decisions/0026-api-shape.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.services import api_token_issue

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "family_name": "Okoye",
    "given_name": "Ada",
    "date_of_birth": "1958-03-09",
    "sex": "female",
    "phone": "555-0100",
    "email": "ada@example.org",
    "address": "1 Main Street",
    "preferred_language": "es",
    "referral_condition": "knee_oa",
    "referral_notes": "Referred by her GP.",
    "no_known_allergies": True,
    "height_cm": "165.5",
}
NEW_PLAN = {
    "condition": "knee_oa",
    "target": "knee",
    "target_level": "",
    "laterality": "left",
    "harvest_side": "right",
    "harvest_anticoagulant": "acd_a",
    "symptom_duration_months": 30,
    "kellgren_lawrence_grade": 2,
    "severity_notes": "Pain on stairs.",
    "treatment": "bmac",
    "guidance": "us",
    "injectate_drug": "",
    "dose_mg": None,
    "volume_ml": "6.00",
    "anaesthetic": "Lidocaine 1% 5 mL",
    "anticoagulant_plan": "No anticoagulants.",
    "fasting_note": "Light breakfast allowed.",
}


def _api(user: User) -> Client:
    _, secret = api_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _same(sent: Any, read: Any) -> bool:
    if isinstance(sent, str) and isinstance(read, str | int | float) and sent:
        try:
            return Decimal(sent) == Decimal(str(read))
        except ArithmeticError:
            return sent == read
    return sent == read


def _differences(sent: dict[str, Any], read: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (value, read.get(name, "<missing>"))
        for name, value in sent.items()
        if not _same(value, read.get(name, "<missing>"))
    }


def test_a_patient_reads_back_every_field_it_was_created_with(staff) -> None:
    api = _api(staff["nurse"])
    created = api.post("/api/v1/patients/", NEW_PATIENT, "application/json")
    assert created.status_code == 201, created.content
    read = api.get(f"/api/v1/patients/{created.json()['id']}").json()
    assert _differences(NEW_PATIENT, read) == {}
    assert _differences(NEW_PATIENT, created.json()) == {}


def test_a_plan_reads_back_every_field_it_was_created_with(staff, patient) -> None:
    api = _api(staff["physician"])
    url = f"/api/v1/intake/patients/{patient.public_id}/plans"
    first = api.post(url, NEW_PLAN, "application/json")
    assert first.status_code == 201, first.content
    sent = {**NEW_PLAN, "target": "hip", "previous_plan": first.json()["id"]}
    created = api.post(url, sent, "application/json")
    assert created.status_code == 201, created.content
    read = api.get(f"/api/v1/intake/plans/{created.json()['id']}").json()
    assert read["id"] == created.json()["id"]
    assert _differences(sent, read) == {}
    assert _differences(sent, created.json()) == {}
