"""Bulk export: NDJSON per resource type, from the command line (`marrowtrack export fhir`)
or asynchronously through the FHIR Bulk Data pattern (kick-off -> status -> files), run by
`marrowtrack worker` on the database queue. Every export is audited (EXPORT).

Source: HL7 FHIR Bulk Data Access IG (v2.0.0), "Bulk Data Export Operation Request Flow".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_tasks import task

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.interop import permissions
from marrowtrack.interop.access import fhir_clinic
from marrowtrack.interop.models import BulkExport, BulkExportFile
from marrowtrack.interop.ndjson import ndjson_write
from marrowtrack.interop.sources import EXPORTED_TYPES, Context, resources, row_count

OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
# A Patient-level export carries the patients' compartments, not the clinic's shared records.
NOT_IN_PATIENT_COMPARTMENT = frozenset(
    {"Organization", "Practitioner", "Location", "Questionnaire"}
)


class ExportCancelled(Exception):
    """The requester cancelled the export while it ran."""


@dataclass(frozen=True)
class ExportRequest:
    level: str  # "system" or "patient"
    types: tuple[str, ...] = ()
    since: datetime | None = None
    output_format: str = "application/fhir+ndjson"
    url: str = ""


def export_directory(export: BulkExport) -> Path:
    return Path(settings.MARROWTRACK_FHIR_EXPORT_DIR) / str(export.public_id)


def allowed_types(level: str) -> frozenset[str]:
    if level == "patient":
        return EXPORTED_TYPES - NOT_IN_PATIENT_COMPARTMENT
    return EXPORTED_TYPES


def _checked(request: ExportRequest) -> None:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(request.types) - allowed_types(request.level))
    if unknown:
        errors["_type"] = [f"Not exported at this level: {', '.join(unknown)}."]
    if request.output_format not in OUTPUT_FORMATS:
        errors["_outputFormat"] = ["Only application/fhir+ndjson is produced."]
    if request.since is not None and request.since > clock.now():
        errors["_since"] = ["_since is in the future."]
    if errors:
        raise ValidationFailed(errors)


def bulk_export_request(*, user: User, request: ExportRequest) -> BulkExport:
    """Kick-off: record the export (audited) and queue it for the worker."""
    clinic = fhir_clinic(user, permissions.EXPORT)
    _checked(request)
    bulk_exports_purge(clinic=clinic, now=clock.now())
    types = list(request.types) or sorted(allowed_types(request.level))
    with transaction.atomic():
        export = BulkExport.objects.create(
            clinic=clinic,
            requested_by=user,
            request_url=request.url[:500],
            types=types,
            since=request.since,
            expires_at=clock.now() + timedelta(hours=settings.MARROWTRACK_FHIR_EXPORT_HOURS),
        )
        event_record(
            actor=user,
            action=AuditAction.EXPORT,
            target=export,
            name="fhir.export_requested",
            extra={"format": "FHIR R4 NDJSON", "level": request.level, "types": types},
        )
        bulk_export_task.enqueue(str(export.public_id))
    return export


def bulk_export_run(*, public_id: str) -> str:
    """The worker's job: write the files, then mark the export completed (or failed)."""
    export = BulkExport.objects.select_related("clinic").get(public_id=public_id)
    if export.status != BulkExport.Status.QUEUED:
        return export.status
    started = clock.now()
    _set(export, status=BulkExport.Status.RUNNING, transaction_time=started)
    try:
        counts = _write(export)
    except ExportCancelled:
        shutil.rmtree(export_directory(export), ignore_errors=True)
        return BulkExport.Status.CANCELLED
    except Exception as error:  # the requester sees why in the status answer
        _set(export, status=BulkExport.Status.FAILED, error=str(error)[:500])
        raise
    _finish(export, counts)
    return export.status


@task()
def bulk_export_task(export_public_id: str) -> str:
    """Run one queued export (`marrowtrack worker`)."""
    return bulk_export_run(public_id=export_public_id)


