"""What an eligibility screening needs to know, as plain frozen dataclasses (no ORM).

Eligibility (``rules.py``) and pre-procedure instructions (``instructions.py``) are pure
calculations over these facts, so they can be tested without a database and a decision can
be re-run later from the facts it was made on. The vocabularies follow the clinic spec:
docs/reference.md §1 (``Target``, laterality), §4 (hard stops and flags) and §7 (``Treatment``); the
string values match the ``TextChoices`` of ``marrowtrack.patients.models`` so an adapter can
convert with ``AllergyCategory(allergy.category)`` and so on.

Date conventions (shared with the patient record):
- ``Medication.stopped_on`` is the **last day the drug was taken** (the patient record treats
  a medication as current on its stop date); ``None`` means still taken.
- ``Condition.resolved_on`` is the day the condition was resolved; a condition resolved on
  the screening date counts as resolved. ``None`` means still active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class AllergyCategory(StrEnum):
    LOCAL_ANAESTHETIC = "local_anaesthetic"
    ANTISEPTIC = "antiseptic"
    LATEX = "latex"
    CONTRAST = "contrast"
    HEPARIN = "heparin"
    DRUG = "drug"
    OTHER = "other"


class DrugClass(StrEnum):
    ANTICOAGULANT = "anticoagulant"
    ANTIPLATELET = "antiplatelet"
    NSAID = "nsaid"
    SYSTEMIC_CORTICOSTEROID = "systemic_corticosteroid"
    IMMUNOSUPPRESSANT = "immunosuppressant"
    OTHER = "other"


class Agent(StrEnum):
    """Blood thinners by agent (``patients.Medication.Agent``); the hold depends on it."""

    WARFARIN = "warfarin"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    EDOXABAN = "edoxaban"
    DABIGATRAN = "dabigatran"
    LMWH = "lmwh"
    CLOPIDOGREL = "clopidogrel"
    PRASUGREL = "prasugrel"
    TICAGRELOR = "ticagrelor"
    ASPIRIN = "aspirin"
    OTHER_ANTICOAGULANT = "other_anticoagulant"
    OTHER_ANTIPLATELET = "other_antiplatelet"


class ConditionKind(StrEnum):
    INFECTION_SYSTEMIC = "infection_systemic"
    INFECTION_LOCAL = "infection_local"
    MALIGNANCY_SOLID = "malignancy_solid"
    MALIGNANCY_HAEMATOLOGICAL = "malignancy_haematological"
    BLEEDING_DISORDER = "bleeding_disorder"
    PREGNANCY = "pregnancy"
    IMMUNOSUPPRESSION = "immunosuppression"
    DIABETES_UNCONTROLLED = "diabetes_uncontrolled"
    RHEUMATIC_DISEASE = "rheumatic_disease"
    SKIN_CANCER_NON_MELANOMA = "skin_cancer_non_melanoma"
    CARCINOMA_IN_SITU = "carcinoma_in_situ"
    IMPLANT = "implant"
    PELVIC_IRRADIATION = "pelvic_irradiation"
    BONE_GRAFT_HARVEST = "bone_graft_harvest"
    SKIN_DISEASE = "skin_disease"
    OTHER = "other"


class BodySite(StrEnum):
    """Where a local condition is (``patients.BodySite``); ``None`` means not recorded,
    which the checks treat as possibly at the harvest site and the target."""

    ILIAC_CREST = "iliac_crest"
    KNEE = "knee"
    HIP = "hip"
    SHOULDER = "shoulder"
    LUMBAR = "lumbar"
    ELBOW = "elbow"
    WRIST_HAND = "wrist_hand"
    ANKLE_FOOT = "ankle_foot"
    ELSEWHERE = "elsewhere"


class Target(StrEnum):
    """Injection targets, docs/reference.md §1 (targets)."""

    KNEE = "knee"
    HIP = "hip"
    GLENOHUMERAL = "glenohumeral"
    SUBACROMIAL = "subacromial"
    ROTATOR_CUFF = "rotator_cuff"
    SI_JOINT = "si_joint"
    FACET = "facet"
    DISC = "disc"
    EPIDURAL = "epidural"  # prior injections only: an epidural steroid counts in the washout
    ELBOW = "elbow"
    WRIST_HAND = "wrist_hand"
    ANKLE_FOOT = "ankle_foot"
    OTHER = "other"


class Laterality(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    MIDLINE = "midline"


class Treatment(StrEnum):
    """Treatments, docs/reference.md §7 plus nerve block (§8: BMAC is offered where cortisone
    injections or nerve blocks would otherwise be used)."""

    BMAC = "bmac"
    BMAC_PRP = "bmac_prp"
    CSI = "csi"
    NERVE_BLOCK = "nerve_block"
    PRP = "prp"
    HA = "ha"
    SALINE = "saline"
    EXERCISE = "exercise"


class InjectedDrug(StrEnum):
    CORTICOSTEROID = "corticosteroid"
    HA = "ha"
    PRP = "prp"
    OTHER = "other"


@dataclass(frozen=True)
class Weight:
    kg: Decimal
    measured_on: date

    def __post_init__(self) -> None:
        if self.kg <= 0:
            raise ValueError(f"weight must be positive, got {self.kg} kg")


@dataclass(frozen=True)
class Inr:
    value: Decimal
    measured_on: date


@dataclass(frozen=True)
class PlateletCount:
    """Platelet count in ×10^9/L (the same number as ×10^3/µL)."""

    per_nl: int
    measured_on: date

    def __post_init__(self) -> None:
        if self.per_nl < 0:
            raise ValueError(f"platelet count cannot be negative, got {self.per_nl}")


@dataclass(frozen=True)
class Allergy:
    category: AllergyCategory
    substance: str


@dataclass(frozen=True)
class Medication:
    name: str
    drug_class: DrugClass
    started_on: date | None = None
    stopped_on: date | None = None  # last day taken; None = still taken
    agent: Agent | None = None  # blood thinners only
    steroid_mg_per_day: Decimal | None = None  # systemic corticosteroids only
    ref: str = ""  # the record's public id, so a hold plan can name its medication

    def __post_init__(self) -> None:
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            raise ValueError(f"{self.name}: stopped_on is before started_on")

    def taken_on_or_after(self, day: date) -> bool:
        """Whether any dose falls on ``day`` or later (ongoing, or stopped on/after it)."""
        return self.stopped_on is None or self.stopped_on >= day


@dataclass(frozen=True)
class Condition:
    kind: ConditionKind
    diagnosed_on: date | None = None
    resolved_on: date | None = None
    site: BodySite | None = None  # local conditions (infection, implant, graft, skin)
    cleared_by_haematology: bool = False  # bleeding_disorder only
    detail: str = ""
    side: Laterality | None = None

    def __post_init__(self) -> None:
        if self.diagnosed_on and self.resolved_on and self.resolved_on < self.diagnosed_on:
            raise ValueError(f"{self.kind}: resolved_on is before diagnosed_on")

    def active_on(self, day: date) -> bool:
        """Active unless resolved on or before ``day``."""
        return self.resolved_on is None or self.resolved_on > day


@dataclass(frozen=True)
class PriorInjection:
    given_on: date
    drug: InjectedDrug
    target: Target
    laterality: Laterality
    given_here: bool = False  # given by this clinic under an earlier plan


@dataclass(frozen=True)
class MedicationHold:
    """The prescriber's structured hold for one medication before this plan's procedure."""

    medication_ref: str
    last_dose_on: date
    restart_on: date | None
    prescriber: str


@dataclass(frozen=True)
class PatientFacts:
    date_of_birth: date
    sex: Sex
    weight: Weight | None = None
    platelets: PlateletCount | None = None
    allergies: tuple[Allergy, ...] = ()
    medications: tuple[Medication, ...] = ()
    conditions: tuple[Condition, ...] = ()
    height_cm: Decimal | None = None
    inr: Inr | None = None
    temperature_c: Decimal | None = None  # measured on the screening day (procedure day)


@dataclass(frozen=True)
class PlanFacts:
    condition: str  # the referral condition, e.g. "knee_oa" (patients.ReferralCondition)
    target: Target
    laterality: Laterality
    treatment: Treatment
    planned_date: date | None = None
    prior_injections: tuple[PriorInjection, ...] = ()
    harvest_side: Laterality | None = None  # None: not chosen, either side may be used
    harvest_anticoagulant: str = ""  # "heparin", "acd_a" or "" (not chosen)
    guidance: str = ""  # "us", "fluoro", "landmark" or "" (not chosen)
    kellgren_lawrence_grade: int | None = None
    holds: tuple[MedicationHold, ...] = ()


def lateralities_overlap(a: Laterality | None, b: Laterality | None) -> bool:
    """Whether two sides can be the same place: same side, either bilateral (both sides
    reached), either midline (central, next to both sides), or either unknown."""
    if a is None or b is None:
        return True
    return a == b or bool({Laterality.BILATERAL, Laterality.MIDLINE} & {a, b})
