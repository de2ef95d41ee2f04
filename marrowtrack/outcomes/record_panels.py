"""Outcomes' panel on the patient record: the link to the outcome chart (patients.panels)."""

from __future__ import annotations

from marrowtrack.patients.panels import PatientPanel

PATIENT_PANELS = [
    PatientPanel("outcomes/_record_chart.html", lambda patient: {}, "outcomes.view_surveyresponse")
]
