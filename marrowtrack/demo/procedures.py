"""Demo step: today's procedure day (one patient in each main state, through the real
services) and a few months of completed days (written directly, for speed)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F

from marrowtrack.core import clock
from marrowtrack.demo import history
from marrowtrack.demo.clinic import DEMO_PASSWORD
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.intake import TARGETS as REFERRAL_TARGETS
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.lab.models import Container, ProcessingRun
from marrowtrack.patients.models import Medication, Patient
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.services import encounter_transition
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario

# (state, minutes since arrival): one of them overruns the planned 180 minutes.
TODAY: list[tuple[S, int]] = [
    (S.CHECKED_IN, 6),
    (S.PRE_ASSESSED, 18),
    (S.SITE_MARKED, 31),
    (S.LOCAL_ANESTHESIA, 44),
    (S.HARVESTING, 58),
    (S.IN_TRANSIT, 75),
    (S.PROCESSING, 92),
    (S.RELEASED, 121),
    (S.BEDSIDE_VERIFIED, 139),
    (S.RECOVERY, 196),
    (S.DISCHARGED, 171),
    (S.ABORTED, 40),
]


def demo_patients(ctx: DemoContext) -> list[Patient]:
    """Patients of the demo clinic without a local anaesthetic allergy, in MRN order."""
    return list(
        Patient.objects.filter(clinic=ctx.clinic, archived_at__isnull=True)
        .exclude(allergies__category="local_anaesthetic")
        .order_by("mrn")
    )


def staff_roles(ctx: DemoContext) -> dict[str, object]:
    s = ctx.staff
    return {
        "front_desk": s["desk"],
        "nurse": s["nurse"],
        "physician": s["doctor"],
        "lab_tech": s["lab"],
    }


def seed_today(ctx: DemoContext, patients: list[Patient]) -> list[ProcedureEncounter]:
    staff = staff_roles(ctx)
    encounters = []
    for (state, minutes), patient in zip(TODAY, patients, strict=False):
        # The target the patient was referred for (issue 9 item 10).
        target, side, level = ctx.rng.choice(
            REFERRAL_TARGETS[patient.referral_condition or "other"]
        )
        plan = scenario.approved_plan(
            patient, by=staff["physician"], target=target, laterality=side
        )
        if level:
            TreatmentPlan.objects.filter(pk=plan.pk).update(target_level=level)
            plan.refresh_from_db()
        encounter = scenario.check_in(plan, staff["nurse"])
        if state == S.ABORTED:
            scenario.walk_to(encounter, S.PRE_ASSESSED, staff, DEMO_PASSWORD)
            encounter_transition(
                encounter=encounter,
                to=S.ABORTED,
                by=staff["physician"],
                data={"reason": "Patient febrile (38.4 °C) on arrival; rebooked."},
            )
        else:
            scenario.walk_to(encounter, state, staff, DEMO_PASSWORD)
        _backdate(encounter, minutes)
        encounters.append(encounter)
    return encounters


def _backdate(encounter: ProcedureEncounter, minutes: int) -> None:
    """Spread the steps (recorded seconds apart) over the minutes since arrival."""
    now = clock.now()
    arrival = now - timedelta(minutes=minutes)
    steps = list(encounter.steps.order_by("at", "created_at"))
    span = timedelta(minutes=max(minutes - 2, 1))
    for index, step in enumerate(steps):
        step.at = arrival + span * index / max(len(steps) - 1, 1)
        step.save(update_fields=["at"])
    ProcedureEncounter.objects.filter(pk=encounter.pk).update(
        checked_in_at=arrival,
        state_entered_at=steps[-1].at,
        finished_at=steps[-1].at if not encounter.is_open else None,
    )
    harvest_end = next((s.at for s in steps if s.to_state == S.IN_TRANSIT), None)
    if harvest_end is not None and hasattr(encounter, "harvest"):
        _shift_harvest(encounter, harvest_end - encounter.harvest.ended_at)


def _shift_harvest(encounter: ProcedureEncounter, delta: timedelta) -> None:
    h = encounter.harvest
    h.started_at, h.ended_at = h.started_at + delta, h.ended_at + delta
    h.save(update_fields=["started_at", "ended_at"])
    Container.objects.filter(encounter=encounter).update(
        collected_at=F("collected_at") + delta, expires_at=F("expires_at") + delta
    )
    ProcessingRun.objects.filter(encounter=encounter).update(
        started_at=F("started_at") + delta, ended_at=F("ended_at") + delta
    )


def seed(ctx: DemoContext) -> None:
    assert ctx.clinic is not None
    patients = demo_patients(ctx)
    # Nobody treated twice in a week: today's patients have no booking in the week around.
    busy = history.booked_days(ctx)
    free = [p for p in patients if all(abs((d - ctx.today).days) >= 7 for d in busy.get(p.pk, []))]
    # Today's walk discharges through the real service, which needs a prescriber's restart
    # date for a blood thinner; the demo's walk-through patients take none.
    thinners = set(
        Medication.objects.filter(
            patient__clinic=ctx.clinic,
            drug_class__in=[Medication.DrugClass.ANTICOAGULANT, Medication.DrugClass.ANTIPLATELET],
        ).values_list("patient_id", flat=True)
    )
    chosen = [p for p in (free or patients) if p.pk not in thinners][: len(TODAY)]
    today = seed_today(ctx, chosen)
    used = {p.pk for p in chosen}
    rest = [p for p in patients if p.pk not in used]
    past = history.seed_history(ctx, rest or patients, count=60)
    ctx.log.append(
        f"procedure days: {len(today)} today, {past['bmac'] + past['comparator']} completed on "
        f"earlier days ({past['bmac']} BMAC, {past['comparator']} comparator injections)"
    )
