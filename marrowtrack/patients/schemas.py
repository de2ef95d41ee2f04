"""API schemas for patients. Types and lengths here; clinical rules in the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from marrowtrack.core.validators import PlainNotes, PlainText, PlausibleDate
from marrowtrack.core.versioning import MAX_VERSION, VERSION_HELP

Sex = Literal["female", "male", "other", "unknown"]
Language = Literal["en", "es"]
ReferralCondition = Literal["knee_oa", "facet", "shoulder", "si_joint", "ra", "other", ""]
DrugClass = Literal[
    "anticoagulant",
    "antiplatelet",
    "nsaid",
    "systemic_corticosteroid",
    "immunosuppressant",
    "other",
]
Agent = Literal[
    "warfarin",
    "apixaban",
    "rivaroxaban",
    "edoxaban",
    "dabigatran",
    "lmwh",
    "clopidogrel",
    "prasugrel",
    "ticagrelor",
    "aspirin",
    "other",
    "",
]
AllergyCategory = Literal[
    "local_anaesthetic", "antiseptic", "latex", "contrast", "heparin", "drug", "other"
]
BodySite = Literal[
    "iliac_crest",
    "knee",
    "hip",
    "shoulder",
    "lumbar",
    "elbow",
    "wrist_hand",
    "ankle_foot",
    "elsewhere",
    "",
]
Side = Literal["left", "right", "bilateral", "midline", ""]
Severity = Literal["mild", "moderate", "severe", "unknown"]
ConditionKind = Literal[
    "infection_systemic",
    "infection_local",
    "malignancy_solid",
    "malignancy_haematological",
    "bleeding_disorder",
    "pregnancy",
    "immunosuppression",
    "diabetes_uncontrolled",
    "rheumatic_disease",
    "skin_cancer_non_melanoma",
    "carcinoma_in_situ",
    "implant",
    "pelvic_irradiation",
    "bone_graft_harvest",
    "skin_disease",
    "other",
]


def _height() -> Any:
    return Field(default=None, ge=90, le=250, max_digits=4, decimal_places=1)


def _steroid_dose() -> Any:
    return Field(default=None, gt=0, le=1000, max_digits=5, decimal_places=1)


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class PatientIn(StrictIn):
    family_name: PlainText = Field(min_length=1, max_length=100)
    given_name: PlainText = Field(min_length=1, max_length=100)
    date_of_birth: PlausibleDate
    sex: Sex = "unknown"
    phone: PlainText = Field(default="", max_length=30)
    email: PlainText = Field(default="", max_length=254)
    address: PlainText = Field(default="", max_length=255)
    preferred_language: Language = "en"
    referral_condition: ReferralCondition = ""
    referral_notes: PlainNotes = Field(default="", max_length=500)
    no_known_allergies: bool = False
    height_cm: Decimal | None = _height()


class PatientPatch(StrictIn):
    family_name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    given_name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: PlausibleDate | None = None
    sex: Sex | None = None
    phone: PlainText | None = Field(default=None, max_length=30)
    email: PlainText | None = Field(default=None, max_length=254)
    address: PlainText | None = Field(default=None, max_length=255)
    preferred_language: Language | None = None
    referral_condition: ReferralCondition | None = None
    referral_notes: PlainNotes | None = Field(default=None, max_length=500)
    no_known_allergies: bool | None = None
    height_cm: Decimal | None = _height()
    version: int = Field(ge=1, le=MAX_VERSION, description=VERSION_HELP)


class ArchiveIn(StrictIn):
    reason: PlainText = Field(min_length=1, max_length=200)


class WeightIn(StrictIn):
    weight_kg: Decimal = Field(max_digits=5, decimal_places=1)
    measured_on: PlausibleDate
    confirmed: bool = Field(
        default=False,
        description="Confirm a weight outside 35-250 kg or more than 10 % from the previous",
    )


class AllergyIn(StrictIn):
    category: AllergyCategory
    substance: PlainText = Field(min_length=1, max_length=120)
    reaction: PlainText = Field(default="", max_length=200)
    severity: Severity = "unknown"


class MedicationIn(StrictIn):
    name: PlainText = Field(min_length=1, max_length=120)
    drug_class: DrugClass
    agent: Agent = ""
    dose: PlainText = Field(default="", max_length=120)
    steroid_mg_per_day: Decimal | None = _steroid_dose()
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None


class MedicationPatch(StrictIn):
    name: PlainText | None = Field(default=None, min_length=1, max_length=120)
    drug_class: DrugClass | None = None
    agent: Agent | None = None
    dose: PlainText | None = Field(default=None, max_length=120)
    steroid_mg_per_day: Decimal | None = _steroid_dose()
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None
    version: int = Field(ge=1, le=MAX_VERSION, description=VERSION_HELP)


class ConditionIn(StrictIn):
    kind: ConditionKind
    detail: PlainText = Field(default="", max_length=200)
    site: BodySite = ""
    side: Side = ""
    diagnosed_on: PlausibleDate | None = None
    resolved_on: PlausibleDate | None = None
    cleared_by_haematology: bool = False


class WeightOut(Schema):
    id: UUID = Field(alias="public_id")
    weight_kg: Decimal
    measured_on: date
    plausibility_confirmed: bool


class AllergyOut(Schema):
    id: UUID = Field(alias="public_id")
    category: str
    substance: str
    reaction: str
    severity: str


class MedicationOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    drug_class: str
    agent: str
    dose: str
    steroid_mg_per_day: Decimal | None
    started_on: date | None
    stopped_on: date | None
    version: int


class ConditionOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    detail: str
    site: str
    side: str
    diagnosed_on: date | None
    resolved_on: date | None
    cleared_by_haematology: bool
    version: int


class PatientOut(Schema):
    id: UUID = Field(alias="public_id")
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    preferred_language: str
    referral_condition: str
    archived_at: datetime | None


class PatientDetailOut(PatientOut):
    phone: str
    email: str
    address: str
    referral_notes: str
    no_known_allergies: bool
    height_cm: Decimal | None
    version: int
    weights: list[WeightOut]
    allergies: list[AllergyOut]
    medications: list[MedicationOut]
    conditions: list[ConditionOut]
