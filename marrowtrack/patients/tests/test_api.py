"""The patients API: a bearer token's full round trip, per-field 422s, 401, 403 and 404."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.patients.models import (
    Allergy,
    Condition,
    Medication,
    Patient,
    WeightMeasurement,
)
from marrowtrack.testing.factories import PASSWORD, MedicationFactory, PatientFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/patients"
NEW_PATIENT = {"family_name": "Okoye", "given_name": "Ada", "date_of_birth": "1958-03-09"}


class Api:
    """A JSON client holding a bearer token obtained from the token endpoint."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{BASE}{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"{BASE}{path}", body, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(
            f"{BASE}{path}", body, content_type="application/json", headers=self.headers
        )


def _token(user: User) -> str:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api_for():
    def make(user: User) -> Api:
        return Api(_token(user))

    return make


def _counts() -> dict[str, int]:
    models = (Patient, WeightMeasurement, Allergy, Medication, Condition)
    counts = {model.__name__: model.objects.count() for model in models}
    # A refusal is audited ("denied"); no other entry may be written.
    return {**counts, "audit": AuditEvent.objects.exclude(action="denied").count()}


def test_a_nurse_registers_a_patient_and_gets_the_full_record(clinic, staff, api_for) -> None:
    response = api_for(staff["nurse"]).post("/", {**NEW_PATIENT, "sex": "female"})
    body = response.json()
    created = Patient.objects.get()
    assert response.status_code == 201
    assert body["id"] == str(created.public_id)
    assert (body["mrn"], body["family_name"], body["sex"]) == ("MT0000001", "Okoye", "female")
    assert body["weights"] == body["medications"] == []
    assert created.clinic == clinic


def test_search_finds_patients_of_the_clinic_by_name(patient, clinic, staff, api_for) -> None:
    PatientFactory(clinic=clinic, family_name="Smith", given_name="John")
    response = api_for(staff["lab_tech"]).get("/", q="nunez")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [str(patient.public_id)]


def test_search_never_returns_another_clinics_patients(patient, outsider, api_for) -> None:
    response = api_for(outsider).get("/", q="nunez")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0, "next": None}


def test_reading_a_record_returns_it_and_logs_the_read(patient, staff, api_for) -> None:
    MedicationFactory(patient=patient, name="Apixaban", drug_class="anticoagulant")
    nurse = staff["nurse"]
    response = api_for(nurse).get(f"/{patient.public_id}")
    read = AuditEvent.objects.get(action="read")
    assert response.status_code == 200
    assert response.json()["mrn"] == patient.mrn
    assert [m["name"] for m in response.json()["medications"]] == ["Apixaban"]
    assert (read.actor, read.patient_id, read.extra) == (
        nurse,
        str(patient.public_id),
        {"viewed": "api"},
    )


def test_patch_changes_only_the_fields_sent_and_audits_them(patient, staff, api_for) -> None:
    response = api_for(staff["front_desk"]).patch(
        f"/{patient.public_id}", {"phone": "555 0100", "version": 1}
    )
    patient.refresh_from_db()
    update = AuditEvent.objects.get(action="update")
    assert response.status_code == 200
    assert (patient.phone, patient.family_name) == ("555 0100", "Núñez")
    assert update.changes == {
        "phone": {"old": "", "new": "555 0100"},
        "version": {"old": 1, "new": 2},
    }
    assert response.json()["version"] == patient.version == 2


def test_archive_marks_the_record_archived_with_the_reason(patient, staff, api_for) -> None:
    api = api_for(staff["clinic_admin"])
    response = api.post(f"/{patient.public_id}/archive", {"reason": "Duplicate"})
    patient.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    assert patient.archive_reason == "Duplicate"
    assert api.get("/", q="nunez").json()["items"] == []


