"""Import Patients from NDJSON or a Bundle: all of them or none (one transaction).

A patient is matched, not registered again, when one of its identifiers is already known:
this clinic's MRN, one of our record UUIDs, or an identifier another system gave a patient
we imported before (`ExternalIdentifier`). Every invalid resource is reported with its
position ("line 4", "entry[2]") and the FHIR element at fault; then nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop import permissions
from marrowtrack.interop.access import fhir_clinic
from marrowtrack.interop.fhir.base import Names
from marrowtrack.interop.fhir.patient_in import FIELD_PATHS, IncomingPatient, incoming_patient
from marrowtrack.interop.models import ExternalIdentifier
from marrowtrack.interop.ndjson import parse_lines
from marrowtrack.interop.sources import Context
from marrowtrack.patients.selectors import patients_for_export
from marrowtrack.patients.services import patient_register

UUID_SYSTEM = "urn:ietf:rfc:3986"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # "line 3: MT0000042"
    matched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.created)} patient(s) registered, {len(self.matched)} already known"


def positioned_resources(text: str) -> list[tuple[str, Any]]:
    """(position, resource) of a Bundle's entries or of NDJSON lines."""
    stripped = text.strip()
    if not stripped:
        raise ValidationFailed({"body": ["Send NDJSON (one Patient per line) or a Bundle."]})
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and whole.get("resourceType") == "Bundle":
        entries = whole.get("entry") or []
        return [(f"entry[{i}]", (e or {}).get("resource")) for i, e in enumerate(entries)]
    try:
        return [(f"line {number}", item) for number, item in parse_lines(text)]
    except ValueError as error:
        raise ValidationFailed({"body": [str(error)]}) from None


def patients_import(*, user: User, text: str) -> ImportReport:
    """Register the new patients and match the known ones; audited; all or nothing."""
    clinic = fhir_clinic(user, permissions.IMPORT)
    ctx = Context(ExportScope(clinic=clinic))
    incoming = [(where, incoming_patient(r)) for where, r in positioned_resources(text)]
    errors = _problems(incoming)
    if errors:
        raise ValidationFailed(errors)
    report = ImportReport()
    with transaction.atomic():
        # One import of a clinic at a time: two imports of the same patient racing would
        # each find no match and register them twice (NO KEY: rows may still point at it).
        Clinic.objects.select_for_update(no_key=True).filter(pk=clinic.pk).first()
        for where, patient in incoming:
            _import_one(user, ctx, where, patient, report, errors)
        if errors:
            raise ValidationFailed(errors)  # rolls back every patient of this import
        event_record(
            actor=user,
            action=AuditAction.CREATE,
            target="interop.patient_import",
            name="fhir.patients_imported",
            extra={"registered": report.created, "matched": report.matched},
        )
    return report


def _problems(incoming: list[tuple[str, IncomingPatient]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for where, patient in incoming:
        for path, message in patient.errors:
            errors.setdefault(f"{where}: {path}", []).append(message)
    return errors


def _import_one(
    user: User,
    ctx: Context,
    where: str,
    incoming: IncomingPatient,
    report: ImportReport,
    errors: dict[str, list[str]],
) -> None:
    known = _known_patients(ctx, incoming.identifiers)
    if len(known) > 1:
        errors[f"{where}: Patient.identifier"] = ["the identifiers name different patients"]
        return
    patient = known[0] if known else _register(user, where, incoming, errors)
    if patient is None:
        return
    _remember(ctx, patient, incoming.identifiers)
    (report.matched if known else report.created).append(f"{where}: {patient.mrn}")


def _register(
    user: User, where: str, incoming: IncomingPatient, errors: dict[str, list[str]]
) -> Any | None:
    try:
        return patient_register(by=user, data=incoming.values)
    except ValidationFailed as failed:
        for name, messages in failed.errors.items():
            errors[f"{where}: {FIELD_PATHS.get(name, name)}"] = messages
        return None


def _own(names: Names, clinic_code: str, system: str) -> str:
    if system == names.mrn_system(clinic_code):
        return "mrn"
    return "uuid" if system == UUID_SYSTEM else ""


def _known_patients(ctx: Context, identifiers: list[tuple[str, str]]) -> list[Any]:
    patients = patients_for_export(ctx.scope)
    clinic = ctx.scope.clinic
    found: dict[int, Any] = {}
    for system, value in identifiers:
        kind = _own(ctx.names, clinic.code, system)
        if kind == "mrn":
            rows = patients.filter(mrn=value)
        elif kind == "uuid" and value.startswith("urn:uuid:"):
            rows = patients.filter(public_id__in=_uuid_list(value.removeprefix("urn:uuid:")))
        else:
            rows = patients.none()
        external = ExternalIdentifier.objects.filter(clinic=clinic, system=system, value=value)
        for patient in [*rows, *(e.patient for e in external.select_related("patient"))]:
            found[patient.pk] = patient
    return list(found.values())


def _uuid_list(text: str) -> list[str]:
    try:
        return [str(UUID(text))]
    except ValueError:
        return []


def _remember(ctx: Context, patient: Any, identifiers: list[tuple[str, str]]) -> None:
    """Keep the other systems' identifiers, so the next import finds this patient."""
    clinic = ctx.scope.clinic
    own = {
        (ctx.names.mrn_system(clinic.code), patient.mrn),
        (UUID_SYSTEM, f"urn:uuid:{patient.public_id}"),
    }
    for system, value in identifiers:
        if (system, value) in own:
            continue
        ExternalIdentifier.objects.get_or_create(
            clinic=clinic, system=system, value=value, defaults={"patient": patient}
        )
