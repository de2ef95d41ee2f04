"""Reads for the lab: syringes in the lab or on their way back, and label data. (The lab's
queue of procedure days and recall traceability join procedures' records:
``procedures.selectors``.)"""

from __future__ import annotations

from django.db.models import QuerySet

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.lab.labels import LabelData
from marrowtrack.lab.models import Container, Location


def syringes_in_lab(*, clinic: Clinic) -> QuerySet[Container]:
    """Released syringes still in the lab: to be handed to the procedure room."""
    return Container.objects.filter(
        clinic=clinic,
        kind=Container.Kind.CONCENTRATE,
        location=Location.LAB,
        status=Container.Status.RELEASED,
    ).select_related("patient")


def syringes_returning(*, clinic: Clinic) -> QuerySet[Container]:
    """Syringes taken back from the procedure room (e.g. after a bedside STOP): the lab
    scans them in."""
    return Container.objects.filter(
        clinic=clinic,
        kind=Container.Kind.CONCENTRATE,
        location=Location.IN_TRANSIT,
        status=Container.Status.RELEASED,
    ).select_related("patient")


def label_data(container: Container) -> LabelData:
    """What one container's label prints, times in the clinic's own zone."""
    patient, clinic = container.patient, container.clinic
    product = container.product
    site = container.site_display or (
        f"From {container.collected_from.lower()}" if container.collected_from else ""
    )
    return LabelData(
        din13=container.din,
        product_code=container.product_code,
        patient_name=f"{patient.family_name}, {patient.given_name}",
        date_of_birth=patient.date_of_birth,
        mrn=patient.mrn,
        product_description=product.name if product else container.get_kind_display(),
        anticoagulant=product.anticoagulant if product else "",
        storage=product.storage if product else "",
        site=site,
        volume_ml=container.volume_ml,
        collected_at=clock.localtime(container.collected_at, clinic),
        expires_at=clock.localtime(container.expires_at, clinic),
        facility_name=clinic.name,
    )
