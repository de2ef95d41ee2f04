"""Intake's panel on the patient record: the treatment plans (patients.panels)."""

from __future__ import annotations

from typing import Any

from marrowtrack.intake.selectors import plans_on_record
from marrowtrack.patients.models import Patient
from marrowtrack.patients.panels import PatientPanel


def _plans(patient: Patient) -> dict[str, Any]:
    return {"plans": plans_on_record(patient)}


PATIENT_PANELS = [PatientPanel("intake/_record_plans.html", _plans)]
