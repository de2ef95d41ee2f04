"""The FHIR server's reads: metadata, read, identifier search and $everything; the token,
role and clinic checks; an OperationOutcome on every error path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.interop.fhir.references import references
from marrowtrack.interop.services import reads
from marrowtrack.interop.tests.validation import all_errors
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.testing.factories import PatientFactory, WeightFactory

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"


def _outcome(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    assert all_errors([body]) == []
    return body


def _ok(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.json()


def test_metadata_is_a_valid_capability_statement_for_r4_without_a_token(fhir):
    body = _ok(fhir(None).get("/metadata"))
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    served = {r["type"] for r in body["rest"][0]["resource"]}
    assert served == {"Patient", "Procedure", "Observation", "QuestionnaireResponse"}
    assert all_errors([body]) == []


def test_a_nurse_reads_a_patient_of_her_clinic(fhir, staff, patient):
    body = _ok(fhir(staff["nurse"]).get(f"/Patient/{patient.public_id}"))
    assert body["id"] == str(patient.public_id)
    assert body["name"][0]["family"] == "Núñez"
    assert all_errors([body]) == []


def test_another_clinics_user_gets_404_as_if_the_patient_did_not_exist(fhir, outsider, patient):
    _outcome(fhir(outsider).get(f"/Patient/{patient.public_id}"), 404, "not-found")


@pytest.mark.parametrize("role", ["researcher", "lab_tech", "front_desk"])
def test_roles_without_fhir_read_get_403(fhir, staff, patient, role):
    _outcome(fhir(staff[role]).get(f"/Patient/{patient.public_id}"), 403, "forbidden")


def test_a_refused_request_is_audited_as_an_access_denial(fhir, staff, patient):
    fhir(staff["researcher"]).get(f"/Patient/{patient.public_id}")
    denial = AuditEvent.objects.get(name="access.denied")
    assert denial.actor == staff["researcher"]


def test_no_token_gets_401_and_a_bad_token_too(fhir, patient):
    response = fhir(None).get(f"/Patient/{patient.public_id}")
    _outcome(response, 401, "login")
    assert response["WWW-Authenticate"] == "Bearer"
    bad = fhir(None).get(f"/Patient/{patient.public_id}", headers={"Authorization": "Bearer x"})
    _outcome(bad, 401, "login")


@pytest.mark.parametrize("ident", ["not-a-uuid", "3f2c0d4e-0000-4000-8000-000000000000"])
def test_an_unknown_id_is_404(fhir, staff, ident):
    _outcome(fhir(staff["nurse"]).get(f"/Patient/{ident}"), 404, "not-found")


def test_types_and_methods_the_server_does_not_serve_answer_not_supported(fhir, staff, treated):
    client = fhir(staff["nurse"])
    _outcome(client.get(f"/Encounter/{treated.public_id}"), 404, "not-supported")
    refused = _outcome(client.post("/Patient", "{}", "application/fhir+json"), 405, "not-supported")
    assert refused["issue"][0]["diagnostics"] == "POST is not supported here; use GET."


def test_a_crash_answers_500_with_an_outcome_and_no_details(fhir, staff, patient, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reads, "fhir_read", boom)
    body = _outcome(fhir(staff["nurse"]).get(f"/Patient/{patient.public_id}"), 500, "exception")
    assert "secret" not in body["issue"][0]["diagnostics"]


def _search(client, kind: str, **params) -> list[dict]:
    body = _ok(client.get(f"/{kind}", **params))
    assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
    assert all_errors([body]) == []
    return [entry["resource"] for entry in body.get("entry", [])]


def test_patients_are_found_by_mrn_with_or_without_system_and_by_uuid(fhir, staff, patient):
    client = fhir(staff["nurse"])
    system = f"https://marrowtrack.invalid/fhir/sid/mrn/{patient.clinic.code}"
    for token in (f"{system}|{patient.mrn}", patient.mrn, f"urn:uuid:{patient.public_id}"):
        found = _search(client, "Patient", identifier=token)
        assert [p["id"] for p in found] == [str(patient.public_id)], token


def test_another_clinics_mrn_finds_nothing(fhir, staff, other_clinic):
    stranger = PatientFactory(clinic=other_clinic)
    assert _search(fhir(staff["nurse"]), "Patient", identifier=stranger.mrn) == []


def test_search_without_identifier_is_refused_with_the_parameter_named(fhir, staff):
    body = _outcome(fhir(staff["nurse"]).get("/Patient"), 422, "invalid")
    assert body["issue"][0]["expression"] == ["identifier"]


def test_procedures_read_and_search_by_identifier(fhir, staff, treated):
    client = fhir(staff["physician"])
    harvest = _ok(client.get(f"/Procedure/{treated.harvest.public_id}"))
    assert harvest["code"]["coding"][0]["code"] == "49401003"
    injection = _ok(client.get(f"/Procedure/{treated.injections.get().public_id}"))
    assert injection["bodySite"][0]["text"] == "Left Knee"
    found = _search(client, "Procedure", identifier=f"urn:uuid:{treated.harvest.public_id}")
    assert [p["id"] for p in found] == [harvest["id"]]
    assert all_errors([harvest, injection]) == []


def test_observations_of_records_and_of_parts_of_records_read_and_search(fhir, staff, treated):
    client = fhir(staff["nurse"])
    weight = WeightFactory(patient=treated.patient)
    body = _ok(client.get(f"/Observation/{weight.public_id}"))
    assert body["code"]["coding"][0]["code"] == "29463-7"
    count_id = f"{treated.run.public_id}.tnc.concentrate"
    counted = _ok(client.get(f"/Observation/{count_id}"))
    assert counted["valueQuantity"]["code"] == "/uL"
    system = counted["identifier"][0]["system"]
    found = _search(client, "Observation", identifier=f"{system}|{count_id}")
    assert [o["id"] for o in found] == [count_id]


def test_height_and_the_bmi_of_each_weighing_are_vital_sign_observations(fhir, staff, patient):
    patient.height_cm = Decimal("170.0")
    patient.save(update_fields=["height_cm"])
    weight = WeightFactory(patient=patient, weight_kg=Decimal("72.3"))
    client = fhir(staff["nurse"])
    height = _ok(client.get(f"/Observation/{patient.public_id}.height"))
    bmi = _ok(client.get(f"/Observation/{weight.public_id}.bmi"))
    assert height["code"]["coding"][0]["code"] == "8302-2"
    assert height["valueQuantity"] == {
        "value": 170.0,
        "unit": "cm",
        "system": "http://unitsofmeasure.org",
        "code": "cm",
    }
    assert bmi["code"]["coding"][0]["code"] == "39156-5"
    assert bmi["valueQuantity"]["value"] == 25.0 and bmi["valueQuantity"]["code"] == "kg/m2"
    assert {r["reference"] for r in bmi["derivedFrom"]} == {
        f"Observation/{weight.public_id}",
        f"Observation/{patient.public_id}.height",
    }
    assert all_errors([height, bmi]) == []


def test_a_questionnaire_response_reads_and_its_score_is_an_observation(fhir, staff, treated):
    client = fhir(staff["nurse"])
    response = SurveyResponse.objects.get(patient=treated.patient)
    body = _ok(client.get(f"/QuestionnaireResponse/{response.public_id}"))
    assert body["item"] == [{"linkId": "NPRS", "answer": [{"valueInteger": 6}]}]
    score = _ok(client.get(f"/Observation/{response.public_id}.nprs.total"))
    assert score["code"]["coding"][0]["code"] == "72514-3"
    assert score["valueQuantity"]["value"] == 6
    found = _search(client, "QuestionnaireResponse", _id=str(response.public_id))
    assert [r["id"] for r in found] == [body["id"]]


def test_everything_is_a_valid_bundle_whose_references_all_resolve(fhir, staff, treated):
    body = _ok(fhir(staff["physician"]).get(f"/Patient/{treated.patient.public_id}/$everything"))
    resources = [entry["resource"] for entry in body["entry"]]
    assert all_errors([body]) == []
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert [ref for r in resources for ref in references(r) if ref not in present] == []
    kinds = {r["resourceType"] for r in resources}
    assert {"Patient", "Encounter", "Procedure", "Specimen", "BiologicallyDerivedProduct"} <= kinds
    assert {"MedicationAdministration", "Provenance", "QuestionnaireResponse"} <= kinds
    assert all(
        e["fullUrl"].endswith(f"/fhir/r4/{e['resource']['resourceType']}/{e['resource']['id']}")
        for e in body["entry"]
    )


def test_everything_of_another_clinics_patient_is_404(fhir, outsider, treated):
    path = f"/Patient/{treated.patient.public_id}/$everything"
    _outcome(fhir(outsider).get(path), 404, "not-found")


def test_each_read_of_patient_data_is_in_the_audit_trail(fhir, staff, treated):
    patient = treated.patient
    fhir(staff["physician"]).get(f"/Patient/{patient.public_id}/$everything")
    fhir(staff["nurse"]).get(f"/Patient/{patient.public_id}")
    reads_logged = AuditEvent.objects.filter(
        action="read", entity="fhir.api", patient_id=str(patient.public_id)
    )
    assert {e.actor for e in reads_logged} == {staff["physician"], staff["nurse"]}