@pytest.mark.parametrize(
    ("path", "body", "model", "check"),
    [
        (
            "weights",
            {"weight_kg": "72.5", "measured_on": "2024-03-01"},
            WeightMeasurement,
            ("weight_kg", "72.5"),
        ),
        (
            "allergies",
            {"category": "local_anaesthetic", "substance": "Lidocaine", "severity": "severe"},
            Allergy,
            ("substance", "Lidocaine"),
        ),
        (
            "medications",
            {
                "name": "Apixaban",
                "drug_class": "anticoagulant",
                "agent": "apixaban",
                "dose": "5 mg",
            },
            Medication,
            ("drug_class", "anticoagulant"),
        ),
        (
            "conditions",
            {"kind": "bleeding_disorder", "detail": "Haemophilia A"},
            Condition,
            ("kind", "bleeding_disorder"),
        ),
    ],
)
def test_a_physician_adds_an_entry_to_the_record(
    path, body, model, check, patient, staff, api_for
) -> None:
    response = api_for(staff["physician"]).post(f"/{patient.public_id}/{path}", body)
    stored = model.objects.get(patient=patient)
    field, value = check
    assert response.status_code == 201
    assert response.json()["id"] == str(stored.public_id)
    assert str(getattr(stored, field)) == value
    assert AuditEvent.objects.filter(action="create", entity_id=str(stored.public_id)).exists()


def test_patching_a_medication_records_the_stop_date(patient, staff, api_for) -> None:
    medication = MedicationFactory(patient=patient, started_on="2024-01-01")
    api = api_for(staff["nurse"])
    response = api.patch(
        f"/medications/{medication.public_id}", {"stopped_on": "2024-06-30", "version": 1}
    )
    medication.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["stopped_on"] == "2024-06-30"
    assert str(medication.stopped_on) == "2024-06-30"


def test_a_medication_cannot_stop_before_it_started(patient, staff, api_for) -> None:
    medication = MedicationFactory(patient=patient, started_on="2024-01-01")
    api = api_for(staff["nurse"])
    response = api.patch(
        f"/medications/{medication.public_id}", {"stopped_on": "2023-12-31", "version": 1}
    )
    medication.refresh_from_db()
    assert response.status_code == 422
    assert response.json()["errors"]["stopped_on"] == ["The stop date is before the start date."]
    assert medication.stopped_on is None


def _tomorrow() -> str:
    return (clock.today() + timedelta(days=1)).isoformat()


INVALID = [
    pytest.param("/", {**NEW_PATIENT, "family_name": ""}, "family_name", "at least 1", id="empty"),
    pytest.param(
        "/", {**NEW_PATIENT, "given_name": "x" * 101}, "given_name", "at most 100", id="long"
    ),
    pytest.param(
        "/", {**NEW_PATIENT, "date_of_birth": "yesterday"}, "date_of_birth", "date", id="dob-type"
    ),
    pytest.param("/", {**NEW_PATIENT, "date_of_birth": None}, "date_of_birth", "date", id="null"),
    pytest.param(
        "/", {**NEW_PATIENT, "date_of_birth": "TOMORROW"}, "date_of_birth", "future", id="future"
    ),
    pytest.param("/", {**NEW_PATIENT, "sex": "robot"}, "sex", "Input should be", id="sex"),
    pytest.param(
        "/", {**NEW_PATIENT, "shoe_size": 9}, "shoe_size", "Extra inputs are not", id="extra"
    ),
    pytest.param(
        "/{id}/weights",
        {"weight_kg": "heavy", "measured_on": "2024-03-01"},
        "weight_kg",
        "decimal",
        id="weight-type",
    ),
    pytest.param(
        "/{id}/weights",
        {"weight_kg": "-5", "measured_on": "2024-03-01"},
        "weight_kg",
        "at least 2 kg",
        id="weight-negative",
    ),
    pytest.param(
        "/{id}/medications",
        {"name": "Magic", "drug_class": "magic_beans"},
        "drug_class",
        "Input should be",
        id="drug-class",
    ),
    pytest.param(
        "/{id}/allergies",
        {"category": "drug", "substance": "Penicillin", "colour": "red"},
        "colour",
        "Extra inputs are not",
        id="allergy-extra",
    ),
]


@pytest.mark.parametrize(("path", "body", "field", "message"), INVALID)
def test_invalid_fields_get_422_naming_each_field_and_nothing_is_stored(
    path, body, field, message, patient, staff, api_for
) -> None:
    api = api_for(staff["physician"])
    if body.get("date_of_birth") == "TOMORROW":
        body = {**body, "date_of_birth": _tomorrow()}
    before = _counts()
    response = api.post(path.format(id=patient.public_id), body)
    payload = response.json()
    assert response.status_code == 422
    assert payload["message"] == "The request has invalid fields."
    assert any(message in text for text in payload["errors"][field]), payload
    assert _counts() == before


