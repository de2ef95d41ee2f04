"""Demo history: completed procedure days of earlier months, written as rows directly
(no password checks per signature), consistent with what the services would record."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from marrowtrack.core import clock
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.intake import COMPARATOR as COMPARATOR_PLANS
from marrowtrack.demo.intake import RULESET_JSON
from marrowtrack.demo.intake import TARGETS as REFERRAL_TARGETS
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import content_hash
from marrowtrack.facilities.models import Equipment, KitLot, Room
from marrowtrack.intake import rules
from marrowtrack.intake.models import Appointment, Consent, Screening, TreatmentPlan
from marrowtrack.lab import calculations as calc
from marrowtrack.lab.isbt128 import local_product, product_code
from marrowtrack.lab.models import Container, CustodyEvent, Location, ProcessingRun
from marrowtrack.lab.run_values import computed_values
from marrowtrack.lab.services import din_allocate, expiry_for
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.comparators import PATH as COMPARATOR_PATH
from marrowtrack.procedures.models import (
    AnaestheticEntry,
    ComparatorInjection,
    EncounterKind,
    HarvestRecord,
    Injection,
    ProcedureEncounter,
    StepEvent,
    TimeOut,
)
from marrowtrack.procedures.states import MAIN_PATH
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing.scenario import consent_document

KIT_LOTS = ["KIT-A15", "KIT-A16", "KIT-A17"]
AC_LOTS = ["ACD-2240", "ACD-2265", "ACD-2291"]
COMPARATOR_TREATMENTS = ["csi", "ha", "prp", "nerve_block"]
COMPARATOR_DRUGS = {
    "csi": "triamcinolone",
    "ha": "hyaluronate",
    "prp": "prp_lp",
    "nerve_block": "bupivacaine",
}


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_history(ctx: DemoContext, patients: list[Patient], *, count: int) -> dict[str, int]:
    """Past days of the clinic: every fourth a comparator injection, the rest BMAC days; each
    patient once, at the target of the referral, screened two weeks before, and never
    within a week of another booking of theirs (issue 9 item 10). Returns the counts."""
    centrifuges = list(Equipment.objects.filter(clinic=ctx.clinic, kind="centrifuge"))
    document = consent_document()
    busy = booked_days(ctx)
    room = Room.objects.filter(clinic=ctx.clinic, kind="procedure").order_by("name").last()
    day = ctx.today - timedelta(days=2)
    pool = iter(patients)
    counts = {"bmac": 0, "comparator": 0}
    for index in range(count):
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        patient = _free_patient(pool, busy, day)
        if patient is None:
            break
        if index % 4 == 3:
            _comparator_day(ctx, patient, day, room, index)
            counts["comparator"] += 1
        else:
            _one_day(ctx, patient, day, centrifuges, document, index)
            counts["bmac"] += 1
        busy.setdefault(patient.pk, []).append(day)
        if index % 2:
            day -= timedelta(days=ctx.rng.choice([1, 2, 3]))
    return counts


def booked_days(ctx: DemoContext) -> dict[int, list[date]]:
    """The days each patient is already booked (the intake step's bookings)."""
    busy: dict[int, list[date]] = {}
    rows = Appointment.objects.filter(
        clinic=ctx.clinic, status__in=Appointment.HOLDS_TIME
    ).values_list("plan__patient_id", "starts_at")
    for patient_id, starts_at in rows:
        busy.setdefault(patient_id, []).append(clock.localdate(starts_at, ctx.clinic))
    return busy


def _free_patient(pool: Any, busy: dict[int, list[date]], day: date) -> Patient | None:
    """The next patient with nothing booked within a week of ``day``."""
    for patient in pool:
        if all(abs((other - day).days) >= 7 for other in busy.get(patient.pk, [])):
            return patient
    return None


def _referral_target(ctx: DemoContext, patient: Patient) -> tuple[str, str, str]:
    """A target the patient was referred for (the intake step's table)."""
    return ctx.rng.choice(REFERRAL_TARGETS[patient.referral_condition or "other"])


def _screened(ctx: DemoContext, plan: TreatmentPlan, day: date) -> None:
    """The screening the treatment rests on, two weeks before the day."""
    on = day - timedelta(days=14)
    Screening.objects.create(
        public_id=ctx.uuid(),
        plan=plan,
        outcome="eligible",
        findings=[],
        ruleset_version=rules.DEFAULT_RULESET.version,
        ruleset_sha256=rules.ruleset_sha256(rules.DEFAULT_RULESET),
        ruleset_json=RULESET_JSON,
        facts={"plan_fields": plan.consented_key},
        screened_on=on,
        reference_date=on,
        screened_by=ctx.staff["nurse"],
    )


def _one_day(
    ctx: DemoContext,
    patient: Patient,
    day: date,
    centrifuges: list[Equipment],
    document: Any,
    index: int,
) -> None:
    rng, staff = ctx.rng, ctx.staff
    target, side, level = _referral_target(ctx, patient)
    plan = TreatmentPlan.objects.create(
        public_id=ctx.uuid(),
        patient=patient,
        condition=patient.referral_condition or "knee_oa",
        target=target,
        laterality=side,
        target_level=level,
        treatment="bmac",
        status=TreatmentPlan.Status.TREATED,
        treated_on=day,
        created_by=staff["doctor"],
    )
    _screened(ctx, plan, day)
    Consent.objects.create(
        public_id=ctx.uuid(),
        plan=plan,
        document=document,
        status=Consent.Status.WITNESSED,
        patient_typed_name=patient.full_name,
        patient_signed_at=_at(day - timedelta(days=7), 10, 0),
    )
    arrival = _at(day, 7 + (index % 3), rng.choice([0, 15, 30, 45]))
    total = rng.randint(125, 200)
    encounter = ProcedureEncounter.objects.create(
        public_id=ctx.uuid(),
        clinic=ctx.clinic,
        patient=patient,
        plan=plan,
        day=day,
        state=S.DISCHARGED,
        state_entered_at=arrival + timedelta(minutes=total),
        checked_in_at=arrival,
        finished_at=arrival + timedelta(minutes=total),
        harvest_side=rng.choice(["l_pic", "r_pic", "l_pic"]),
        physician=staff["doctor"],
        nurse=staff["nurse"],
    )
    _steps(encounter, arrival, total, staff)
    harvest = _harvest(ctx, encounter, arrival)
    run = _lab(ctx, encounter, harvest, rng.choice(centrifuges))
    _injection(ctx, encounter, run, arrival + timedelta(minutes=int(total * 0.8)))


def _steps(encounter: ProcedureEncounter, arrival: datetime, total: int, staff: dict) -> None:
    path = [s for s in MAIN_PATH if s != S.TIMEOUT_2]
    rows, previous = [], ""
    for i, state in enumerate(path):
        by = (
            staff["lab"]
            if state in (S.PROCESSING, S.RELEASED)
            else (
                staff["nurse"]
                if state in (S.CHECKED_IN, S.PRE_ASSESSED, S.RECOVERY, S.DISCHARGED)
                else staff["doctor"]
            )
        )
        rows.append(
            StepEvent(
                encounter=encounter,
                from_state=previous,
                to_state=state,
                at=arrival + timedelta(minutes=total * i / (len(path) - 1)),
                by=by,
                checklist={"demo": True},
            )
        )
        previous = state
    StepEvent.objects.bulk_create(rows)


def _harvest(ctx: DemoContext, encounter: ProcedureEncounter, arrival: datetime) -> HarvestRecord:
    rng = ctx.rng
    start = arrival + timedelta(minutes=rng.randint(40, 55))
    ml = Decimal(rng.choice([10, 12, 15]))
    AnaestheticEntry.objects.create(
        encounter=encounter,
        agent="lidocaine",
        percent=Decimal("1"),
        ml=ml,
        with_epinephrine=False,
        site="posterior iliac crest",
        mg=Decimal(10) * ml,
        given_at=start - timedelta(minutes=6),
        given_by=ctx.staff["doctor"],
    )
    return HarvestRecord.objects.create(
        encounter=encounter,
        side=encounter.harvest_side,
        needle="Jamshidi 11G",
        gauge=11,
        punctures=rng.randint(1, 4),
        aspirate_ml=Decimal(rng.randint(45, 75)),
        anticoagulant="acd_a",
        anticoagulant_lot=rng.choice(AC_LOTS),
        anticoagulant_ml=Decimal(6),
        fluoroscopy_s=rng.randint(15, 90),
        air_kerma_mgy=Decimal(rng.randint(10, 90)) / 10,
        kap_gy_cm2=Decimal(rng.randint(10, 120)) / 100,
        started_at=start,
        ended_at=start + timedelta(minutes=rng.randint(14, 25)),
        complications="" if rng.random() > 0.1 else "Minor bleeding at puncture site, pressure",
        performed_by=ctx.staff["doctor"],
    )


def _container(
    ctx: DemoContext,
    encounter: ProcedureEncounter,
    kind: str,
    volume: Decimal,
    at: datetime,
    din: str,
    **extra: Any,
) -> Container:
    # One DIN per harvest; the aspirate and the single syringe differ by product code.
    return Container.objects.create(
        public_id=ctx.uuid(),
        clinic=ctx.clinic,
        patient=encounter.patient,
        encounter=encounter,
        kind=kind,
        din=din,
        product_code=product_code(local_product(kind, "acd_a").code),
        volume_ml=volume,
        collected_at=at,
        expires_at=expiry_for(at),
        **extra,
    )


def _custody(container: Container, moves: list[tuple[str, str, datetime, Any, Any]]) -> None:
    CustodyEvent.objects.bulk_create(
        [
            CustodyEvent(
                container=container,
                from_location=a,
                to_location=b,
                at=at,
                seal_intact=True,
                released_by=rel,
                received_by=rec,
                place="",
            )
            for a, b, at, rel, rec in moves
        ]
    )


def _lab(
    ctx: DemoContext, encounter: ProcedureEncounter, harvest: HarvestRecord, centrifuge: Equipment
) -> ProcessingRun:
    rng, s = ctx.rng, ctx.staff
    end = harvest.ended_at
    aspirate = _container(
        ctx,
        encounter,
        "aspirate",
        harvest.aspirate_ml + 6,
        end,
        din_allocate(clinic=ctx.clinic, at=end),
        location=Location.LAB,
        status="processed",
        collected_from=harvest.get_side_display(),
    )
    _custody(
        aspirate,
        [
            ("procedure_room", "in_transit", end + timedelta(minutes=3), s["nurse"], s["nurse"]),
            ("in_transit", "lab", end + timedelta(minutes=6), s["nurse"], s["lab"]),
        ],
    )
    data = {
        "aspirate_ml": aspirate.volume_ml,
        "anticoagulant_ml": Decimal(6),
        "concentrate_ml": Decimal(rng.choice([6, 7, 8, 9, 10])),
        "pre_tnc_per_ul": Decimal(rng.randint(18, 42) * 1000),
        "post_tnc_per_ul": Decimal(rng.randint(95, 210) * 1000),
        "pre_plt_per_ul": Decimal(rng.randint(150, 300) * 1000),
        "post_plt_per_ul": Decimal(rng.randint(600, 1400) * 1000),
    }
    computed = computed_values(data, data["aspirate_ml"] - 6)
    flags = calc.qc_flags(
        aspirate_ml=data["aspirate_ml"],
        concentrate_ml=data["concentrate_ml"],
        aspirate_tnc_per_ul=data["pre_tnc_per_ul"],
        concentrate_tnc_per_ul=data["post_tnc_per_ul"],
    )
    started = end + timedelta(minutes=10)
    run = ProcessingRun.objects.create(
        public_id=ctx.uuid(),
        encounter=encounter,
        aspirate=aspirate,
        device="Angel",
        **_kit(ctx, rng.choice(KIT_LOTS), encounter.day),
        centrifuge=centrifuge,
        rpm=3200,
        rcf_g=calc.rcf_from_rpm(radius_cm=10, rpm=3200).quantize(Decimal("0.1")),
        spin_minutes=15,
        spins=1,
        brake=True,
        qc_sample_ml=Decimal("0.5"),
        computed=computed,
        qc_flags=flags,
        started_at=started,
        ended_at=started + timedelta(minutes=25),
        performed_by=s["lab"],
        status="released",
        verification="second_person_scan",
        released_at=started + timedelta(minutes=32),
        **data,
    )
    run.release_signature = _signature(s["lab"], "released", run, run.released_at)
    run.verification_signature = _signature(s["nurse"], "verified", run, run.released_at)
    run.save(update_fields=["release_signature", "verification_signature"])
    syringe = _container(
        ctx,
        encounter,
        "concentrate",
        data["concentrate_ml"] - Decimal("0.5"),
        end,
        aspirate.din,
        location=Location.ADMINISTERED,
        status="administered",
        parent=aspirate,
        run=run,
        target=encounter.plan.target,
        laterality=encounter.plan.laterality,
        collected_from=aspirate.collected_from,
    )
    run.verification_scans = [{"din": syringe.din, "product_code": syringe.product_code}]
    run.save(update_fields=["verification_scans"])
    _custody(
        syringe,
        [("lab", "procedure_room", run.released_at + timedelta(minutes=4), s["lab"], s["nurse"])],
    )
    return run


def _kit(ctx: DemoContext, lot_number: str, day: date) -> dict[str, Any]:
    lot = KitLot.objects.filter(clinic=ctx.clinic, lot_number=lot_number).first()
    if lot is None:
        return {"kit_lot": lot_number, "kit_expires_on": day + timedelta(days=90)}
    return {"kit": lot, "kit_lot": lot.lot_number, "kit_expires_on": lot.expires_on}


def _signature(user: Any, meaning: str, record: Any, at: datetime) -> Signature:
    return Signature.objects.create(
        signer=user,
        printed_name=user.printed_name,
        meaning=meaning,
        signed_at=at,
        record_type=f"{record._meta.app_label}.{record._meta.model_name}",
        record_id=str(record.public_id),
        record_hash=content_hash({record._meta.model_name: str(record.public_id)}),
    )


def _injection(
    ctx: DemoContext, encounter: ProcedureEncounter, run: ProcessingRun, at: datetime
) -> None:
    syringe = run.syringes.get()
    plan = encounter.plan
    Injection.objects.create(
        encounter=encounter,
        container=syringe,
        target=plan.target,
        laterality=plan.laterality,
        target_level=plan.target_level,
        guidance=ctx.rng.choice(["us", "us", "fluoro"]),
        volume_ml=syringe.volume_ml,
        co_injectate="",
        started_at=at,
        ended_at=at + timedelta(minutes=6),
        performed_by=ctx.staff["doctor"],
    )


def _comparator_day(
    ctx: DemoContext, patient: Patient, day: date, room: Room, index: int
) -> ProcedureEncounter:
    """A past comparator injection as the services record it: a booking (done), a
    screening, a consent, the day's steps, a time-out and the injection record."""
    rng, staff = ctx.rng, ctx.staff
    target, side, level = _referral_target(ctx, patient)
    treatment = COMPARATOR_TREATMENTS[index // 4 % len(COMPARATOR_TREATMENTS)]
    drug, dose, volume, _anaesthetic, guidance = COMPARATOR_PLANS[treatment]
    plan = TreatmentPlan.objects.create(
        public_id=ctx.uuid(),
        patient=patient,
        condition=patient.referral_condition or "other",
        target=target,
        laterality=side,
        target_level=level,
        treatment=treatment,
        guidance=guidance,
        injectate_drug=drug,
        dose_mg=dose,
        volume_ml=volume,
        status=TreatmentPlan.Status.TREATED,
        treated_on=day,
        created_by=staff["doctor"],
    )
    _screened(ctx, plan, day)
    Consent.objects.create(
        public_id=ctx.uuid(),
        plan=plan,
        document=consent_document(),
        status=Consent.Status.WITNESSED,
        patient_typed_name=patient.full_name,
        patient_signed_at=_at(day - timedelta(days=7), 11, 0),
    )
    arrival = _at(day, 14 + index % 3, rng.choice([0, 30]))
    Appointment.objects.create(
        public_id=ctx.uuid(),
        clinic=ctx.clinic,
        plan=plan,
        kind=Appointment.Kind.COMPARATOR,
        starts_at=arrival,
        ends_at=arrival + timedelta(minutes=30),
        room=room,
        physician=staff["doctor"],
        nurse=staff["nurse"],
        status=Appointment.Status.COMPLETED,
        booked_by=staff["desk"],
    )
    total = rng.randint(40, 70)
    encounter = ProcedureEncounter.objects.create(
        public_id=ctx.uuid(),
        clinic=ctx.clinic,
        patient=patient,
        plan=plan,
        day=day,
        kind=EncounterKind.COMPARATOR,
        state=S.DISCHARGED,
        state_entered_at=arrival + timedelta(minutes=total),
        checked_in_at=arrival,
        finished_at=arrival + timedelta(minutes=total),
        planned_minutes=30,
        physician=staff["doctor"],
        nurse=staff["nurse"],
    )
    rows, previous = [], ""
    for i, state in enumerate(COMPARATOR_PATH):
        by = staff["doctor"] if state in (S.TIMEOUT_1, S.INJECTED) else staff["nurse"]
        at = arrival + timedelta(minutes=total * i / (len(COMPARATOR_PATH) - 1))
        rows.append(
            StepEvent(
                encounter=encounter,
                from_state=previous,
                to_state=state,
                at=at,
                by=by,
                checklist={"demo": True},
            )
        )
        previous = state
    StepEvent.objects.bulk_create(rows)
    given = arrival + timedelta(minutes=total * 3 // 5)
    timeout = TimeOut.objects.create(
        encounter=encounter,
        number=1,
        checklist=dict.fromkeys(TimeOut.ITEMS, True),
        at=given - timedelta(minutes=5),
    )
    for user in (staff["doctor"], staff["nurse"]):
        timeout.signatures.add(_signature(user, "verified", timeout, given - timedelta(minutes=5)))
    ComparatorInjection.objects.create(
        public_id=ctx.uuid(),
        encounter=encounter,
        drug=COMPARATOR_DRUGS[treatment],
        dose_mg=dose,
        volume_ml=volume,
        lot=f"{treatment.upper()}-{rng.randint(1000, 9999)}",
        lot_expires_on=day + timedelta(days=rng.randint(60, 400)),
        guidance=guidance,
        target=target,
        laterality=side,
        target_level=level,
        given_at=given,
        performed_by=staff["doctor"],
    )
    return encounter
