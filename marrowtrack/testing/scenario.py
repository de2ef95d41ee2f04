"""The scenario builder: procedure days built through the real services, step by step.

Tests, the browser tests and the demo's "today" use it (the demo's history writes rows
directly, for speed). One of the three ways to build test data (CONTRIBUTING.md).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F

from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import content_hash
from marrowtrack.facilities.models import Equipment, KitLot, Room
from marrowtrack.intake.models import (
    Appointment,
    Consent,
    ConsentDocument,
    EligibilityDecision,
    TreatmentPlan,
)
from marrowtrack.intake.services.screening import screening_run
from marrowtrack.lab import services as lab
from marrowtrack.lab.models import ProcessingRun
from marrowtrack.patients.models import Patient, WeightMeasurement
from marrowtrack.procedures import services
from marrowtrack.procedures.comparators import PATH as COMPARATOR_PATH
from marrowtrack.procedures.models import HarvestRecord, ProcedureEncounter, TimeOut
from marrowtrack.procedures.safety import encounter_safety
from marrowtrack.procedures.services.comparator import comparator_injection_record
from marrowtrack.procedures.services.discharge import RESTART_ITEM, min_recovery_minutes
from marrowtrack.procedures.services.gates import (
    CONSENT,
    DISCHARGE,
    PRE_ASSESSMENT,
    RECOVERY,
    SITE_MARKING,
)
from marrowtrack.procedures.states import MAIN_PATH, ProcedureState

S = ProcedureState


def consent_document() -> ConsentDocument:
    document = ConsentDocument.objects.filter(treatment="bmac").order_by("-version").first()
    return document or ConsentDocument.objects.create(
        treatment="bmac",
        version=1,
        title="Bone marrow concentrate injection",
        body="Risks: pain, bruising, infection, flare.",
        effective_from=clock.now(),
    )


def approved_plan(
    patient: Patient,
    *,
    by: User,
    target: str = "knee",
    laterality: str = "left",
    weight_kg: Decimal | None = Decimal("70"),
) -> TreatmentPlan:
    """An approved BMAC plan with a witnessed consent (what intake provides)."""
    plan = TreatmentPlan.objects.create(
        patient=patient,
        condition="knee_oa",
        target=target,
        laterality=laterality,
        treatment="bmac",
        status=TreatmentPlan.Status.APPROVED,
        created_by=by,
    )
    Consent.objects.create(
        plan=plan,
        document=consent_document(),
        status=Consent.Status.WITNESSED,
        patient_typed_name=patient.full_name,
        patient_signed_at=clock.now(),
    )
    if weight_kg is not None:
        weighed_today(patient, weight_kg)
    approve(plan, by=by)
    return plan


def approve(plan: TreatmentPlan, *, by: User) -> EligibilityDecision:
    """A physician's approval on a screening of today's record (what the check-in's
    re-check on the day compares with). Hard stops the test record raises are overridden,
    as a physician may; the signature row is written directly (no password here)."""
    screening = screening_run(plan=plan, by=by)
    content = {"plan": str(plan.public_id), "screening": str(screening.public_id)}
    signature = Signature.objects.create(
        signer=by,
        printed_name=by.printed_name,
        meaning=Signature.Meaning.APPROVED,
        statement="Eligibility decision: approve (test scenario)",
        signed_at=clock.now(),
        record_type="intake.treatmentplan",
        record_id=str(plan.public_id),
        record_hash=content_hash(content),
    )
    overrides = bool(screening.hard_stops)
    return EligibilityDecision.objects.create(
        plan=plan,
        screening=screening,
        verdict=EligibilityDecision.Verdict.APPROVE,
        overrides_hard_stops=overrides,
        override_reason="Scenario data: reviewed by the physician." if overrides else "",
        decided_by=by,
        signature=signature,
    )


def weighed_today(patient: Patient, weight_kg: Decimal = Decimal("70")) -> None:
    """Give the patient a weight the dose guard accepts (issue 8 item 2: measured in the last
    30 days, not after today): none yet, ``weight_kg`` today; an older one, its value today."""
    today = clock.today(patient.clinic)
    live = patient.weights.filter(archived_at__isnull=True, measured_on__lte=today)
    if live.filter(measured_on__gte=today - timedelta(days=30)).exists():
        return
    latest = live.order_by("-measured_on").first()
    kg = latest.weight_kg if latest is not None else weight_kg
    WeightMeasurement.objects.create(patient=patient, weight_kg=kg, measured_on=today)


def centrifuge_for(clinic: Any) -> Equipment:
    found = Equipment.objects.filter(clinic=clinic, kind="centrifuge").first()
    return found or Equipment.objects.create(
        clinic=clinic,
        name="Centrifuge T",
        kind="centrifuge",
        rotor_radius_cm=Decimal("10"),
        calibration_due=clock.today() + timedelta(days=90),
    )


def kit_lot_for(clinic: Any) -> KitLot:
    found = KitLot.objects.filter(clinic=clinic, lot_number="KIT-A17").first()
    return found or KitLot.objects.create(
        clinic=clinic,
        device="Angel",
        lot_number="KIT-A17",
        expires_on=clock.today() + timedelta(days=60),
        received_on=clock.today() - timedelta(days=30),
        quantity_received=50,
    )


def check_in(plan: TreatmentPlan, by: User, temperature_c: str = "36.8") -> ProcedureEncounter:
    """Check in with both identifiers and today's temperature (the re-check on the day)."""
    patient = plan.patient
    return services.encounter_check_in(
        plan=plan,
        by=by,
        typed_name=patient.full_name,
        typed_dob=patient.date_of_birth,
        temperature_c=temperature_c,
    )