def test_a_patch_with_an_empty_name_is_refused_and_changes_nothing(patient, staff, api_for) -> None:
    api = api_for(staff["nurse"])
    before = _counts()
    response = api.patch(
        f"/{patient.public_id}", {"family_name": "", "phone": "555 0100", "version": 1}
    )
    patient.refresh_from_db()
    assert response.status_code == 422
    assert "family_name" in response.json()["errors"]
    assert (patient.family_name, patient.phone) == ("Núñez", "")
    assert _counts() == before


def test_a_change_to_an_archived_record_is_a_409_conflict(patient, staff, api_for) -> None:
    api = api_for(staff["nurse"])
    api.post(f"/{patient.public_id}/archive", {"reason": "Duplicate"})
    response = api.post(
        f"/{patient.public_id}/weights", {"weight_kg": "70", "measured_on": "2024-03-01"}
    )
    assert response.status_code == 409
    assert "archived" in response.json()["message"]
    assert not WeightMeasurement.objects.exists()


@pytest.mark.parametrize(
    "token", [None, "not-a-real-token", ""], ids=["no-token", "bad-token", "empty-token"]
)
def test_requests_without_a_valid_token_get_401(token, patient) -> None:
    api = Api(token)
    for response in (api.get("/"), api.get(f"/{patient.public_id}"), api.post("/", NEW_PATIENT)):
        assert response.status_code == 401
        assert "bearer token" in response.json()["message"]
    assert not Patient.objects.exclude(pk=patient.pk).exists()


def test_a_token_works_until_it_expires_then_gets_401(patient, staff) -> None:
    hours = settings.MARROWTRACK_API_TOKEN_HOURS
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        api = Api(_token(staff["nurse"]))
        traveller.shift(timedelta(hours=hours) - timedelta(minutes=1))
        assert api.get(f"/{patient.public_id}").status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert api.get(f"/{patient.public_id}").status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(patient, staff) -> None:
    nurse = staff["nurse"]
    api = Api(_token(nurse))
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    assert api.get(f"/{patient.public_id}").status_code == 401


