"""What an export covers: one clinic, optionally one patient, optionally only rows changed
since a time. The FHIR export (interop) reads every app's records through that app's
`*_for_export(scope)` selectors; they all narrow their rows the same way, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from marrowtrack.core.models import Clinic

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ExportScope:
    clinic: Clinic
    patient: Any = None  # a patients.Patient (core sits below patients)
    since: datetime | None = None

    def narrow(
        self, rows: QuerySet[M], *, clinic_path: str, patient_path: str = "patient"
    ) -> QuerySet[M]:
        """Rows of the clinic (through `clinic_path`), of the patient, changed since."""
        rows = rows.filter(**{clinic_path: self.clinic})
        if self.patient is not None:
            patient = self.patient.pk if patient_path == "pk" else self.patient
            rows = rows.filter(**{patient_path: patient})
        if self.since is not None:
            rows = rows.filter(updated_at__gte=self.since)
        return rows.order_by("pk")
