"""Reads through the FHIR API: a patient's `$everything`, read by id, search by identifier.

Each answers only within the user's clinic, needs `interop.read_fhir`, and records who read
which patient's data in the audit trail (HIPAA 164.312(b); docs/decisions/0002).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import Http404

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop import permissions
from marrowtrack.interop.access import fhir_clinic, patient_for_fhir
from marrowtrack.interop.fhir.base import Resource, split_id
from marrowtrack.interop.fhir.references import references
from marrowtrack.interop.models import ExternalIdentifier
from marrowtrack.interop.sources import Context, record_resources, resources
from marrowtrack.patients.selectors import patients_for_export

READABLE = ("Patient", "Procedure", "Observation", "QuestionnaireResponse")
SHARED = {"Practitioner", "Location", "Questionnaire"}
URI = "urn:ietf:rfc:3986"


class NotSupported(DomainError):
    """A request for something this server does not do (OperationOutcome not-supported)."""


def patient_everything(*, user: User, patient_id: str) -> list[Resource]:
    """Every resource of one patient, with the staff, rooms and questionnaires they refer to."""
    patient = patient_for_fhir(user, permissions.READ, patient_id)
    found = list(resources(Context(ExportScope(clinic=patient.clinic, patient=patient))))
    found = _referenced_only(found)
    _audit_read(user, "$everything", [str(patient.public_id)], len(found))
    return found


def _referenced_only(found: list[Resource]) -> list[Resource]:
    """Drop shared resources (all staff, rooms, instruments) nothing in `found` points at."""
    wanted = {ref for r in found if r["resourceType"] not in SHARED for ref in references(r)}
    wanted |= {r["questionnaire"].split("|")[0] for r in found if "questionnaire" in r}
    return [
        r
        for r in found
        if r["resourceType"] not in SHARED
        or f"{r['resourceType']}/{r['id']}" in wanted
        or r.get("url") in wanted
    ]


def fhir_read(*, user: User, resource_type: str, resource_id: str) -> Resource:
    """One resource by its id, if it belongs to the user's clinic (404 otherwise)."""
    clinic = fhir_clinic(user, permissions.READ)
    if resource_type not in READABLE:
        raise NotSupported(f"Reading {resource_type} is not supported here.")
    found = _by_id(Context(ExportScope(clinic=clinic)), resource_type, resource_id)
    if found is None:
        raise Http404(f"No {resource_type} with id {resource_id} in your clinic.")
    _audit_read(user, f"read {resource_type}", [_patient_of(found)], 1)
    return found


def _by_id(ctx: Context, resource_type: str, resource_id: str) -> Resource | None:
    parts = split_id(resource_id)
    if parts is None:
        return None
    candidates = record_resources(ctx, resource_type, parts[0])
    return next((r for r in candidates if r["id"] == resource_id), None)


def fhir_search(
    *, user: User, resource_type: str, identifier: str = "", resource_id: str = ""
) -> list[Resource]:
    """Resources whose identifier matches a token `system|value` (or a bare value), or the
    one resource with `_id`; an empty list when nothing in the clinic matches."""
    clinic = fhir_clinic(user, permissions.READ)
    if resource_type not in READABLE:
        raise NotSupported(f"Searching {resource_type} is not supported here.")
    if not (identifier.strip() or resource_id.strip()):
        raise ValidationFailed({"identifier": ["Search by identifier (system|value) or _id."]})
    ctx = Context(ExportScope(clinic=clinic))
    if resource_id.strip():
        ids: list[str | None] = [resource_id.strip()]
    elif resource_type == "Patient":
        ids = list(_patient_ids(ctx, *_token(identifier)))
    else:
        ids = [_record_id(ctx, *_token(identifier))]
    found = [r for ident in ids if ident for r in [_by_id(ctx, resource_type, ident)] if r]
    if found:
        _audit_read(user, f"search {resource_type}", [_patient_of(r) for r in found], len(found))
    return found


def _token(text: str) -> tuple[str | None, str]:
    system, bar, value = text.partition("|")
    return (system or None, value) if bar else (None, text)


def _record_id(ctx: Context, system: str | None, value: str) -> str | None:
    """The resource id an identifier names: our record UUIDs and record-part ids."""
    if system in (None, URI) and value.startswith("urn:uuid:"):
        return value.removeprefix("urn:uuid:")
    if system in (None, ctx.names.part_system):
        return value
    return None


def _patient_ids(ctx: Context, system: str | None, value: str) -> list[str]:
    clinic = ctx.scope.clinic
    patients = patients_for_export(ctx.scope)
    by_mrn = system in (None, ctx.names.mrn_system(clinic.code))
    matches = list(patients.filter(mrn=value).values_list("public_id", flat=True)) if by_mrn else []
    own = split_id(_record_id(ctx, system, value) or "")
    if own and patients.filter(public_id=own[0]).exists():
        matches.append(own[0])
    external = ExternalIdentifier.objects.filter(clinic=clinic, value=value)
    if system is not None:
        external = external.filter(system=system)
    matches += list(external.values_list("patient__public_id", flat=True))
    return list(dict.fromkeys(str(m) for m in matches))


def _patient_of(resource: Resource) -> str:
    if resource["resourceType"] == "Patient":
        return str(resource["id"])
    reference = (resource.get("subject") or {}).get("reference", "")
    return reference.removeprefix("Patient/")


def _audit_read(user: User, what: str, patient_ids: Iterable[str], count: int) -> None:
    distinct = sorted(set(patient_ids))
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.READ,
            target="fhir.api",
            name="fhir.read",
            extra={"request": what, "resources": count, "patients": distinct},
            patient_public_id=distinct[0] if len(distinct) == 1 else "",
        )
