"""Reads for the lab: syringes in the lab or on their way back, and label data. (The lab's
queue of procedure days and recall traceability join procedures' records:
``procedures.selectors``.)"""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.lab.labels import LabelData
from marrowtrack.lab.models import Container, LateResult, Location, ProcessingRun


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


# FHIR export (interop): each selector narrows its rows to the scope (core/scope.py) and
# annotates the public ids the export refers to (`patient_uuid`, `encounter_uuid`, ...).


def containers_for_export(scope: ExportScope) -> QuerySet[Container]:
    """Aspirates and concentrate syringes; `collector_uuid` is whoever did the harvest."""
    rows = Container.objects.select_related("run").annotate(
        patient_uuid=F("patient__public_id"),
        encounter_uuid=F("encounter__public_id"),
        collector_uuid=F("encounter__harvest__performed_by__public_id"),
    )
    return scope.narrow(rows, clinic_path="clinic")


def _product_ids() -> Prefetch:
    return Prefetch("syringes", Container.objects.only("public_id", "run_id").order_by("pk"))


def runs_for_export(scope: ExportScope) -> QuerySet[ProcessingRun]:
    """Processing runs with their signatures and the syringes they filled."""
    rows = (
        ProcessingRun.objects.select_related("release_signature", "verification_signature")
        .prefetch_related(_product_ids())
        .annotate(
            patient_uuid=F("encounter__patient__public_id"),
            encounter_uuid=F("encounter__public_id"),
            aspirate_uuid=F("aspirate__public_id"),
            performer_uuid=F("performed_by__public_id"),
            release_signer_uuid=F("release_signature__signer__public_id"),
            verification_signer_uuid=F("verification_signature__signer__public_id"),
        )
    )
    return scope.narrow(rows, clinic_path="encounter__clinic", patient_path="encounter__patient")


def late_results_for_export(scope: ExportScope) -> QuerySet[LateResult]:
    rows = (
        LateResult.objects.select_related("run")
        .prefetch_related(Prefetch("run__syringes", Container.objects.only("public_id", "run_id")))
        .annotate(
            patient_uuid=F("run__encounter__patient__public_id"),
            performer_uuid=F("recorded_by__public_id"),
        )
    )
    return scope.narrow(
        rows, clinic_path="run__encounter__clinic", patient_path="run__encounter__patient"
    )