def test_a_researcher_gets_403_for_every_patient_endpoint(patient, staff, api_for) -> None:
    api = api_for(staff["researcher"])
    before = _counts()
    responses = [
        api.get("/"),
        api.get(f"/{patient.public_id}"),
        api.post("/", NEW_PATIENT),
        api.patch(f"/{patient.public_id}", {"phone": "555 0100", "version": 1}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert _counts() == before


def test_a_lab_tech_reads_but_gets_403_for_writes(patient, staff, api_for) -> None:
    medication = MedicationFactory(patient=patient)
    api = api_for(staff["lab_tech"])
    assert api.get(f"/{patient.public_id}").status_code == 200
    before = _counts()
    writes = [
        api.post("/", NEW_PATIENT),
        api.patch(f"/{patient.public_id}", {"phone": "555 0100", "version": 1}),
        api.post(f"/{patient.public_id}/archive", {"reason": "Duplicate"}),
        api.post(f"/{patient.public_id}/weights", {"weight_kg": "70", "measured_on": "2024-03-01"}),
        api.post(f"/{patient.public_id}/allergies", {"category": "latex", "substance": "Latex"}),
        api.post(f"/{patient.public_id}/medications", {"name": "X", "drug_class": "other"}),
        api.post(f"/{patient.public_id}/conditions", {"kind": "pregnancy"}),
        api.patch(f"/medications/{medication.public_id}", {"dose": "1 mg", "version": 1}),
    ]
    assert {r.status_code for r in writes} == {403}
    assert writes[0].json()["message"] == "Your role does not allow this."
    assert _counts() == before


def test_another_clinics_user_gets_404_for_this_clinics_patient(patient, outsider, api_for) -> None:
    medication = MedicationFactory(patient=patient)
    api = api_for(outsider)
    before = _counts()
    responses = [
        api.get(f"/{patient.public_id}"),
        api.patch(f"/{patient.public_id}", {"phone": "555 0100", "version": 1}),
        api.post(f"/{patient.public_id}/archive", {"reason": "Duplicate"}),
        api.post(f"/{patient.public_id}/weights", {"weight_kg": "70", "measured_on": "2024-03-01"}),
        api.patch(f"/medications/{medication.public_id}", {"dose": "1 mg", "version": 1}),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert responses[0].json() == {"message": "Not found."}
    assert _counts() == before


def test_an_unknown_patient_id_is_404(staff, api_for) -> None:
    api = api_for(staff["nurse"])
    assert api.get(f"/{uuid.uuid4()}").status_code == 404
    assert (
        api.patch(f"/medications/{uuid.uuid4()}", {"dose": "1 mg", "version": 1}).status_code == 404
    )


def test_search_includes_archived_records_only_when_asked_and_honours_the_limit(
    clinic, staff, api_for
) -> None:
    kept = PatientFactory.create_batch(3, clinic=clinic, family_name="Nunez")
    gone = PatientFactory(clinic=clinic, family_name="Nunez", archived_at=timezone.now())
    api = api_for(staff["nurse"])
    default = {row["id"] for row in api.get("/", q="nunez").json()["items"]}
    everything = {
        row["id"] for row in api.get("/", q="nunez", include_archived="true").json()["items"]
    }
    assert default == {str(p.public_id) for p in kept}
    assert everything == default | {str(gone.public_id)}
    assert len(api.get("/", q="nunez", limit=2).json()["items"]) == 2
    assert api.get("/", limit=0).status_code == 422


def test_a_weight_in_pounds_is_422_until_confirmed(patient, staff, api_for) -> None:
    api = api_for(staff["nurse"])
    path = f"/{patient.public_id}/weights"
    assert api.post(path, {"weight_kg": "75.0", "measured_on": "2024-02-01"}).status_code == 201
    refused = api.post(path, {"weight_kg": "165.3", "measured_on": "2024-03-01"})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"weight_kg", "confirmed"}
    body = {"weight_kg": "165.3", "measured_on": "2024-03-01", "confirmed": True}
    stored = api.post(path, body)
    assert stored.status_code == 201 and stored.json()["plausibility_confirmed"] is True


def test_height_agent_and_condition_site_round_trip_through_the_api(
    patient, staff, api_for
) -> None:
    api = api_for(staff["physician"])
    assert (
        api.patch(f"/{patient.public_id}", {"height_cm": "171.5", "version": 1}).json()["height_cm"]
        == "171.5"
    )
    med = api.post(
        f"/{patient.public_id}/medications",
        {"name": "Clopidogrel", "drug_class": "antiplatelet", "agent": "clopidogrel"},
    )
    assert med.status_code == 201 and med.json()["agent"] == "clopidogrel"
    condition = api.post(
        f"/{patient.public_id}/conditions",
        {"kind": "infection_local", "site": "iliac_crest", "side": "right"},
    )
    assert condition.status_code == 201 and condition.json()["site"] == "iliac_crest"
    missing_site = api.post(f"/{patient.public_id}/conditions", {"kind": "implant"})
    assert missing_site.status_code == 422 and "site" in missing_site.json()["errors"]


def _statements(queries) -> list[str]:
    # Savepoints and transaction control come from the test's own transaction.
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")
    return [q["sql"] for q in queries if not q["sql"].startswith(control)]


def test_a_record_read_and_a_registration_stay_within_their_query_budget(
    clinic, staff, api_for
) -> None:
    """Issue 17: a read is the token, the permissions, the patient, the audit entry (head,
    entry, head update) and the four lists; a registration the token, the permissions,
    the MRN counter (one UPDATE ... RETURNING), the patient, the audit entry and the
    record read back. A change that adds a query per request fails here."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    nurse = api_for(staff["nurse"])
    # The first registration makes the clinic's MRN counter and stamps the token's use.
    first = nurse.post("/", {**NEW_PATIENT, "sex": "female"}).json()
    MedicationFactory(patient=Patient.objects.get(), name="Apixaban", drug_class="anticoagulant")
    with CaptureQueriesContext(connection) as read:
        response = nurse.get(f"/{first['id']}")
    assert response.status_code == 200
    assert [m["name"] for m in response.json()["medications"]] == ["Apixaban"]
    assert len(_statements(read)) == 10, _statements(read)
    with CaptureQueriesContext(connection) as create:
        response = nurse.post("/", {**NEW_PATIENT, "sex": "male"})
    assert response.status_code == 201
    assert response.json()["mrn"] == "MT0000002"
    assert len(_statements(create)) == 12, _statements(create)
    assert [q for q in _statements(create) if "core_counter" in q][0].startswith("UPDATE")
