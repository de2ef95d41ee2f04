"""The Bulk Data status answers: the completion manifest and the in-progress headers
(HL7 FHIR Bulk Data Access IG v2.0.0, "Bulk Data Status Request")."""

from __future__ import annotations

import json

from marrowtrack.interop.models import BulkExport


def manifest(export: BulkExport, base: str) -> str:
    """The JSON manifest of a completed export: one output entry per NDJSON file."""
    files = export.files.order_by("resource_type")
    body = {
        "transactionTime": export.transaction_time.isoformat() if export.transaction_time else None,
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": f"{base}/bulk/{export.public_id}/{f.resource_type}.ndjson",
                "count": f.count,
            }
            for f in files
        ],
        "error": [],
    }
    return json.dumps(body)


def progress_headers(export: BulkExport) -> dict[str, str]:
    return {"X_Progress": f"{export.get_status_display()} ({export.progress}%)", "Retry_After": "5"}
