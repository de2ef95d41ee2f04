"""Procedures' panel on the patient record: the procedure days (patients.panels)."""

from __future__ import annotations

from typing import Any

from marrowtrack.patients.models import Patient
from marrowtrack.patients.panels import PatientPanel
from marrowtrack.procedures.selectors import encounters_on_record


def _days(patient: Patient) -> dict[str, Any]:
    return {"encounters": encounters_on_record(patient)}


PATIENT_PANELS = [PatientPanel("procedures/_record_days.html", _days)]
