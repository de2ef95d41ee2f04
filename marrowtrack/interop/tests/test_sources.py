"""The whole demo clinic exported: every resource valid FHIR R4 (official JSON schema and the
fhirclient 4.0.1 models), every reference resolving inside the export, every mapped type
present; a patient's export holds nothing of anyone else."""

from __future__ import annotations

import collections

import pytest
from django.db import transaction

from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.demo.loader import demo_load
from marrowtrack.interop.fhir.references import references
from marrowtrack.interop.sources import EXPORTED_TYPES, Context, record_resources, resources
from marrowtrack.interop.tests.validation import all_errors
from marrowtrack.patients.models import Patient

pytestmark = pytest.mark.django_db

MAPPED = {
    "Organization",
    "Practitioner",
    "Location",
    "Patient",
    "Condition",
    "CarePlan",
    "Encounter",
    "Procedure",
    "Specimen",
    "BiologicallyDerivedProduct",
    "Observation",
    "Questionnaire",
    "QuestionnaireResponse",
    "MedicationAdministration",
    "Consent",
    "Appointment",
    "Provenance",
}


@pytest.fixture(scope="module")
def demo_clinic(django_db_setup, django_db_blocker):
    """The demo clinic, loaded once for this module inside a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load(patients=60, seed=3)
        yield Clinic.objects.order_by("pk").first()
        transaction.set_rollback(True)


@pytest.fixture
def demo_export(demo_clinic) -> list[dict]:
    return list(resources(Context(ExportScope(clinic=demo_clinic))))


def test_the_whole_demo_clinic_exports_as_valid_fhir_r4_with_zero_errors(demo_export):
    assert len(demo_export) > 1000
    assert all_errors(demo_export) == []


def test_every_reference_in_the_demo_export_resolves_inside_it(demo_export):
    present = {f"{r['resourceType']}/{r['id']}" for r in demo_export}
    dangling = [ref for r in demo_export for ref in references(r) if ref not in present]
    assert dangling == []
    urls = {r["url"] for r in demo_export if r["resourceType"] == "Questionnaire"}
    answered = {r["questionnaire"].split("|")[0] for r in demo_export if "questionnaire" in r}
    assert answered <= urls


def test_every_mapped_resource_type_is_in_the_demo_export(demo_export):
    kinds = collections.Counter(r["resourceType"] for r in demo_export)
    assert set(kinds) == MAPPED == EXPORTED_TYPES


def test_resource_ids_are_unique_per_type(demo_export):
    keys = [(r["resourceType"], r["id"]) for r in demo_export]
    assert len(keys) == len(set(keys))


def test_a_patient_scope_exports_that_patient_and_nobody_else(demo_clinic, demo_export):
    clinic = demo_clinic
    # A patient with a BMAC day behind them and survey answers since.
    patient = (
        Patient.objects.filter(
            clinic=clinic, encounters__harvest__isnull=False, responses__isnull=False
        )
        .distinct()
        .first()
    )
    assert patient is not None, "the demo has a treated patient who answered a survey"
    own = list(resources(Context(ExportScope(clinic=clinic, patient=patient))))
    subjects = {ref for r in own for ref in references(r) if ref.startswith("Patient/")}
    assert subjects == {f"Patient/{patient.public_id}"}
    assert {"Encounter", "Procedure", "QuestionnaireResponse"} <= {r["resourceType"] for r in own}


def test_the_since_scope_leaves_out_rows_unchanged_since(demo_clinic, demo_export):
    clinic = demo_clinic
    later = max(p.updated_at for p in Patient.objects.filter(clinic=clinic))
    recent = list(resources(Context(ExportScope(clinic=clinic, since=later))))
    patients = [r for r in recent if r["resourceType"] == "Patient"]
    assert 1 <= len(patients) < Patient.objects.filter(clinic=clinic).count()


def test_a_resource_built_from_part_of_a_record_reads_back_from_its_id(demo_clinic, demo_export):
    clinic = demo_clinic
    counts = [r for r in demo_export if r["id"].endswith(".tnc.concentrate")]
    wanted = counts[0]
    record = wanted["id"].split(".")[0]
    again = list(record_resources(Context(ExportScope(clinic=clinic)), "Observation", record))
    assert wanted in again
