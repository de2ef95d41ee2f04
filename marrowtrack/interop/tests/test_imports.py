"""Patient import from NDJSON or a Bundle: de-duplicated by identifier, invalid resources
reported by position, nothing half-imported, audited; export -> import is lossless."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop.models import ExternalIdentifier
from marrowtrack.interop.services.imports import patients_import
from marrowtrack.interop.sources import Context, resources
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db

HOSPITAL = "https://hospital.example.org/mrn"


def _patient(value: str, family: str = "Okafor", **extra) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": HOSPITAL, "value": value}],
        "name": [{"family": family, "given": ["Ada", "Grace"]}],
        "birthDate": "1961-04-12",
        "gender": "female",
        **extra,
    }


def _ndjson(*items: dict) -> str:
    return "\n".join(json.dumps(item) for item in items) + "\n"


def test_new_patients_are_registered_with_an_mrn_and_their_identifiers_kept(staff):
    report = patients_import(user=staff["front_desk"], text=_ndjson(_patient("H-1")))
    patient = Patient.objects.get(family_name="Okafor")
    assert patient.given_name == "Ada Grace" and patient.mrn.startswith("MT")
    assert report.created == [f"line 1: {patient.mrn}"]
    assert ExternalIdentifier.objects.get().patient == patient


def test_importing_the_same_file_again_matches_and_registers_nobody(staff):
    text = _ndjson(_patient("H-1"), _patient("H-2", family="Mensah"))
    patients_import(user=staff["front_desk"], text=text)
    again = patients_import(user=staff["front_desk"], text=text)
    assert Patient.objects.count() == 2
    assert len(again.matched) == 2 and again.created == []


def test_a_bundle_imports_like_ndjson_and_positions_name_its_entries(staff):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _patient("H-1")}, {"resource": _patient("H-1")}],
    }
    report = patients_import(user=staff["front_desk"], text=json.dumps(bundle))
    assert report.created[0].startswith("entry[0]") and report.matched[0].startswith("entry[1]")
    assert Patient.objects.count() == 1


def test_an_own_mrn_matches_the_patient_it_belongs_to(staff, patient):
    system = f"https://marrowtrack.invalid/fhir/sid/mrn/{patient.clinic.code}"
    resource = _patient("x", identifier=[{"system": system, "value": patient.mrn}])
    report = patients_import(user=staff["front_desk"], text=_ndjson(resource))
    assert report.matched == [f"line 1: {patient.mrn}"]


def test_invalid_resources_are_reported_by_position_and_nothing_is_imported(staff):
    bad_date = _patient("H-2", birthDate="1961")
    no_name = {**_patient("H-3"), "name": []}
    text = _ndjson(_patient("H-1"), bad_date, no_name, {"resourceType": "Observation"})
    with pytest.raises(ValidationFailed) as refused:
        patients_import(user=staff["front_desk"], text=text)
    assert set(refused.value.errors) == {
        "line 2: Patient.birthDate",
        "line 3: Patient.name.family",
        "line 3: Patient.name.given",
        "line 4: resourceType",
    }
    assert not Patient.objects.exists() and not ExternalIdentifier.objects.exists()


def test_a_value_the_patient_record_refuses_rolls_back_the_whole_import(staff):
    phone = {"telecom": [{"system": "phone", "value": "call me maybe"}]}
    text = _ndjson(_patient("H-1"), _patient("H-2", **phone))
    with pytest.raises(ValidationFailed) as refused:
        patients_import(user=staff["front_desk"], text=text)
    assert list(refused.value.errors) == ["line 2: Patient.telecom"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("family", ["Oka\u202efor", "Oka\x00for"])
def test_names_with_invisible_or_unstorable_characters_are_refused(staff, family):
    with pytest.raises(ValidationFailed) as refused:
        patients_import(user=staff["front_desk"], text=_ndjson(_patient("H-1", family=family)))
    assert list(refused.value.errors) == ["line 1: Patient.name.family"]
    assert not Patient.objects.exists()


def test_a_body_that_is_not_utf8_is_422(fhir, staff):
    client = fhir(staff["front_desk"])
    response = client.client.post(
        "/fhir/r4/Patient/$import",
        b"\xff\xfe\x00",
        content_type="application/fhir+ndjson",
        headers=client.headers,
    )
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["body"]


def test_identifiers_naming_two_different_patients_are_refused(staff):
    patients_import(user=staff["front_desk"], text=_ndjson(_patient("H-1"), _patient("H-2")))
    both = _patient("H-1", identifier=[{"system": HOSPITAL, "value": v} for v in ("H-1", "H-2")])
    with pytest.raises(ValidationFailed) as refused:
        patients_import(user=staff["front_desk"], text=_ndjson(both))
    assert list(refused.value.errors) == ["line 1: Patient.identifier"]


def test_a_line_that_is_not_json_is_named(staff):
    with pytest.raises(ValidationFailed) as refused:
        patients_import(user=staff["front_desk"], text=_ndjson(_patient("H-1")) + "{oops\n")
    assert "line 2" in refused.value.errors["body"][0]


def test_the_import_and_each_registration_are_audited_to_the_importer(staff):
    patients_import(user=staff["front_desk"], text=_ndjson(_patient("H-1")))
    summary = AuditEvent.objects.get(entity="interop.patient_import")
    assert summary.actor == staff["front_desk"]
    assert AuditEvent.objects.filter(action="create", entity="patients.patient").count() == 1


MAPPED = ("name", "birthDate", "gender", "telecom", "address", "communication")


def _mapped(resource: dict) -> dict:
    return {key: resource.get(key) for key in MAPPED}


def test_patients_exported_and_imported_into_another_clinic_keep_every_mapped_field(
    staff, clinic, other_clinic, make_user
):
    PatientFactory(clinic=clinic, phone="+1 555 0100", email="a@example.org", address="1 Main St")
    PatientFactory(clinic=clinic, sex="male", preferred_language="es")
    exported = [
        r for r in resources(Context(ExportScope(clinic=clinic))) if r["resourceType"] == "Patient"
    ]
    receiver = make_user("front_desk", at=other_clinic)
    patients_import(user=receiver, text=_ndjson(*exported))
    again = [
        r
        for r in resources(Context(ExportScope(clinic=other_clinic)))
        if r["resourceType"] == "Patient"
    ]
    assert sorted(map(json.dumps, map(_mapped, again))) == sorted(
        map(json.dumps, map(_mapped, exported))
    )
    second = patients_import(user=receiver, text=_ndjson(*exported))
    assert second.created == [] and Patient.objects.filter(clinic=other_clinic).count() == 2


def test_the_api_imports_and_answers_with_an_outcome(fhir, staff):
    response = fhir(staff["clinic_admin"]).post("/Patient/$import", _ndjson(_patient("H-1")))
    assert response.status_code == 200
    assert response.json()["issue"][0]["diagnostics"].startswith("1 patient(s) registered")


def test_the_api_answers_an_invalid_import_with_422_and_one_issue_per_problem(fhir, staff):
    response = fhir(staff["front_desk"]).post(
        "/Patient/$import", _ndjson(_patient("H", gender="x"))
    )
    assert response.status_code == 422
    issues = response.json()["issue"]
    assert [i["expression"] for i in issues] == [["line 1: Patient.gender"]]


@pytest.mark.parametrize("role", ["nurse", "researcher", "lab_tech"])
def test_roles_without_import_get_403(fhir, staff, role):
    response = fhir(staff[role]).post("/Patient/$import", _ndjson(_patient("H-1")))
    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_the_command_imports_and_exits_2_naming_each_invalid_resource(staff, tmp_path, capsys):
    good = tmp_path / "good.ndjson"
    good.write_text(_ndjson(_patient("H-1")))
    call_command("import", "fhir", str(good), "--user", staff["front_desk"].username)
    assert "1 patient(s) registered" in capsys.readouterr().out
    bad = tmp_path / "bad.ndjson"
    bad.write_text(_ndjson(_patient("H-2", birthDate="soon")))
    with pytest.raises(SystemExit) as exited:
        call_command("import", "fhir", str(bad), "--user", staff["front_desk"].username)
    assert exited.value.code == 2
    assert "line 1: Patient.birthDate" in capsys.readouterr().err
    assert Patient.objects.count() == 1