def _write(export: BulkExport) -> dict[str, int]:
    directory = export_directory(export)
    shutil.rmtree(directory, ignore_errors=True)
    ctx = Context(ExportScope(clinic=export.clinic, since=export.since))
    types = frozenset(export.types)
    total = max(row_count(ctx, types), 1)
    done = [0]

    def advance() -> None:
        done[0] += 1
        if done[0] % 2000 == 0:  # a cheap progress update, and a chance to notice a cancel
            _progress(export, 100 * done[0] // total)

    return ndjson_write(resources(ctx, types, on_row=advance), directory)


def _progress(export: BulkExport, percent: int) -> None:
    cancelled = BulkExport.objects.filter(pk=export.pk, status=BulkExport.Status.CANCELLED)
    if cancelled.exists():
        raise ExportCancelled
    BulkExport.objects.filter(pk=export.pk).update(progress=min(percent, 99))


def _finish(export: BulkExport, counts: dict[str, int]) -> None:
    directory = export_directory(export)
    with transaction.atomic():
        for kind, count in sorted(counts.items()):
            size = (directory / f"{kind}.ndjson").stat().st_size
            BulkExportFile.objects.create(export=export, resource_type=kind, count=count, size=size)
        _set(export, status=BulkExport.Status.COMPLETED, progress=100, finished_at=clock.now())


def _set(export: BulkExport, **values: object) -> None:
    for field, value in values.items():
        setattr(export, field, value)
    export.save(update_fields=[*values.keys(), "updated_at"])


def bulk_export_cancel(*, user: User, export: BulkExport) -> None:
    """DELETE on the status URL: stop the job if it runs, and delete its files (audited)."""
    with transaction.atomic():
        _set(export, status=BulkExport.Status.CANCELLED, finished_at=clock.now())
        event_record(
            actor=user,
            action=AuditAction.ARCHIVE,
            target=export,
            name="fhir.export_cancelled",
            reason="cancelled by the requester",
        )
    shutil.rmtree(export_directory(export), ignore_errors=True)


def bulk_file_opened(*, user: User, export_file: BulkExportFile) -> Path:
    """The file to send for a download, with the download in the audit trail."""
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.EXPORT,
            target=export_file.export,
            name="fhir.export_downloaded",
            extra={"file": f"{export_file.resource_type}.ndjson"},
        )
    return export_directory(export_file.export) / f"{export_file.resource_type}.ndjson"


def bulk_exports_purge(*, clinic: Clinic, now: datetime) -> int:
    """Delete the files of the clinic's expired exports (their rows stay, for the trail)."""
    expired = BulkExport.objects.filter(clinic=clinic, expires_at__lt=now).exclude(
        status=BulkExport.Status.CANCELLED
    )
    count = 0
    for export in expired:
        shutil.rmtree(export_directory(export), ignore_errors=True)
        _set(export, status=BulkExport.Status.CANCELLED, error="expired")
        count += 1
    return count


def clinic_export_write(
    *, clinic: Clinic, directory: Path, since: datetime | None, on_row: Callable[[], None]
) -> dict[str, int]:
    """The command line's export of one clinic into `directory` (audited, by the command)."""
    ctx = Context(ExportScope(clinic=clinic, since=since))
    counts = ndjson_write(resources(ctx, on_row=on_row), directory)
    with transaction.atomic():
        event_record(
            actor=None,
            action=AuditAction.EXPORT,
            target="interop.bulk_export",
            name="fhir.export_written",
            extra={"format": "FHIR R4 NDJSON", "counts": counts, "since": since},
            clinic=clinic,
            actor_label="command line (marrowtrack export fhir)",
        )
    return counts


def export_row_total(*, clinic: Clinic, since: datetime | None) -> int:
    return row_count(Context(ExportScope(clinic=clinic, since=since)))
