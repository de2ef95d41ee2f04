"""The API for the safety work: plans list paging, hold plans, the day re-check and booking
inside a hold; each with the outsider (404) and the wrong role (403)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditEvent
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services import screening
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.intake.tests.test_api import Api
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db


def test_the_plans_list_pages_with_a_cursor_and_filters(make_plan, staff) -> None:
    for _ in range(3):
        make_plan()
    wanted = make_plan(treatment="csi", injectate_drug="Triamcinolone", harvest_side="")
    api = Api(staff["front_desk"])
    first = api.get("/plans?limit=2").json()
    second = api.get(f"/plans?limit=2&cursor={first['next']}").json()
    assert len(first["items"]) == 2 and len(second["items"]) == 2 and second["next"] is None
    ids = {p["id"] for p in first["items"] + second["items"]}
    assert len(ids) == 4
    filtered = api.get("/plans?treatment=csi").json()["items"]
    assert [p["id"] for p in filtered] == [str(wanted.public_id)]


def test_a_bad_cursor_is_422_and_an_outsider_sees_no_plans(make_plan, staff, outsider) -> None:
    make_plan()
    bad = Api(staff["nurse"]).get("/plans?cursor=garbage")
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]
    assert Api(outsider).get("/plans").json() == {"items": [], "count": 0, "next": None}


def _apixaban(plan):
    return MedicationFactory(
        patient=plan.patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )


def _hold_body(medication) -> dict:
    return {
        "medication": str(medication.public_id),
        "last_dose_on": str(MONDAY + timedelta(days=5)),
        "restart_on": str(MONDAY + timedelta(days=11)),
        "prescriber": "Dr A. Mensah",
        "password": PASSWORD,
        "procedure_on": str(MONDAY + timedelta(days=7)),
    }


def test_a_physician_records_a_hold_plan_and_reads_it_back(approved_plan, staff) -> None:
    medication = _apixaban(approved_plan)
    api = Api(staff["physician"])
    created = api.post(f"/plans/{approved_plan.public_id}/holds", _hold_body(medication))
    assert created.status_code == 201, created.content
    assert created.json()["signed_by"] == staff["physician"].printed_name
    assert created.json()["procedure_on"] == str(MONDAY + timedelta(days=7))
    listed = api.get(f"/plans/{approved_plan.public_id}/holds").json()["items"]
    assert [h["medication_name"] for h in listed] == ["Apixaban"]


def test_hold_plans_refuse_the_wrong_role_the_outsider_and_bad_fields(
    approved_plan, staff, make_user, other_clinic
) -> None:
    outsider = make_user(Role.PHYSICIAN, at=other_clinic)  # may sign holds, not here
    medication = _apixaban(approved_plan)
    path = f"/plans/{approved_plan.public_id}/holds"
    assert Api(staff["front_desk"]).post(path, _hold_body(medication)).status_code == 403
    assert Api(staff["lab_tech"]).post(path, _hold_body(medication)).status_code == 403
    # A hold plan lets a needle go ahead inside a hold: a physician signs it (ADR 0024).
    assert Api(staff["nurse"]).post(path, _hold_body(medication)).status_code == 403
    assert Api(outsider).post(path, _hold_body(medication)).status_code == 404
    assert Api(outsider).get(path).status_code == 404
    bad = Api(staff["physician"]).post(path, {**_hold_body(medication), "restart_on": str(MONDAY)})
    assert bad.status_code == 422 and "restart_on" in bad.json()["errors"]


def test_a_medicine_of_another_clinic_cannot_be_held(approved_plan, staff, outsider) -> None:
    from marrowtrack.testing.factories import PatientFactory

    foreign = MedicationFactory(patient=PatientFactory(clinic=outsider.clinic))
    response = Api(staff["physician"]).post(
        f"/plans/{approved_plan.public_id}/holds", _hold_body(foreign)
    )
    assert response.status_code == 422 and "medication" in response.json()["errors"]


def _ready(plan, staff) -> None:
    screening.screening_run(plan=plan, by=staff["nurse"])
    screening.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)


def test_the_day_check_is_201_when_clear_and_409_with_the_reasons_when_not(
    make_plan, staff
) -> None:
    plan = make_plan()
    _ready(plan, staff)
    api = Api(staff["nurse"])
    path = f"/plans/{plan.public_id}/day-checks"
    ok = api.post(path, {"temperature_c": "36.9"})
    assert ok.status_code == 201 and ok.json()["kind"] == "day_of"
    fever = api.post(path, {"temperature_c": "38.4"})
    assert fever.status_code == 409
    assert "Temperature 38.4 °C" in fever.json()["message"]
    assert AuditEvent.objects.filter(action="refused", entity="intake.treatmentplan").exists()
    missing = api.post(path, {})
    assert missing.status_code == 422 and "temperature_c" in missing.json()["errors"]


def test_the_day_check_refuses_the_wrong_role_and_the_outsider(approved_plan, staff, outsider):
    path = f"/plans/{approved_plan.public_id}/day-checks"
    assert Api(staff["front_desk"]).post(path, {"temperature_c": "36.9"}).status_code == 403
    assert Api(outsider).post(path, {"temperature_c": "36.9"}).status_code == 404


def test_booking_inside_a_hold_is_409_naming_the_medicine(approved_plan, facility, staff):
    MedicationFactory(patient=approved_plan.patient, name="Ibuprofen", drug_class="nsaid")
    body = {
        "starts_at": at(MONDAY + timedelta(days=3), 9).isoformat(),
        "room": str(facility.fluoro_room.public_id),
        "physician": str(facility.physician.public_id),
        "nurse": str(facility.nurse.public_id),
        "centrifuge": str(facility.centrifuge.public_id),
        "lab_tech": str(facility.lab_tech.public_id),
    }
    refused = Api(staff["front_desk"]).post(f"/plans/{approved_plan.public_id}/appointments", body)
    assert refused.status_code == 409
    assert "Ibuprofen needs 7 NSAID-free days" in refused.json()["message"]
