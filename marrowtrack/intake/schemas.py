"""API schemas for intake. Types and lengths here; clinical rules in the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from marrowtrack.core.versioning import MAX_VERSION, VERSION_HELP

Condition = Literal["knee_oa", "facet", "shoulder", "si_joint", "ra", "other"]
Target = Literal[
    "knee",
    "hip",
    "glenohumeral",
    "subacromial",
    "rotator_cuff",
    "elbow",
    "wrist_hand",
    "ankle_foot",
    "si_joint",
    "facet",
    "disc",
    "other",
]
PriorSite = Target | Literal["epidural"]
Laterality = Literal["left", "right", "bilateral", "midline"]
HarvestSide = Literal["left", "right", "bilateral", ""]
HarvestAnticoagulant = Literal["acd_a", "heparin", ""]
Treatment = Literal["bmac", "bmac_prp", "csi", "nerve_block", "prp", "ha", "exercise"]
Guidance = Literal["us", "fluoro", "landmark", ""]


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class PlanIn(StrictIn):
    condition: Condition
    target: Target
    target_level: str = Field(default="", max_length=20)
    laterality: Laterality
    harvest_side: HarvestSide = ""
    harvest_anticoagulant: HarvestAnticoagulant = ""
    symptom_duration_months: int | None = Field(default=None, ge=0, le=1200)
    kellgren_lawrence_grade: int | None = Field(default=None, ge=0, le=4)
    severity_notes: str = Field(default="", max_length=300)
    treatment: Treatment
    previous_plan: UUID | None = None
    guidance: Guidance = ""
    injectate_drug: str = Field(default="", max_length=120)
    dose_mg: Decimal | None = Field(default=None, gt=0, max_digits=7, decimal_places=2)
    volume_ml: Decimal | None = Field(default=None, gt=0, max_digits=6, decimal_places=2)
    anaesthetic: str = Field(default="", max_length=120)
    anticoagulant_plan: str = Field(default="", max_length=2000)
    fasting_note: str = Field(default="", max_length=200)


class PlanPatch(StrictIn):
    """The fields to change (any of PlanIn's) and the `version` read."""

    condition: Condition | None = None
    target: Target | None = None
    target_level: str | None = Field(default=None, max_length=20)
    laterality: Laterality | None = None
    harvest_side: HarvestSide | None = None
    harvest_anticoagulant: HarvestAnticoagulant | None = None
    symptom_duration_months: int | None = Field(default=None, ge=0, le=1200)
    kellgren_lawrence_grade: int | None = Field(default=None, ge=0, le=4)
    severity_notes: str | None = Field(default=None, max_length=300)
    treatment: Treatment | None = None
    previous_plan: UUID | None = None
    guidance: Guidance | None = None
    injectate_drug: str | None = Field(default=None, max_length=120)
    dose_mg: Decimal | None = Field(default=None, gt=0, max_digits=7, decimal_places=2)
    volume_ml: Decimal | None = Field(default=None, gt=0, max_digits=6, decimal_places=2)
    anaesthetic: str | None = Field(default=None, max_length=120)
    anticoagulant_plan: str | None = Field(default=None, max_length=2000)
    fasting_note: str | None = Field(default=None, max_length=200)
    version: int = Field(ge=1, le=MAX_VERSION, description=VERSION_HELP)


class PriorIn(StrictIn):
    kind: Literal["injection", "physiotherapy", "surgery", "other"]
    drug: Literal["corticosteroid", "ha", "prp", "other", ""] = ""
    given_on: date | None = None
    target: PriorSite | Literal[""] = ""
    laterality: Laterality | Literal[""] = ""
    notes: str = Field(default="", max_length=300)


class LabValueIn(StrictIn):
    test: Literal["platelets", "inr"]
    value: Decimal = Field(ge=0, max_digits=7, decimal_places=2)
    taken_on: date


class PriorOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    drug: str
    given_on: date | None
    target: str
    laterality: str
    notes: str


class LabValueOut(Schema):
    id: UUID = Field(alias="public_id")
    test: str
    value: Decimal
    unit: str
    taken_on: date


class PlanOut(Schema):
    id: UUID = Field(alias="public_id")
    patient: UUID = Field(alias="patient.public_id")
    condition: str
    target: str
    target_level: str
    laterality: str
    harvest_side: str
    harvest_anticoagulant: str
    symptom_duration_months: int | None
    kellgren_lawrence_grade: int | None
    severity_notes: str
    treatment: str
    status: str
    hard_stop_overridden: bool
    previous_plan: UUID | None = Field(default=None, alias="previous_plan.public_id")
    guidance: str
    injectate_drug: str
    dose_mg: Decimal | None
    volume_ml: Decimal | None
    anaesthetic: str
    anticoagulant_plan: str
    fasting_note: str
    created_at: datetime
    version: int


class ScreeningOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    temperature_c: Decimal | None
    outcome: str
    findings: list[dict[str, Any]]
    ruleset_version: str
    ruleset_sha256: str
    screened_on: date
    reference_date: date


class DecisionIn(StrictIn):
    verdict: Literal["approve", "decline"]
    rationale: str = Field(default="", max_length=2000)
    override_reason: str = Field(default="", max_length=2000)
    password: str = Field(min_length=1)
    totp: str | None = None


class DecisionOut(Schema):
    id: UUID = Field(alias="public_id")
    verdict: str
    overrides_hard_stops: bool
    override_reason: str
    rationale: str
    ruleset_version: str
    signed_by: str = Field(alias="signature.printed_name")
    signed_at: datetime = Field(alias="signature.signed_at")


class DayCheckIn(StrictIn):
    temperature_c: Decimal = Field(max_digits=3, decimal_places=1)


class HoldIn(StrictIn):
    medication: UUID
    last_dose_on: date
    restart_on: date | None = None
    procedure_on: date | None = None  # default: the plan's booked day
    prescriber: str = Field(min_length=1, max_length=120)
    note: str = Field(default="", max_length=300)
    password: str = Field(min_length=1)
    totp: str | None = None


class HoldOut(Schema):
    id: UUID = Field(alias="public_id")
    medication: UUID = Field(alias="medication.public_id")
    medication_name: str = Field(alias="medication.name")
    last_dose_on: date
    restart_on: date | None
    procedure_on: date | None
    prescriber: str
    note: str
    signed_by: str = Field(alias="signature.printed_name")
    signed_at: datetime = Field(alias="signature.signed_at")


class ConsentOut(Schema):
    id: UUID = Field(alias="public_id")
    plan: UUID = Field(alias="plan.public_id")
    status: str
    plan_snapshot: dict[str, Any]
    document_version: int = Field(alias="document.version")
    document_title: str = Field(alias="document.title")
    patient_typed_name: str
    patient_signed_at: datetime | None
    invalidated_reason: str = Field(alias="invalidated_reason_in_words")


class PatientSignIn(StrictIn):
    typed_name: str = Field(min_length=1, max_length=200)
    signature: str = Field(min_length=1, max_length=400_000)


class WitnessIn(StrictIn):
    """The witness: the token's user, or the colleague named by ``username`` (their own
    password); never the staff member who presented the consent."""

    password: str = Field(min_length=1)
    totp: str | None = None
    username: str = Field(default="", max_length=150)


class AppointmentIn(StrictIn):
    starts_at: datetime
    room: UUID
    physician: UUID
    nurse: UUID
    centrifuge: UUID | None = None
    lab_tech: UUID | None = None
    # A physician's reason for a second needle procedure of the patient that day.
    same_day_reason: str = Field(default="", max_length=300)


class RescheduleIn(AppointmentIn):
    reason: str = Field(min_length=1, max_length=200)


class TreatedIn(StrictIn):
    on: date
    note: str = Field(default="", max_length=300)


class CancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=200)


class AppointmentOut(Schema):
    id: UUID = Field(alias="public_id")
    plan: UUID = Field(alias="plan.public_id")
    kind: str
    status: str
    status_reason: str
    starts_at: datetime
    ends_at: datetime
    room: UUID = Field(alias="room.public_id")
    room_name: str = Field(alias="room.name")
    physician: UUID = Field(alias="physician.public_id")
    nurse: UUID | None = Field(default=None, alias="nurse.public_id")
    centrifuge: UUID | None = Field(default=None, alias="centrifuge.public_id")
    lab_tech: UUID | None = Field(default=None, alias="lab_tech.public_id")
    same_day_reason: str


class RuleSetIn(StrictIn):
    json_text: str = Field(alias="json", min_length=2)


class RuleSetOut(Schema):
    version: str
    sha256: str
    json_text: str = Field(alias="json")
