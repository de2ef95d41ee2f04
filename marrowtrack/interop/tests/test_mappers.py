"""Mapper details the demo export does not pin down: the adverse-event seam for the recovery
app, and sites and conditions without a verified code going out as text only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

from marrowtrack.interop.fhir.adverse_event import adverse_event
from marrowtrack.interop.fhir.base import Names, derived_id, split_id
from marrowtrack.interop.fhir.clinical import body_site, condition
from marrowtrack.interop.tests.validation import all_errors

NAMES = Names("https://marrowtrack.invalid/fhir")
PATIENT = str(uuid.uuid4())


@dataclass
class FakeAdverseEvent:
    """What the recovery app's rows will offer (fhir/adverse_event.AdverseEventRecord)."""

    public_id: uuid.UUID
    description: str
    onset_at: datetime | None
    recorded_at: datetime
    serious: bool
    grade: str
    outcome: str


def test_an_adverse_event_from_the_recovery_app_maps_to_a_valid_r4_adverse_event():
    event = FakeAdverseEvent(
        uuid.uuid4(),
        "Haematoma at the harvest site",
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 3, 10, tzinfo=UTC),
        False,
        "Grade 1 (mild)",
        "Resolved",
    )
    procedure = str(uuid.uuid4())
    resource = adverse_event(
        event, ids={"patient": PATIENT, "suspects": [("Procedure", procedure)]}
    )
    assert resource["actuality"] == "actual"
    assert resource["suspectEntity"] == [{"instance": {"reference": f"Procedure/{procedure}"}}]
    assert all_errors([resource]) == []


def test_a_target_without_a_verified_snomed_code_is_text_with_its_coded_side():
    site = body_site(NAMES, "knee", "Knee", "left")
    assert "coding" not in site and site["text"] == "Left Knee"
    side = site["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert (side["system"], side["code"]) == ("http://snomed.info/sct", "7771000")


def test_a_condition_without_a_verified_icd10cm_code_keeps_its_words_only():
    plan = SimpleNamespace(
        public_id=uuid.uuid4(),
        condition="other",
        laterality="midline",
        target="other",
        target_level="",
        severity_notes="",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        get_condition_display=lambda: "Other musculoskeletal condition",
        get_target_display=lambda: "Other",
    )
    resource = condition(plan, names=NAMES, patient_id=PATIENT)
    assert resource["code"] == {"text": "Other musculoskeletal condition"}
    assert all_errors([resource]) == []


def test_a_derived_id_reads_back_to_its_record_and_fits_fhirs_id_rules():
    record = uuid.uuid4()
    ident = derived_id(record, "PROMIS_PI_4A", "t_score")
    assert ident == f"{record}.promis-pi-4a.t-score" and len(ident) <= 64
    assert split_id(ident) == (record, "promis-pi-4a.t-score")
    assert split_id("not-ours") is None


def test_the_concentrate_carries_its_isbt128_din_and_product_code():
    from marrowtrack.interop.fhir.procedure_day import biologically_derived_product

    syringe = SimpleNamespace(
        public_id=uuid.uuid4(),
        din="W123426000042",
        product_code="DBMC11A0",
        volume_ml=4,
        status="released",
        collected_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        expires_at=datetime(2026, 3, 2, 13, tzinfo=UTC),
    )
    resource = biologically_derived_product(
        syringe, names=NAMES, ids={"patient": PATIENT}, run=None
    )
    assert resource["productCode"]["coding"] == [
        {"system": "http://terminology.hl7.org/CodeSystem/ib", "code": "DBMC11A0"}
    ]
    assert "DBMC11A0" in resource["productCode"]["text"]
    identifiers = {i["system"]: i["value"] for i in resource["identifier"]}
    assert identifiers[NAMES.din_system] == "W123426000042"
    assert identifiers[NAMES.isbt128_unit_system] == "W123426000042 DBMC11A0"
    assert all_errors([resource]) == []
