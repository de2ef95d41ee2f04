"""Reads for the lab: syringes in the lab or on their way back, and label data. (The lab's
queue of procedure days and recall traceability join procedures' records:
``procedures.selectors``.)"""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.lab import calculations as calc
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


def registry_lab_results(*, clinic: Clinic) -> dict[int, dict[str, float | None]]:
    """{plan id: the dose of its released concentrate} for the registry's dose-response
    (issue 14 item 3): the concentration factor of total nucleated cells (concentrate count
    over aspirate count as counted, ``run_values``), the concentrate's TNC per µL and the
    total nucleated cells injected (the concentrate count times every injected mL).

    Only released runs whose syringes were injected count: a run still awaiting release is
    not yet a lab result, and a syringe never injected delivered nothing. When a plan had
    more than one procedure day, the latest released run stands for it.
    """
    rows = (
        Container.objects.filter(
            clinic=clinic,
            run__status=ProcessingRun.Status.RELEASED,
            injection__isnull=False,
        )
        .order_by("run__started_at", "pk")
        .values(
            "run_id",
            "run__encounter__plan_id",
            "run__pre_tnc_per_ul",
            "run__post_tnc_per_ul",
            "injection__volume_ml",
        )
    )
    latest_run: dict[int, int] = {}
    results: dict[int, dict[str, float | None]] = {}
    for row in rows:
        plan_id, run_id = row["run__encounter__plan_id"], row["run_id"]
        pre, post = row["run__pre_tnc_per_ul"], row["run__post_tnc_per_ul"]
        if latest_run.get(plan_id) != run_id:
            latest_run[plan_id] = run_id
            results[plan_id] = {
                "concentration_factor": float(post / pre) if pre else None,
                "post_tnc_per_ul": float(post),
                "injected_ml": 0.0,
                "tnc_delivered": 0.0,
            }
        dose = results[plan_id]
        dose["injected_ml"] = (dose["injected_ml"] or 0.0) + float(row["injection__volume_ml"])
        dose["tnc_delivered"] = (dose["tnc_delivered"] or 0.0) + float(
            calc.cells_delivered(concentrate_per_ul=post, injected_ml=row["injection__volume_ml"])
        )
    return results