def harvest_data(side: str = "l_pic", aspirate_ml: str = "60") -> dict[str, Any]:
    now = clock.now()
    return {
        "side": side,
        "needle": "Jamshidi 11G",
        "gauge": 11,
        "punctures": 2,
        "aspirate_ml": Decimal(aspirate_ml),
        "anticoagulant": "acd_a",
        "anticoagulant_lot": "ACD-2291",
        "anticoagulant_ml": Decimal("6"),
        "fluoroscopy_s": 42,
        "air_kerma_mgy": Decimal("3.2"),
        "kap_gy_cm2": Decimal("0.45"),
        "started_at": now - timedelta(minutes=20),
        "ended_at": now - timedelta(minutes=1),
        "complications": "",
    }


def run_data(clinic: Any, **overrides: Any) -> dict[str, Any]:
    now = clock.now()
    data = {
        "device": "Angel",
        "kit_lot": kit_lot_for(clinic),
        "centrifuge": centrifuge_for(clinic),
        "rpm": 3200,
        "spin_minutes": 15,
        "spins": 1,
        "brake": True,
        "aspirate_ml": Decimal("66"),
        "anticoagulant_ml": Decimal("6"),
        "concentrate_ml": Decimal("8"),
        "qc_sample_ml": Decimal("0.5"),
        "count_unit": "per_ul",
        "pre_tnc_per_ul": Decimal("30000"),
        "post_tnc_per_ul": Decimal("150000"),
        "pre_hct_pct": Decimal("35"),
        "post_hct_pct": Decimal("25"),
        "started_at": now,
        "ended_at": now,
        "syringes": 1,
    }
    return {**data, **overrides}


def scanned(container: Any) -> str:
    """What a reader sends for the container's label (DIN then product code, AIM ]C0)."""
    return f"]C0={container.din}00]C0=<{container.product_code}"


def label_scans(run: Any) -> str:
    return "\n".join(scanned(c) for c in run.syringes.order_by("product_code"))


def _sign(staff: dict[str, User], password: str) -> list[tuple[User, str]]:
    return [(staff["physician"], password), (staff["nurse"], password)]


