"""HTTP answers of the FHIR server: `application/fhir+json` bodies, OperationOutcome for every
error, and the Bulk Data status answers (docs/fhir.md, "API")."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.interop.fhir.server import FHIR_JSON, issue, operation_outcome, outcome

FHIR_CONTENT = f"{FHIR_JSON}; charset=utf-8"


def fhir(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=FHIR_CONTENT
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error(status: int, code: str, diagnostics: str, **headers: str) -> HttpResponse:
    return fhir(outcome(code, diagnostics), status, **headers)


def invalid(failed: ValidationFailed, status: int = 422) -> HttpResponse:
    """One issue per field (or per position of an import), each naming where it is."""
    issues = [
        issue("invalid", message, where=field)
        for field, messages in failed.errors.items()
        for message in messages
    ]
    return fhir(operation_outcome(issues), status)


def fhir_base(request: HttpRequest) -> str:
    """The server's base URL (`.../fhir/r4`), the root of every fullUrl and file link."""
    path = request.path
    root = path[: path.index("/fhir/r4") + len("/fhir/r4")] if "/fhir/r4" in path else path
    return request.build_absolute_uri(root)


def since_param(request: HttpRequest) -> datetime | None:
    """`_since` as an aware instant; a date or a time without offset is refused."""
    text = request.GET.get("_since", "").strip()
    if not text:
        return None
    parsed = parse_datetime(text.replace(" ", "+"))  # '+' arrives as a space when unescaped
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed(
            {"_since": ["Give an instant with its offset, e.g. 2026-01-31T00:00:00Z."]}
        )
    return parsed


def list_param(request: HttpRequest, name: str) -> tuple[str, ...]:
    raw = ",".join(request.GET.getlist(name))
    return tuple(part.strip() for part in raw.split(",") if part.strip())
