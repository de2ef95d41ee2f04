"""Demo step: N synthetic patients with realistic medications, allergies and conditions.

Written in batches with one prepared INSERT per model (demo/rows.py), so that 100,000
patients and their records load in well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from marrowtrack.core.models import Clinic
from marrowtrack.core.services import counter_next
from marrowtrack.core.text import fold
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.names import FAMILY, GIVEN_FEMALE, GIVEN_MALE, STREETS
from marrowtrack.demo.rows import insert as insert_rows
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement
from marrowtrack.patients.services import format_mrn

BATCH = 2000
CONDITION_WEIGHTS = {
    "knee_oa": 40,
    "facet": 20,
    "shoulder": 15,
    "si_joint": 12,
    "ra": 8,
    "other": 5,
}
# (name, class, dose, probability) — typical of an older musculoskeletal population.
MEDICINES = [
    ("Ibuprofen", "nsaid", "400 mg up to three times daily", 0.22),
    ("Naproxen", "nsaid", "500 mg twice daily", 0.12),
    ("Meloxicam", "nsaid", "15 mg daily", 0.08),
    ("Aspirin", "antiplatelet", "81 mg daily", 0.12),
    ("Clopidogrel", "antiplatelet", "75 mg daily", 0.03),
    ("Apixaban", "anticoagulant", "5 mg twice daily", 0.04),
    ("Warfarin", "anticoagulant", "5 mg daily (INR-guided)", 0.02),
    ("Rivaroxaban", "anticoagulant", "20 mg daily", 0.02),
    ("Prednisone", "systemic_corticosteroid", "5 mg daily", 0.04),
    ("Acetaminophen", "other", "1 g up to three times daily", 0.35),
    ("Metformin", "other", "500 mg twice daily", 0.12),
    ("Atorvastatin", "other", "20 mg nightly", 0.25),
    ("Lisinopril", "other", "10 mg daily", 0.18),
    ("Levothyroxine", "other", "75 mcg daily", 0.08),
    ("Omeprazole", "other", "20 mg daily", 0.10),
    ("Methotrexate", "other", "15 mg weekly", 0.0),  # given to RA patients below
]
ALLERGIES = [
    ("local_anaesthetic", "Lidocaine", "Hives and facial swelling", "moderate", 0.02),
    ("antiseptic", "Chlorhexidine", "Contact dermatitis", "mild", 0.03),
    ("latex", "Latex", "Itching and rash", "mild", 0.02),
    ("drug", "Penicillin", "Rash", "moderate", 0.08),
    ("drug", "Sulfonamides", "Rash", "mild", 0.04),
    ("drug", "Codeine", "Nausea and vomiting", "mild", 0.03),
]
CONDITIONS = [
    ("immunosuppression", "On long-term immunosuppressant therapy", 0.03),
    ("diabetes_uncontrolled", "HbA1c above target", 0.05),
    ("bleeding_disorder", "Von Willebrand disease type 1", 0.01),
    ("malignancy_haematological", "Chronic lymphocytic leukaemia", 0.01),
    ("malignancy_solid", "Breast cancer, treated", 0.02),
    ("infection_systemic", "Urinary tract infection on antibiotics", 0.01),
]


def _weighted_condition(ctx: DemoContext) -> str:
    return ctx.rng.choices(list(CONDITION_WEIGHTS), weights=list(CONDITION_WEIGHTS.values()))[0]


def _email(given: str, family: str, number: int) -> str:
    local = f"{fold(given)}.{fold(family)}".replace(" ", "").replace("'", "")
    return f"{local}{number}@example.com"


def _patient(ctx: DemoContext, clinic: Clinic, mrn_number: int) -> Patient:
    rng = ctx.rng
    sex = rng.choice(["female", "male"])
    given = rng.choice(GIVEN_FEMALE if sex == "female" else GIVEN_MALE)
    family = rng.choice(FAMILY)
    spanish = any(ch in given + family for ch in "áéíóúñ") and rng.random() < 0.7
    born = date(rng.randint(1940, 1992), rng.randint(1, 12), rng.randint(1, 28))
    patient = Patient(
        public_id=ctx.uuid(),
        clinic=clinic,
        mrn=format_mrn(mrn_number),
        family_name=family,
        given_name=given,
        date_of_birth=born,
        sex=sex,
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        email=_email(given, family, mrn_number),
        address=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}, Springfield",
        preferred_language="es" if spanish else "en",
        referral_condition=_weighted_condition(ctx),
    )
    patient.refresh_search_keys()
    return patient


def _children(ctx: DemoContext, patient: Patient) -> Iterator[object]:
    rng, today = ctx.rng, ctx.today
    if rng.random() < 0.9:
        yield WeightMeasurement(
            public_id=ctx.uuid(),
            patient=patient,
            weight_kg=Decimal(rng.randint(480, 1250)) / 10,
            measured_on=today - timedelta(days=rng.randint(0, 200)),
        )
    for name, drug_class, dose, probability in MEDICINES:
        if rng.random() < probability or (
            name == "Methotrexate" and patient.referral_condition == "ra"
        ):
            started = today - timedelta(days=rng.randint(30, 3000))
            yield Medication(
                public_id=ctx.uuid(),
                patient=patient,
                name=name,
                drug_class=drug_class,
                dose=dose,
                started_on=started,
            )
    any_allergy = False
    for category, substance, reaction, severity, probability in ALLERGIES:
        if rng.random() < probability:
            any_allergy = True
            yield Allergy(
                public_id=ctx.uuid(),
                patient=patient,
                category=category,
                substance=substance,
                reaction=reaction,
                severity=severity,
            )
    patient.no_known_allergies = not any_allergy and rng.random() < 0.8
    for kind, detail, probability in CONDITIONS:
        if rng.random() < probability:
            yield Condition(
                public_id=ctx.uuid(),
                patient=patient,
                kind=kind,
                detail=detail,
                diagnosed_on=today - timedelta(days=rng.randint(60, 4000)),
            )
    if patient.referral_condition == "ra":
        yield Condition(
            public_id=ctx.uuid(),
            patient=patient,
            kind="rheumatic_disease",
            detail="Rheumatoid arthritis (seropositive)",
            diagnosed_on=today - timedelta(days=rng.randint(400, 6000)),
        )


def _insert_batch(ctx: DemoContext, clinic: Clinic, first_mrn: int, count: int) -> None:
    patients = [_patient(ctx, clinic, first_mrn + i) for i in range(count)]
    children: dict[type, list[object]] = {}
    for patient in patients:
        for child in _children(ctx, patient):
            children.setdefault(type(child), []).append(child)
    insert_rows(patients)
    # The primary keys the database gave the batch, by MRN (unique in the clinic).
    mrns = [patient.mrn for patient in patients]
    keys = dict(Patient.objects.filter(clinic=clinic, mrn__in=mrns).values_list("mrn", "pk"))
    for patient in patients:
        patient.pk = keys[patient.mrn]
    for records in children.values():
        for record in records:
            record.patient_id = record.patient.pk  # type: ignore[attr-defined]
        insert_rows(records)  # type: ignore[arg-type]


def _seed_clinic(ctx: DemoContext, clinic: Clinic, count: int) -> None:
    first = counter_next(clinic=clinic, name="mrn", count=count)
    for offset in range(0, count, BATCH):
        _insert_batch(ctx, clinic, first + offset, min(BATCH, count - offset))


def seed(ctx: DemoContext) -> None:
    assert ctx.clinic is not None and ctx.other_clinic is not None
    other = max(1, ctx.patients // 10)
    _seed_clinic(ctx, ctx.clinic, ctx.patients - other)
    _seed_clinic(ctx, ctx.other_clinic, other)
    ctx.log.append(f"{ctx.patients} patients ({ctx.patients - other} at {ctx.clinic.name})")
