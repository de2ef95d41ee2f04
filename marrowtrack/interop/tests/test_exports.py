"""Bulk Data export: kick-off -> status -> files -> delete, on the database queue; who may."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from marrowtrack.audit.models import AuditEvent
from marrowtrack.interop.models import BulkExport
from marrowtrack.interop.services.exports import bulk_export_run
from marrowtrack.interop.tests.validation import all_errors

pytestmark = pytest.mark.django_db

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.MARROWTRACK_FHIR_EXPORT_DIR = tmp_path / "exports"
    return settings.MARROWTRACK_FHIR_EXPORT_DIR


def _kick_off(client, path: str = "/$export", **params) -> str:
    response = client.get(path, headers=ASYNC, **params)
    assert response.status_code == 202, response.content
    return response["Content-Location"]


def _relative(url: str) -> str:
    return url.split("/fhir/r4", 1)[1]


def test_kick_off_answers_202_with_a_status_url_and_is_audited(fhir, staff, treated):
    location = _kick_off(fhir(staff["clinic_admin"]))
    export = BulkExport.objects.get()
    assert location.endswith(f"/fhir/r4/bulk/{export.public_id}")
    assert AuditEvent.objects.filter(action="export", entity_id=str(export.public_id)).exists()


def test_status_is_202_with_progress_until_the_worker_has_run(fhir, staff, treated):
    client = fhir(staff["clinic_admin"])
    status = _relative(_kick_off(client))
    waiting = client.get(status)
    assert waiting.status_code == 202
    assert waiting["X-Progress"].startswith("Queued")


def test_the_completed_manifest_lists_files_whose_lines_are_valid_r4(fhir, staff, treated):
    client = fhir(staff["clinic_admin"])
    status = _relative(_kick_off(client))
    bulk_export_run(public_id=str(BulkExport.objects.get().public_id))
    done = client.get(status)
    assert done.status_code == 200 and done["Content-Type"] == "application/json"
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    by_type = {o["type"]: o for o in manifest["output"]}
    assert {"Patient", "Procedure", "BiologicallyDerivedProduct", "Provenance"} <= set(by_type)
    patients = client.get(_relative(by_type["Patient"]["url"]))
    assert patients["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(patients.streaming_content).decode().splitlines()
    resources = [json.loads(line) for line in lines]
    assert len(resources) == by_type["Patient"]["count"]
    assert all_errors(resources) == []


def test_type_and_since_narrow_the_export(fhir, staff, treated):
    client = fhir(staff["clinic_admin"])
    _kick_off(client, _type="Patient,Observation", _since="2000-01-01T00:00:00Z")
    export = BulkExport.objects.get()
    bulk_export_run(public_id=str(export.public_id))
    assert set(export.files.values_list("resource_type", flat=True)) == {"Patient", "Observation"}


def test_a_patient_level_export_leaves_out_the_clinics_shared_records(fhir, staff, treated):
    client = fhir(staff["clinic_admin"])
    _kick_off(client, "/Patient/$export")
    export = BulkExport.objects.get()
    bulk_export_run(public_id=str(export.public_id))
    kinds = set(export.files.values_list("resource_type", flat=True))
    assert "Patient" in kinds and not kinds & {"Practitioner", "Organization", "Location"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"_type": "Patient,Spaceship"}, "_type"),
        ({"_since": "last tuesday"}, "_since"),
        ({"_since": "2026-01-01T00:00:00"}, "_since"),
        ({"_outputFormat": "text/csv"}, "_outputFormat"),
    ],
)
def test_a_bad_parameter_is_422_naming_it_and_queues_nothing(fhir, staff, params, field):
    response = fhir(staff["clinic_admin"]).get("/$export", headers=ASYNC, **params)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == [field]
    assert not BulkExport.objects.exists()


def test_kick_off_without_prefer_respond_async_is_400(fhir, staff):
    response = fhir(staff["clinic_admin"]).get("/$export")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("role", ["nurse", "physician", "researcher", "front_desk"])
def test_only_a_clinic_administrator_may_export_in_bulk(fhir, staff, role):
    response = fhir(staff[role]).get("/$export", headers=ASYNC)
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


def test_another_clinics_administrator_cannot_see_the_status_or_the_files(
    fhir, staff, treated, make_user, other_clinic
):
    status = _relative(_kick_off(fhir(staff["clinic_admin"])))
    bulk_export_run(public_id=str(BulkExport.objects.get().public_id))
    stranger = fhir(make_user("clinic_admin", at=other_clinic))
    assert stranger.get(status).status_code == 404
    assert stranger.get(f"{status}/Patient.ndjson").status_code == 404
    assert stranger.delete(status).status_code == 404


def test_delete_cancels_removes_the_files_and_the_status_is_then_404(
    fhir, staff, treated, export_dir
):
    client = fhir(staff["clinic_admin"])
    status = _relative(_kick_off(client))
    export = BulkExport.objects.get()
    bulk_export_run(public_id=str(export.public_id))
    assert (export_dir / str(export.public_id) / "Patient.ndjson").exists()
    assert client.delete(status).status_code == 202
    assert client.get(status).status_code == 404
    assert not (export_dir / str(export.public_id)).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_export_from_the_database_queue(fhir, staff, treated):
    client = fhir(staff["clinic_admin"])
    status = _relative(_kick_off(client))
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert client.get(status).status_code == 200
    assert BulkExport.objects.get().status == BulkExport.Status.COMPLETED
