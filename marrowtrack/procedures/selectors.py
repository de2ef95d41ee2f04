"""Reads for the procedure day: the board, one encounter, the evidence summary, the lab's
queue of procedure days and recall traceability (injections by kit, lot or centrifuge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.intake.models import Screening
from marrowtrack.lab.models import Container, Location
from marrowtrack.patients.models import Patient
from marrowtrack.procedures import comparators, states
from marrowtrack.procedures.models import (
    AnaestheticEntry,
    BedsideCheck,
    HarvestRecord,
    Injection,
    ProcedureEncounter,
    TimeOut,
)
from marrowtrack.procedures.states import TERMINAL_STATES, ProcedureState

LAB_STATES = {"in_transit", "processing"}


@dataclass(frozen=True)
class BoardRow:
    encounter: ProcedureEncounter
    elapsed_minutes: int
    overrun: bool
    in_lab: bool
    next_labels: list[str]


def encounters_on(*, clinic: Clinic, day: date) -> QuerySet[ProcedureEncounter]:
    return (
        ProcedureEncounter.objects.filter(clinic=clinic, day=day)
        .select_related("patient", "plan", "physician", "nurse")
        .order_by("checked_in_at")
    )


OPEN_STATES = [s.value for s in ProcedureState if s not in TERMINAL_STATES]


def board_encounters(*, clinic: Clinic, day: date) -> QuerySet[ProcedureEncounter]:
    """A day's encounters; today's also every encounter of an earlier day still open (the
    day does not end at midnight: a patient in recovery or a product in the lab stays on
    the board until closed, issue 9 item 6)."""
    where = Q(day=day)
    if day == clock.today(clinic):
        where |= Q(day__lt=day, state__in=OPEN_STATES)
    return (
        ProcedureEncounter.objects.filter(where, clinic=clinic)
        .select_related("patient", "plan", "physician", "nurse")
        .annotate(syringe_in_lab=Exists(_concentrates_in_lab().filter(encounter=OuterRef("pk"))))
        .order_by("day", "checked_in_at")
    )


def board_rows(
    *, clinic: Clinic, day: date | None = None, now: datetime | None = None
) -> list[BoardRow]:
    """A day's encounters (today's with the still-open ones of earlier days) with elapsed
    time against the planned slot (overruns flagged)."""
    now = now or clock.now()
    rows = []
    for e in board_encounters(clinic=clinic, day=day or clock.today(clinic)):
        end = e.finished_at or now
        elapsed = int((end - e.checked_in_at).total_seconds() // 60)
        machine = comparators if e.is_comparator else states
        rows.append(
            BoardRow(
                encounter=e,
                elapsed_minutes=elapsed,
                overrun=elapsed > e.planned_minutes,
                # One EXISTS column in the board query, not one query per released row.
                in_lab=e.state in LAB_STATES
                or (e.state == "released" and getattr(e, "syringe_in_lab", False)),
                next_labels=[
                    s.label
                    for s in sorted(machine.next_states(e.current), key=str)
                    if s not in (ProcedureState.ABORTED, ProcedureState.PRODUCT_DISCARDED)
                ],
            )
        )
    return rows


def _concentrates_in_lab() -> QuerySet[Container]:
    return Container.objects.filter(kind="concentrate", location=Location.LAB)


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)


def evidence_summary(encounter: ProcedureEncounter) -> dict[str, Any]:
    """Facts for counsel about one procedure day (docs/reference.md §3): same patient, same day,
    minutes from end of harvest to injection, processing steps, additives, stored, shipped.
    It states facts only and draws no regulatory conclusion."""
    harvest = getattr(encounter, "harvest", None)
    injections = list(encounter.injections.select_related("container"))
    injection = injections[0] if injections else None
    run = getattr(encounter, "run", None)
    containers = list(encounter.containers.prefetch_related("custody"))
    harvest_day = clock.localdate(harvest.ended_at, encounter.clinic) if harvest else None
    inject_day = clock.localdate(injection.started_at, encounter.clinic) if injection else None
    locations = {event.to_location for c in containers for event in c.custody.all()}
    return {
        "same_patient": bool(injections)
        and all(i.container.patient_id == encounter.patient_id for i in injections),
        "harvest_day": harvest_day,
        "injection_day": inject_day,
        "same_day": harvest_day is not None and harvest_day == inject_day,
        "minutes_harvest_to_injection": _minutes(
            harvest.ended_at if harvest else None, injection.started_at if injection else None
        ),
        "steps": _processing_steps(run),
        "additives": _additives(encounter, harvest, injection),
        "stored": "no",
        "shipped": "no" if locations <= {c for c in Location.values} else "yes",
        "custody_locations": sorted(Location(loc).label for loc in locations),
    }


def _processing_steps(run: Any) -> list[str]:
    if run is None:
        return []
    rpm = f"{run.rpm} rpm, " if run.rpm else ""
    return [
        "Aspirate received in the clinic's lab (chain-of-custody scan)",
        f"Centrifugation on {run.device} (kit lot {run.kit_lot}): {run.spins} spin(s), "
        f"{rpm}{run.rcf_g} ×g, {run.spin_minutes} min, brake {'on' if run.brake else 'off'}",
        f"Concentrate drawn into {run.syringes.count()} syringe(s), {run.concentrate_ml} mL",
    ]


def _additives(encounter: ProcedureEncounter, harvest: Any, injection: Any) -> list[str]:
    items = []
    if harvest:
        items.append(
            f"Anticoagulant {harvest.get_anticoagulant_display()} {harvest.anticoagulant_ml} mL "
            f"(lot {harvest.anticoagulant_lot})"
        )
    for entry in encounter.anaesthetics.filter(mixed_into_injectate=True):
        name = entry.get_agent_display()
        items.append(f"{name} {entry.percent} % {entry.ml} mL mixed into the injectate")
    if injection and injection.co_injectate:
        items.append(f"Co-injectate: {injection.co_injectate}")
    return items


def lab_queue(*, clinic: Clinic) -> dict[str, list[Any]]:
    """Open encounters the lab acts on, grouped by what it has to do next."""
    # Not today's only: a product received before midnight is still the lab's (item 6).
    waiting = ProcedureEncounter.objects.filter(
        clinic=clinic, state__in=["in_transit", "processing", "released"]
    ).select_related("patient", "plan")
    groups: dict[str, list[Any]] = {"in_transit": [], "processing": [], "released": []}
    for encounter in waiting.order_by("day", "checked_in_at"):
        if encounter.state in groups:
            groups[encounter.state].append(encounter)
    return groups


@dataclass(frozen=True)
class TraceRow:
    injection: Injection
    kit_lot: str
    anticoagulant_lot: str
    centrifuge: str


def recall_trace(
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


# FHIR export (interop): each selector narrows its rows to the scope (core/scope.py) and
# annotates the public ids the export refers to (`patient_uuid`, `encounter_uuid`, ...).
_DAY = {"clinic_path": "encounter__clinic", "patient_path": "encounter__patient"}


def encounters_for_export(scope: ExportScope) -> QuerySet[ProcedureEncounter]:
    rows = ProcedureEncounter.objects.annotate(
        patient_uuid=F("patient__public_id"),
        plan_uuid=F("plan__public_id"),
        physician_uuid=F("physician__public_id"),
        nurse_uuid=F("nurse__public_id"),
    )
    return scope.narrow(rows, clinic_path="clinic")


def harvests_for_export(scope: ExportScope) -> QuerySet[HarvestRecord]:
    rows = HarvestRecord.objects.annotate(
        patient_uuid=F("encounter__patient__public_id"),
        encounter_uuid=F("encounter__public_id"),
        plan_uuid=F("encounter__plan__public_id"),
        performer_uuid=F("performed_by__public_id"),
    )
    return scope.narrow(rows, **_DAY)


def injections_for_export(scope: ExportScope) -> QuerySet[Injection]:
    rows = Injection.objects.annotate(
        patient_uuid=F("encounter__patient__public_id"),
        encounter_uuid=F("encounter__public_id"),
        plan_uuid=F("encounter__plan__public_id"),
        treatment=F("encounter__plan__treatment"),
        performer_uuid=F("performed_by__public_id"),
        product_uuid=F("container__public_id"),
    )
    return scope.narrow(rows, **_DAY)


def lidocaine_for_export(scope: ExportScope) -> QuerySet[AnaestheticEntry]:
    """Every local anaesthetic entry (any agent; the name predates the other agents)."""
    rows = AnaestheticEntry.objects.annotate(
        patient_uuid=F("encounter__patient__public_id"),
        encounter_uuid=F("encounter__public_id"),
        performer_uuid=F("given_by__public_id"),
    )
    return scope.narrow(rows, **_DAY)


def day_signatures_for_export(scope: ExportScope) -> list[tuple[Any, str, Any]]:
    """(signature, what it signs, public id) of every time-out and accepted bedside check:
    a time-out signs the day (the Encounter), a bedside check the product it verified."""
    timeouts = scope.narrow(TimeOut.objects.all(), **_DAY).annotate(
        encounter_uuid=F("encounter__public_id")
    )
    checks = scope.narrow(BedsideCheck.objects.filter(accepted=True), **_DAY).annotate(
        encounter_uuid=F("encounter__public_id"), product_uuid=F("container__public_id")
    )
    signed = "signatures__signer"
    found: list[tuple[Any, str, Any]] = []
    for timeout in timeouts.prefetch_related(signed):
        found += [(s, "Encounter", timeout.encounter_uuid) for s in timeout.signatures.all()]
    for check in checks.prefetch_related(signed):
        target = ("BiologicallyDerivedProduct", check.product_uuid)
        if check.product_uuid is None:
            target = ("Encounter", check.encounter_uuid)
        found += [(s, *target) for s in check.signatures.all()]
    return found


def encounter_for_plan(plan: Any) -> ProcedureEncounter | None:
    """The plan's latest procedure day (recovery reads the harvest side from it)."""
    return (
        ProcedureEncounter.objects.filter(plan=plan)
        .select_related("harvest")
        .order_by("-day", "-checked_in_at")
        .first()
    )


def day_screening_today(*, plan: Any) -> Screening | None:
    """Today's newest re-check on the day for the plan (kept even when it refused)."""
    return (
        Screening.objects.filter(
            plan=plan, kind=Screening.Kind.DAY_OF, screened_on=clock.today(plan.patient.clinic)
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def encounters_for_patient(patient: Any) -> QuerySet[ProcedureEncounter]:
    """Every procedure day of a patient, newest first (reachable after the day, item 6)."""
    return (
        ProcedureEncounter.objects.filter(patient=patient)
        .select_related("plan")
        .order_by("-day", "-checked_in_at")
    )


def registry_physicians(*, clinic: Clinic) -> dict[int, int]:
    """{plan id: physician user id} of the plans' procedure days (registry filter)."""
    rows = (
        ProcedureEncounter.objects.filter(clinic=clinic, physician__isnull=False)
        .order_by("plan_id", "day")
        .values_list("plan_id", "physician_id")
    )
    return dict(rows)


def encounters_on_record(patient: Patient) -> list[ProcedureEncounter]:
    """The patient's procedure days, newest first (the patient record's panel)."""
    return list(
        ProcedureEncounter.objects.filter(patient=patient)
        .select_related("plan")
        .order_by("-day", "-checked_in_at")
    )
