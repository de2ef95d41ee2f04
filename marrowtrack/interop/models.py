"""FHIR bulk exports (the asynchronous Bulk Data jobs and their NDJSON files) and the
identifiers other systems gave the patients we imported (for de-duplication)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from marrowtrack.core.models import BaseModel, Clinic


class BulkExport(BaseModel):
    """One asynchronous export (FHIR Bulk Data kick-off -> status -> files) of one clinic."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    request_url = models.CharField(max_length=500)
    types = models.JSONField(default=list, blank=True, help_text="Resource types; empty: all")
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("read_fhir", "Can read the clinic's records through the FHIR API"),
            ("export_fhir", "Can export the clinic's records as FHIR (bulk)"),
            ("import_fhir", "Can import patients from FHIR resources"),
        ]

    def __str__(self) -> str:
        return f"FHIR export {self.public_id} ({self.get_status_display()})"


class BulkExportFile(BaseModel):
    """One NDJSON file of a bulk export (every resource of one type, one per line), kept in
    MARROWTRACK_FHIR_EXPORT_DIR/<export public id>/<type>.ndjson until the export expires."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=60)
    count = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField(help_text="Bytes")

    class Meta:
        ordering = ["resource_type"]
        constraints = [
            models.UniqueConstraint(fields=["export", "resource_type"], name="export_file_type")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson ({self.count})"


class ExternalIdentifier(BaseModel):
    """An identifier another system gave a patient we imported (system + value), so that
    importing the same patient again finds them instead of registering a duplicate."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="external_identifiers"
    )
    system = models.CharField(max_length=255)
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["system", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "system", "value"], name="external_identifier_once_per_clinic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"
