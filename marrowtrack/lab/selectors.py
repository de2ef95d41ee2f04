"""Reads for the lab: syringes in the lab and label data. (The lab's queue of procedure
days and recall traceability join procedures' records: ``procedures.selectors``.)"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from marrowtrack.core.models import Clinic
from marrowtrack.lab.labels import LabelData
from marrowtrack.lab.models import Container


def syringes_in_lab(*, clinic: Clinic) -> QuerySet[Container]:
    return Container.objects.filter(
        clinic=clinic, kind="concentrate", location="lab", status="released"
    ).select_related("patient")


PRODUCT_NAMES = {"aspirate": "Bone marrow aspirate", "concentrate": "Bone marrow concentrate"}


def label_data(container: Container, *, local: Any) -> LabelData:
    patient = container.patient
    return LabelData(
        din13=container.din,
        patient_name=f"{patient.family_name}, {patient.given_name}",
        date_of_birth=patient.date_of_birth,
        mrn=patient.mrn,
        product_description=PRODUCT_NAMES[container.kind],
        volume_ml=container.volume_ml,
        collected_at=local(container.collected_at),
        expires_at=local(container.expires_at),
        facility_name=container.clinic.name,
    )
