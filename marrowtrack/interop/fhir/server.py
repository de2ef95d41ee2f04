"""The server's own resources: OperationOutcome (every error), CapabilityStatement
(`GET /fhir/r4/metadata`) and Bundle (search results, `$everything`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from marrowtrack.interop.fhir.base import Resource, pruned

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def issue(code: str, diagnostics: str, *, severity: str = "error", where: str = "") -> dict:
    """One OperationOutcome issue; `code` is from FHIR's issue-type codes (required)."""
    return pruned(
        {
            "severity": severity,
            "code": code,
            "diagnostics": diagnostics,
            "expression": [where] if where else [],
        }
    )


def operation_outcome(issues: Iterable[dict[str, Any]]) -> Resource:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def outcome(code: str, diagnostics: str, *, severity: str = "error") -> Resource:
    return operation_outcome([issue(code, diagnostics, severity=severity)])


def bundle(
    kind: str, resources: Iterable[Resource], *, base: str, self_url: str, total: bool = True
) -> Resource:
    """A Bundle of `kind` (searchset, collection) whose entries' fullUrls resolve on `base`."""
    entries = [
        {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
    ]
    if kind == "searchset":
        for entry in entries:
            entry["search"] = {"mode": "match"}
    result: Resource = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": kind,
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    }
    if total and kind == "searchset":
        result["total"] = len(entries)
    return pruned(result)


_READ_SEARCH = ("Patient", "Procedure", "Observation", "QuestionnaireResponse")
_IDENTIFIER = {
    "name": "identifier",
    "type": "token",
    "documentation": "system|value, or a value alone",
}


def _rest_resource(resource_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [_IDENTIFIER, {"name": "_id", "type": "token"}],
    }
    if resource_type == "Patient":
        entry["operation"] = [
            {"name": "everything", "definition": PATIENT_EVERYTHING},
            {"name": "export", "definition": BULK_EXPORT},
        ]
    return entry


def capability_statement(*, base: str, namespace: str, version: str, now: datetime) -> Resource:
    """What this server does: read and identifier search of four types, a patient's
    $everything, Bulk Data $export (system and Patient level) and patient import."""
    security = (
        "Send an API token as `Authorization: Bearer <token>` (POST /api/v1/auth/token). "
        "Every request is limited to the token holder's clinic and role; researchers have "
        "no access to identifiable resources."
    )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.isoformat(),
        "publisher": "MarrowTrack",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {"name": "MarrowTrack", "version": version},
        "implementation": {"description": "MarrowTrack FHIR R4 server", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": security},
                "resource": [_rest_resource(kind) for kind in _READ_SEARCH],
                "operation": [
                    {"name": "export", "definition": BULK_EXPORT},
                    {"name": "import", "definition": f"{namespace}/OperationDefinition/import"},
                ],
            }
        ],
    }
