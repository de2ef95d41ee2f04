"""Demo step: treatment plans, screenings, decisions, consents and two weeks of bookings.

Deterministic (ctx.rng) and bulk-inserted: plans are made for at most MAX_PATIENTS patients
of the demo clinic, so `demo --patients 100000` stays fast. Bulk rows get no audit entry
each; the demo loader records one audit entry for the whole load.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from marrowtrack.core.models import Clinic
from marrowtrack.demo.context import DemoContext
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import content_hash
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake import rules, selectors
from marrowtrack.intake.clinictime import clinic_tz
from marrowtrack.intake.models import (
    Appointment,
    Consent,
    EligibilityDecision,
    IntakeSettings,
    LabValue,
    ResourceException,
    Screening,
    TreatmentPlan,
    WorkingHours,
)
from marrowtrack.intake.services.consent import current_document, plan_snapshot
from marrowtrack.patients.models import Patient

MAX_PATIENTS = 300
TARGETS = {
    "knee_oa": [("knee", "left", ""), ("knee", "right", ""), ("knee", "bilateral", "")],
    "facet": [("facet", "midline", "L4-L5"), ("facet", "midline", "L5-S1")],
    "shoulder": [("subacromial", "right", ""), ("rotator_cuff", "left", "")],
    "si_joint": [("si_joint", "left", ""), ("si_joint", "right", "")],
    "ra": [("knee", "right", ""), ("glenohumeral", "left", "")],
    "other": [("hip", "left", ""), ("other", "right", "")],
}
TREATMENTS = ["bmac", "bmac_prp", "csi", "nerve_block", "prp", "ha", "exercise"]
WEIGHTS = [50, 10, 15, 5, 7, 6, 7]
COMPARATOR = {
    "csi": ("Triamcinolone acetonide", Decimal("40"), Decimal("5"), "Lidocaine 1% 4 mL", "us"),
    "nerve_block": ("Bupivacaine 0.25%", Decimal("25"), Decimal("10"), "", "fluoro"),
    "prp": ("Autologous PRP", None, Decimal("5"), "", "us"),
    "ha": ("Sodium hyaluronate", Decimal("88"), Decimal("4"), "", "landmark"),
}
OVERRIDE_REASONS = {
    "infection": "Infection resolved on review; afebrile, normal inflammatory markers.",
    "bleeding": "Haematology cleared the procedure by letter (scanned into the record).",
    "platelets": "Platelets repeated above the floor; the low result was a clumped sample.",
    "malignancy": "Oncology letter: treated, no evidence of disease; patient informed of the "
    "unknown risk.",
}
DEFAULT_OVERRIDE = "Reviewed with the patient; benefit judged to outweigh the stated risk."


def _hours(ctx: DemoContext, clinic: Clinic) -> None:
    WorkingHours.objects.bulk_create(
        WorkingHours(public_id=ctx.uuid(), clinic=clinic, weekday=d, starts=time(8), ends=time(17))
        for d in range(5)
    )


def _exceptions(ctx: DemoContext, clinic: Clinic) -> None:
    tz = clinic_tz(clinic)
    spare = Equipment.objects.filter(clinic=clinic, name="Centrifuge B").first()
    day = ctx.today + timedelta(days=3)
    ResourceException.objects.create(
        public_id=ctx.uuid(),
        clinic=clinic,
        equipment=spare,
        kind="maintenance",
        starts_at=datetime.combine(day, time(8), tz),
        ends_at=datetime.combine(day, time(17), tz),
        reason="Annual rotor inspection",
    )


def _plan(ctx: DemoContext, patient: Patient, index: int, created_by) -> TreatmentPlan:
    rng = ctx.rng
    condition = patient.referral_condition or "other"
    target, side, level = rng.choice(TARGETS[condition])
    # The first plans walk through every treatment so the demo covers them all.
    treatment = (
        TREATMENTS[index] if index < len(TREATMENTS) else rng.choices(TREATMENTS, WEIGHTS)[0]
    )
    drug, dose, volume, anaesthetic, guidance = COMPARATOR.get(treatment, ("", None, None, "", ""))
    return TreatmentPlan(
        public_id=ctx.uuid(),
        patient=patient,
        condition=condition,
        target=target,
        target_level=level,
        laterality=side,
        treatment=treatment,
        symptom_duration_months=rng.randint(3, 120),
        kellgren_lawrence_grade=rng.randint(1, 4) if target in ("knee", "hip") else None,
        harvest_side=rng.choice(["left", "right"]) if treatment.startswith("bmac") else "",
        harvest_anticoagulant="acd_a" if treatment.startswith("bmac") else "",
        guidance=guidance or ("fluoro" if treatment.startswith("bmac") else ""),
        injectate_drug=drug,
        dose_mg=dose,
        volume_ml=volume,
        anaesthetic=anaesthetic,
        created_by=created_by,
    )


def _labs(ctx: DemoContext, patients: list[Patient], nurse) -> None:
    rows = []
    for patient in patients:
        if ctx.rng.random() < 0.85:
            low = ctx.rng.random() < 0.06
            rows.append(
                LabValue(
                    public_id=ctx.uuid(),
                    patient=patient,
                    test="platelets",
                    value=Decimal(ctx.rng.randint(60, 95) if low else ctx.rng.randint(150, 380)),
                    unit="×10^9/L",
                    taken_on=ctx.today - timedelta(days=ctx.rng.randint(1, 60)),
                    entered_by=nurse,
                )
            )
    LabValue.objects.bulk_create(rows, batch_size=500)


def _screen(ctx: DemoContext, plan: TreatmentPlan, nurse) -> Screening:
    on = ctx.today - timedelta(days=10)  # the day of the decisions below
    patient_facts = selectors.patient_facts(plan.patient, on=on)
    plan_facts = selectors.plan_facts(plan)
    result = rules.evaluate(rules.DEFAULT_RULESET, patient_facts, plan_facts, on)
    facts = json.loads(
        json.dumps({"patient": asdict(patient_facts), "plan": asdict(plan_facts)}, default=str)
    )
    return Screening(
        public_id=ctx.uuid(),
        plan=plan,
        outcome=result.outcome.value,
        findings=[
            {
                "code": f.rule_code,
                "severity": f.severity.value,
                "message": f.message,
                "source": f.source,
            }
            for f in result.findings
        ],
        ruleset_version=result.ruleset_version,
        ruleset_sha256=result.ruleset_sha256,
        ruleset_json=RULESET_JSON,
        facts={**facts, "plan_fields": plan.consented_key},
        screened_on=on,
        reference_date=result.reference_date,
        screened_by=nurse,
    )


RULESET_JSON = rules.ruleset_to_json(rules.DEFAULT_RULESET)


def _signature(ctx: DemoContext, user, meaning: str, record, content: dict, at: datetime):
    return Signature(
        public_id=ctx.uuid(),
        signer=user,
        printed_name=user.printed_name,
        meaning=meaning,
        statement="Demo data",
        signed_at=at,
        record_type=f"intake.{record._meta.model_name}",
        record_id=str(record.public_id),
        record_hash=content_hash(content),
    )


def _decide(ctx: DemoContext, plan: TreatmentPlan, screening: Screening, doctor, now: datetime):
    """Approve, decline, override a hard stop, or leave for review; returns the decision."""
    roll = ctx.rng.random()
    if screening.outcome == "not_eligible":
        # Alternate, so the demo always shows both a decline and an overridden hard stop.
        _SEEN_HARD_STOPS.append(plan)
        verdict = "approve" if len(_SEEN_HARD_STOPS) % 2 else "decline"
    else:
        verdict = "approve" if roll < 0.85 else None
    if verdict is None:
        return None, None
    overrides = verdict == "approve" and bool(screening.hard_stops)
    code = screening.hard_stops[0]["code"] if overrides else ""
    reason = next((r for k, r in OVERRIDE_REASONS.items() if code.startswith(k)), DEFAULT_OVERRIDE)
    reason = reason if overrides else ""
    rationale = "" if verdict == "approve" else "Hard stop confirmed on review."
    signature = _signature(ctx, doctor, "approved", plan, {"verdict": verdict}, now)
    decision = EligibilityDecision(
        public_id=ctx.uuid(),
        plan=plan,
        screening=screening,
        verdict=verdict,
        rationale=rationale,
        overrides_hard_stops=overrides,
        override_reason=reason,
        decided_by=doctor,
        signature=signature,
    )
    plan.status = "approved" if verdict == "approve" else "not_eligible"
    plan.hard_stop_overridden = overrides
    return decision, signature


class _Booker:
    """Fills weekdays from today with two procedures (08:00, 11:00) then comparators from
    14:00. Past days are the history step's: recorded days, not bookings marked treated."""

    def __init__(self, ctx: DemoContext, clinic: Clinic) -> None:
        self.tz = clinic_tz(clinic)
        start = ctx.today + timedelta(days=1)
        self.days = [start + timedelta(days=i) for i in range(14)]
        self.days = [d for d in self.days if d.weekday() < 5]
        self.procedures = [(d, time(h)) for d in self.days for h in (8, 11)]
        self.comparators = [
            (d, time(14 + m // 60, m % 60)) for d in self.days for m in range(0, 180, 30)
        ]

    def next(self, harvest: bool) -> tuple[datetime, int] | None:
        pool = self.procedures if harvest else self.comparators
        if not pool:
            return None
        day, clock = pool.pop(0)
        return datetime.combine(day, clock, self.tz), 180 if harvest else 30


def _appointment(ctx, plan, when, minutes, rooms, centrifuge, staff) -> Appointment:
    harvest = plan.treatment.startswith("bmac")
    status = "cancelled" if ctx.rng.random() < 0.05 else "booked"
    return Appointment(
        public_id=ctx.uuid(),
        clinic=plan.patient.clinic,
        plan=plan,
        kind="procedure" if harvest else "comparator",
        starts_at=when,
        ends_at=when + timedelta(minutes=minutes),
        room=rooms[harvest],
        centrifuge=centrifuge if harvest else None,
        physician=staff["doctor"],
        nurse=staff["nurse"],
        lab_tech=staff["lab"] if harvest else None,
        status=status,
        status_reason="Patient unwell; will rebook" if status == "cancelled" else "",
        booked_by=staff["desk"],
    )


def _consent(ctx, plan, presenter, witness, when: datetime, signatures: list) -> Consent | None:
    document = DOCS.get(plan.treatment)
    if document is None:
        return None
    consent = Consent(
        public_id=ctx.uuid(),
        plan=plan,
        document=document,
        status="witnessed",
        patient_typed_name=plan.patient.full_name,
        patient_signature="click",
        patient_signed_at=when - timedelta(days=3),
        presented_by=presenter,
        plan_snapshot=plan_snapshot(plan),
    )
    signature = _signature(ctx, witness, "witnessed", consent, {"consent": "demo"}, when)
    signatures.append(signature)
    consent.witness_signature = signature
    return consent


DOCS: dict = {}
_SEEN_HARD_STOPS: list = []


def seed(ctx: DemoContext) -> None:
    assert ctx.clinic is not None and ctx.other_clinic is not None
    for clinic in (ctx.clinic, ctx.other_clinic):
        _hours(ctx, clinic)
        IntakeSettings.objects.create(
            public_id=ctx.uuid(), clinic=clinic, after_hours_phone="+1 555 010 0199"
        )
    _exceptions(ctx, ctx.clinic)
    DOCS.update({t: current_document(t) for t in TREATMENTS})
    _SEEN_HARD_STOPS.clear()
    staff = ctx.staff
    total = Patient.objects.filter(clinic=ctx.clinic).count()
    patients = list(
        Patient.objects.filter(clinic=ctx.clinic).order_by("pk")[
            : min(MAX_PATIENTS, total * 9 // 10)
        ]
    )
    _labs(ctx, patients, staff["nurse"])
    plans = [_plan(ctx, p, i, staff["nurse"]) for i, p in enumerate(patients)]
    # A few repeat treatments linked to the earlier plan.
    TreatmentPlan.objects.bulk_create(plans, batch_size=500)
    repeats = [_repeat(ctx, plan) for plan in plans[:: max(1, len(plans) // 8)][1:]]
    TreatmentPlan.objects.bulk_create(repeats)
    _screen_decide_book(ctx, plans, staff)
    ctx.log.append(f"{len(plans) + len(repeats)} treatment plans with screenings and bookings")


def _repeat(ctx: DemoContext, plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan(
        public_id=ctx.uuid(),
        patient=plan.patient,
        condition=plan.condition,
        target=plan.target,
        target_level=plan.target_level,
        laterality=plan.laterality,
        treatment=plan.treatment,
        guidance=plan.guidance,
        injectate_drug=plan.injectate_drug,
        dose_mg=plan.dose_mg,
        volume_ml=plan.volume_ml,
        previous_plan=plan,
        created_by=plan.created_by,
        severity_notes="Repeat after partial benefit",
    )


def _screen_decide_book(ctx: DemoContext, plans: list[TreatmentPlan], staff: dict) -> None:
    tz = clinic_tz(ctx.clinic)
    now = datetime.combine(ctx.today, time(8), tz) - timedelta(days=10)
    rooms = {
        True: Room.objects.get(clinic=ctx.clinic, name="Procedure Room 1"),
        False: Room.objects.get(clinic=ctx.clinic, name="Procedure Room 2"),
    }
    centrifuge = Equipment.objects.get(clinic=ctx.clinic, name="Centrifuge A")
    booker = _Booker(ctx, ctx.clinic)
    screenings, decisions, signatures, appointments, consents = [], [], [], [], []
    for plan in plans:
        screening = _screen(ctx, plan, staff["nurse"])
        screenings.append(screening)
        decision, signature = _decide(ctx, plan, screening, staff["doctor"], now)
        if decision is None:
            continue
        decisions.append(decision)
        signatures.append(signature)
        if plan.status != "approved" or plan.treatment == "exercise":
            continue
        slot = booker.next(plan.treatment.startswith("bmac"))
        if slot is None:
            continue
        consent = _consent(
            ctx, plan, staff["doctor"], staff["nurse"], slot[0] - timedelta(days=1), signatures
        )
        if consent:
            consents.append(consent)
        appointments.append(_appointment(ctx, plan, *slot, rooms, centrifuge, staff))
    Screening.objects.bulk_create(screenings, batch_size=500)
    Signature.objects.bulk_create(signatures, batch_size=500)
    for row in decisions + consents:
        if getattr(row, "signature", None) is not None and hasattr(row, "verdict"):
            row.signature_id = row.signature.pk
            row.screening_id = row.screening.pk
        if isinstance(row, Consent):
            row.witness_signature_id = row.witness_signature.pk
    EligibilityDecision.objects.bulk_create(decisions, batch_size=500)
    Consent.objects.bulk_create(consents, batch_size=500)
    Appointment.objects.bulk_create(appointments, batch_size=500)
    TreatmentPlan.objects.bulk_update(
        plans, ["status", "hard_stop_overridden", "treated_on"], batch_size=500
    )