def step(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    """Record the next main-path step (skipping time-out 2) with complete data."""
    current = encounter.current
    nxt = MAIN_PATH[MAIN_PATH.index(current) + 1]
    if nxt == S.TIMEOUT_2:
        nxt = S.BEDSIDE_VERIFIED
    STEPS[nxt](encounter, staff, password)
    encounter.refresh_from_db()


def walk_to(
    encounter: ProcedureEncounter, target: S, staff: dict[str, User], password: str
) -> ProcedureEncounter:
    while encounter.current != target:
        step(encounter, staff, password)
    return encounter


def _t(to: S, role: str, data: dict[str, Any]) -> Any:
    def run(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
        services.encounter_transition(encounter=encounter, to=to, by=staff[role], data=data)

    return run


def recovered(encounter: ProcedureEncounter, minutes: int | None = None) -> None:
    """Test data: everything this day recorded happened ``minutes`` earlier (default: the
    minimum recovery time + 1), so the patient has been in recovery that long."""
    minutes = min_recovery_minutes() + 1 if minutes is None else minutes
    delta = timedelta(minutes=minutes)
    shifts: list[tuple[Any, tuple[str, ...]]] = [
        (encounter.steps.all(), ("at",)),
        (encounter.timeouts.all(), ("at",)),
        (encounter.anaesthetics.all(), ("given_at",)),
        (encounter.bedside_checks.all(), ("at",)),
        (encounter.injections.all(), ("started_at", "ended_at")),
        (HarvestRecord.objects.filter(encounter=encounter), ("started_at", "ended_at")),
        (encounter.containers.all(), ("collected_at", "expires_at")),
        (ProcessingRun.objects.filter(encounter=encounter), ("started_at", "ended_at")),
        (
            ProcedureEncounter.objects.filter(pk=encounter.pk),
            ("checked_in_at", "state_entered_at"),
        ),
    ]
    for rows, fields in shifts:
        rows.update(**{name: F(name) - delta for name in fields})
    encounter.refresh_from_db()


DISCHARGE_DATA = {
    **dict.fromkeys([*DISCHARGE, *RESTART_ITEM], True),
    "blood_pressure": "124/78",
    "pulse": 72,
    "anticoagulant_restart_on": None,
}


def discharge(encounter: ProcedureEncounter, staff: dict[str, User], **data: Any) -> None:
    """Discharge after the minimum recovery time, with vitals (a restart date if needed)."""
    recovered(encounter)
    services.encounter_transition(
        encounter=encounter, to=S.DISCHARGED, by=staff["nurse"], data={**DISCHARGE_DATA, **data}
    )


def prep_agent(encounter: ProcedureEncounter) -> str:
    """The skin-prep agent the patient's allergies allow (what the time-out confirms)."""
    agent = encounter_safety(encounter).prep_agent
    return agent.code if agent else ""


def _timeout(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    data = {
        "checklist": dict.fromkeys(TimeOut.ITEMS, True),
        "signers": _sign(staff, password),
        "prep_agent": prep_agent(encounter),
    }
    services.encounter_transition(
        encounter=encounter, to=S.TIMEOUT_1, by=staff["physician"], data=data
    )


def _anaesthesia(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    weighed_today(encounter.patient)
    services.lidocaine_give(
        encounter=encounter,
        by=staff["physician"],
        percent=Decimal("1"),
        ml=Decimal("10"),
        with_epinephrine=False,
        site="left iliac crest",
    )
    services.encounter_transition(encounter=encounter, to=S.LOCAL_ANESTHESIA, by=staff["physician"])


def _harvesting(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    services.harvest_record(encounter=encounter, by=staff["physician"], data=harvest_data())


def _aspirate_din(encounter: ProcedureEncounter) -> str:
    return f"={encounter.containers.get(kind='aspirate').din}00"


def _in_transit(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    data = {"din_scan": _aspirate_din(encounter), "seal_intact": True}
    services.encounter_transition(
        encounter=encounter, to=S.IN_TRANSIT, by=staff["nurse"], data=data
    )


def _processing(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    data = {"din_scan": _aspirate_din(encounter), "seal_intact": True}
    services.encounter_transition(
        encounter=encounter, to=S.PROCESSING, by=staff["lab_tech"], data=data
    )


def release(run: Any, staff: dict[str, User], password: str) -> Any:
    """The lab technologist releases; the nurse verifies by scanning every label."""
    return services.product_release(
        run=run,
        by=staff["lab_tech"],
        password=password,
        verifier=staff["nurse"],
        verifier_password=password,
        scans=label_scans(run),
    )


def hand_off(container: Any, staff: dict[str, User], password: str) -> Any:
    """The lab hands a released syringe to the procedure room; the nurse signs for it."""
    return lab.custody_scan(
        by=staff["lab_tech"],
        din_scan=scanned(container),
        to_location="procedure_room",
        receiver_username=staff["nurse"].username,
        receiver_password=password,
        seal_intact=True,
    )


def _released(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    data = run_data(encounter.clinic)
    run = services.processing_record(encounter=encounter, by=staff["lab_tech"], data=data)
    release(run, staff, password)
    for syringe in run.syringes.all():
        hand_off(syringe, staff, password)


def syringe(encounter: ProcedureEncounter, site: tuple[str, str] | None = None) -> Any:
    """The first syringe of the day (or the one labelled for ``site``)."""
    syringes = encounter.containers.filter(kind="concentrate").order_by("product_code")
    if site is not None:
        syringes = syringes.filter(target=site[0], laterality=site[1])
    return syringes.first()


def verify(
    encounter: ProcedureEncounter,
    staff: dict[str, User],
    password: str,
    syringe_scan: str | None = None,
    container: Any = None,
    **kwargs: Any,
) -> Any:
    chosen = container or syringe(encounter)
    args = {
        "encounter": encounter,
        "by": staff["physician"],
        "password": password,
        "second_person": staff["nurse"],
        "second_password": password,
        "wristband_scan": encounter.patient.mrn,
        "syringe_scan": syringe_scan or scanned(chosen),
        "target": chosen.target if chosen else encounter.plan.target,
        "laterality": chosen.laterality if chosen else encounter.plan.laterality,
        "patient_confirmed_identity": True,
    }
    return services.bedside_verify(**{**args, **kwargs})


def injection_data(encounter: ProcedureEncounter, **overrides: Any) -> dict[str, Any]:
    now = clock.now()
    first = syringe(encounter)
    data = {
        "target": first.target if first else encounter.plan.target,
        "laterality": first.laterality if first else encounter.plan.laterality,
        "target_level": "",
        "guidance": "us",
        "volume_ml": Decimal("3"),
        "co_injectate": "",
        "started_at": now,
        "ended_at": now,
    }
    return {**data, **overrides}


def inject(
    encounter: ProcedureEncounter, staff: dict[str, User], container: Any, **overrides: Any
) -> Any:
    site = {"target": container.target, "laterality": container.laterality}
    return services.injection_record(
        encounter=encounter,
        by=staff["physician"],
        syringe_scan=scanned(container),
        data=injection_data(encounter, **{**site, **overrides}),
    )


def _injected(encounter: ProcedureEncounter, staff: dict[str, User], password: str) -> None:
    """Every released syringe of the day, each verified at the bedside and injected."""
    for container in encounter.containers.filter(kind="concentrate", status="released"):
        if not encounter.bedside_checks.filter(accepted=True, container=container).exists():
            verify(encounter, staff, password, container=container)
        encounter.refresh_from_db()
        inject(encounter, staff, container)
        encounter.refresh_from_db()


STEPS = {
    S.PRE_ASSESSED: _t(S.PRE_ASSESSED, "nurse", dict.fromkeys(PRE_ASSESSMENT, True)),
    S.CONSENTED: _t(
        S.CONSENTED, "physician", {**dict.fromkeys(CONSENT, True), "harvest_side": "l_pic"}
    ),
    S.SITE_MARKED: _t(S.SITE_MARKED, "physician", dict.fromkeys(SITE_MARKING, True)),
    S.TIMEOUT_1: _timeout,
    S.LOCAL_ANESTHESIA: _anaesthesia,
    S.HARVESTING: _harvesting,
    S.IN_TRANSIT: _in_transit,
    S.PROCESSING: _processing,
    S.RELEASED: _released,
    S.BEDSIDE_VERIFIED: lambda e, staff, pw: verify(e, staff, pw),
    S.INJECTED: _injected,
    S.RECOVERY: _t(S.RECOVERY, "nurse", dict.fromkeys(RECOVERY, True)),
    S.DISCHARGED: lambda e, staff, pw: discharge(e, staff),
}


# Comparator days (ADR 0019): cortisone, HA, PRP or a nerve block, booked and walked through
# check-in, pre-assessment, time-out, injection, recovery and discharge.

COMPARATOR_PLANS: dict[str, dict[str, Any]] = {
    "csi": {"injectate_drug": "Triamcinolone acetonide", "dose_mg": Decimal("40")},
    "ha": {"injectate_drug": "Sodium hyaluronate", "dose_mg": Decimal("20")},
    "prp": {"injectate_drug": "Autologous PRP"},
    "nerve_block": {"injectate_drug": "Bupivacaine 0.5%", "dose_mg": Decimal("25")},
}
COMPARATOR_DRUG = {"csi": "triamcinolone", "ha": "hyaluronate", "prp": "prp_lp",
                   "nerve_block": "bupivacaine"}  # fmt: skip


def approved_comparator_plan(
    patient: Patient,
    *,
    by: User,
    treatment: str = "csi",
    target: str = "knee",
    laterality: str = "right",
    booked_at: Any = None,
    weight_kg: Decimal | None = Decimal("70"),
) -> TreatmentPlan:
    """An approved comparator plan with a witnessed consent and a booking (today, unless
    ``booked_at``), as intake leaves it."""
    plan = TreatmentPlan.objects.create(
        patient=patient,
        condition="knee_oa",
        target=target,
        laterality=laterality,
        treatment=treatment,
        guidance="us",
        volume_ml=Decimal("5"),
        status=TreatmentPlan.Status.APPROVED,
        created_by=by,
        **COMPARATOR_PLANS[treatment],
    )
    Consent.objects.create(
        plan=plan,
        document=consent_document(),
        status=Consent.Status.WITNESSED,
        patient_typed_name=patient.full_name,
        patient_signed_at=clock.now(),
    )
    room = Room.objects.filter(clinic=patient.clinic, kind="procedure").first()
    room = room or Room.objects.create(clinic=patient.clinic, name="Room C", kind="procedure")
    starts = booked_at or clock.now()
    Appointment.objects.create(
        clinic=patient.clinic,
        plan=plan,
        kind=Appointment.Kind.COMPARATOR,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        room=room,
        physician=by,
        booked_by=by,
    )
    if weight_kg is not None:
        weighed_today(patient, weight_kg)
    approve(plan, by=by)
    return plan


def comparator_injection_data(encounter: ProcedureEncounter, **overrides: Any) -> dict[str, Any]:
    plan = encounter.plan
    return {
        "drug": COMPARATOR_DRUG[plan.treatment],
        "dose_mg": plan.dose_mg,
        "volume_ml": plan.volume_ml,
        "lot": "LOT-4471",
        "lot_expires_on": clock.today() + timedelta(days=200),
        "guidance": "us",
        "target": plan.target,
        "laterality": plan.laterality,
        "target_level": plan.target_level,
        **overrides,
    }


def comparator_walk_to(
    encounter: ProcedureEncounter, target: S, staff: dict[str, User], password: str
) -> ProcedureEncounter:
    """Walk a comparator day along its short path (``procedures.comparators.PATH``)."""
    while encounter.current != target:
        nxt = COMPARATOR_PATH[COMPARATOR_PATH.index(encounter.current) + 1]
        if nxt == S.INJECTED:
            comparator_injection_record(
                encounter=encounter,
                by=staff["physician"],
                data=comparator_injection_data(encounter),
            )
        else:
            STEPS[nxt](encounter, staff, password)
        encounter.refresh_from_db()
    return encounter
