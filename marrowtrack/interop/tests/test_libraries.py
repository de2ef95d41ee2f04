"""The validation libraries describe FHIR R4 (4.0.1), not R4B or R5
(docs/decisions/0013-fhir-r4-libraries.md)."""

from __future__ import annotations

from pathlib import Path

import fhirclient.models.patient as patient_module
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from marrowtrack.interop.tests.validation import published_schema

R4B_ONLY = {
    "Citation",
    "EvidenceReport",
    "ClinicalUseDefinition",
    "PackagedProductDefinition",
}
R4_ONLY = {"EffectEvidenceSynthesis", "RiskEvidenceSynthesis", "MedicinalProduct"}


def _schema_types() -> list[str]:
    return [
        r["$ref"].rsplit("/", 1)[1]
        for r in published_schema()["definitions"]["ResourceList"]["oneOf"]
    ]


def test_the_json_schema_is_r4_not_r4b_or_r5():
    schema = published_schema()
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    types = set(_schema_types())
    assert len(types) == 146  # R4's resource count
    assert R4_ONLY <= types and not R4B_ONLY & types


def test_the_model_library_was_generated_from_fhir_4_0_1():
    first_line = Path(patient_module.__file__).read_text(encoding="utf-8").splitlines()[0]
    assert "Generated from FHIR 4.0.1" in first_line


def test_schema_and_models_have_the_same_elements_for_every_resource_type():
    definitions = published_schema()["definitions"]
    different = {}
    for kind in _schema_types():
        model = FHIRElementFactory.instantiate(kind, None)
        elements = {p[1] for p in model.elementProperties()} | {"resourceType"}
        schema = {k for k in definitions[kind]["properties"] if not k.startswith("_")}
        if elements != schema:
            different[kind] = sorted(elements ^ schema)
    assert different == {}
