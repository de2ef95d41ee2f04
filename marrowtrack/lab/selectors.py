"""Reads for the lab: today's work queue and recall traceability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.lab.labels import LabelData
from marrowtrack.lab.models import Container
from marrowtrack.procedures.models import Injection, ProcedureEncounter


def lab_queue(*, clinic: Clinic) -> dict[str, list[Any]]:
    """Open encounters the lab acts on, grouped by what it has to do next."""
    today = ProcedureEncounter.objects.filter(clinic=clinic, day=clock.today()).select_related(
        "patient", "plan"
    )
    groups: dict[str, list[Any]] = {"in_transit": [], "processing": [], "released": []}
    for encounter in today.order_by("checked_in_at"):
        if encounter.state in groups:
            groups[encounter.state].append(encounter)
    return groups


def syringes_in_lab(*, clinic: Clinic) -> QuerySet[Container]:
    return Container.objects.filter(
        clinic=clinic, kind="concentrate", location="lab", status="released"
    ).select_related("patient")


@dataclass(frozen=True)
class TraceRow:
    injection: Injection
    kit_lot: str
    anticoagulant_lot: str
    centrifuge: str


def trace(
    *, clinic: Clinic, kit_lot: str = "", anticoagulant_lot: str = "", centrifuge: str = ""
) -> list[TraceRow]:
    """Patients who received product processed with kit lot X, anticoagulant lot Y or on
    centrifuge Z (name or serial number), for a recall. Filters combine with AND."""
    if not (kit_lot or anticoagulant_lot or centrifuge):
        return []
    query = Q(encounter__clinic=clinic)
    if kit_lot:
        query &= Q(encounter__run__kit_lot__iexact=kit_lot.strip())
    if anticoagulant_lot:
        query &= Q(encounter__harvest__anticoagulant_lot__iexact=anticoagulant_lot.strip())
    if centrifuge:
        c = centrifuge.strip()
        query &= Q(encounter__run__centrifuge__name__iexact=c) | Q(
            encounter__run__centrifuge__serial_number__iexact=c
        )
    injections = (
        Injection.objects.filter(query)
        .select_related(
            "encounter__patient", "encounter__run__centrifuge", "encounter__harvest", "container"
        )
        .order_by("-started_at")
    )
    return [
        TraceRow(
            i,
            i.encounter.run.kit_lot,
            i.encounter.harvest.anticoagulant_lot,
            i.encounter.run.centrifuge.name,
        )
        for i in injections
    ]


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
