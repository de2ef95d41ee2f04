"""API schemas for patients. Types and lengths here; clinical rules in the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from marrowtrack.core.validators import PlainNotes, PlainText, PlausibleDate

Sex = Literal["female", "male", "other", "unknown"]
Language = Literal["en", "es"]
ReferralCondition = Literal["knee_oa", "facet", "shoulder", "si_joint", "ra", "other", ""]
DrugClass = Literal["anticoagulant", "antiplatelet", "nsaid", "systemic_corticosteroid", "other"]
AllergyCategory = Literal["local_anaesthetic", "antiseptic", "latex", "contrast", "drug", "other"]
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
    "other",
]


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


class ArchiveIn(StrictIn):
    reason: PlainText = Field(min_length=1, max_length=200)


class WeightIn(StrictIn):
    weight_kg: Decimal = Field(max_digits=5, decimal_places=1)
    measured_on: PlausibleDate


class AllergyIn(StrictIn):
    category: AllergyCategory
    substance: PlainText = Field(min_length=1, max_length=120)
    reaction: PlainText = Field(default="", max_length=200)
    severity: Severity = "unknown"


class MedicationIn(StrictIn):
    name: PlainText = Field(min_length=1, max_length=120)
    drug_class: DrugClass
    dose: PlainText = Field(default="", max_length=120)
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None


class MedicationPatch(StrictIn):
    name: PlainText | None = Field(default=None, min_length=1, max_length=120)
    drug_class: DrugClass | None = None
    dose: PlainText | None = Field(default=None, max_length=120)
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None


class ConditionIn(StrictIn):
    kind: ConditionKind
    detail: PlainText = Field(default="", max_length=200)
    diagnosed_on: PlausibleDate | None = None
    resolved_on: PlausibleDate | None = None
    cleared_by_haematology: bool = False


class WeightOut(Schema):
    id: UUID = Field(alias="public_id")
    weight_kg: Decimal
    measured_on: date


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
    dose: str
    started_on: date | None
    stopped_on: date | None


class ConditionOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    detail: str
    diagnosed_on: date | None
    resolved_on: date | None
    cleared_by_haematology: bool


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
    weights: list[WeightOut]
    allergies: list[AllergyOut]
    medications: list[MedicationOut]
    conditions: list[ConditionOut]


class MessageOut(Schema):
    message: str
