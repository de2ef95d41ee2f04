from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class EncounterOut(Schema):
    id: UUID = Field(alias="public_id")
    patient_mrn: str = Field(alias="patient.mrn")
    patient_id: UUID = Field(alias="patient.public_id")
    plan_id: UUID = Field(alias="plan.public_id")
    day: date
    state: str
    state_entered_at: datetime
    checked_in_at: datetime
    planned_minutes: int
    harvest_side: str
    kind: str


class CheckInIn(Schema):
    plan_id: UUID
    typed_name: str = Field(max_length=200)
    typed_dob: date
    temperature_c: Decimal = Field(
        max_digits=3, decimal_places=1, description="Today's temperature in °C (required)"
    )


class SignerIn(Schema):
    username: str
    password: str


class TransitionIn(Schema):
    to: str
    data: dict[str, Any] = {}
    signers: list[SignerIn] = []


class TimeOutRepeatIn(Schema):
    """A time-out held again: the checklist and prep agent in ``data``, and the signers."""

    data: dict[str, Any] = {}
    signers: list[SignerIn] = []


class TimeOutOut(Schema):
    id: UUID = Field(alias="public_id")
    number: int
    at: datetime
    checklist: dict[str, Any]


class LidocaineIn(Schema):
    """Any local anaesthetic (the route keeps its first name): ``agent`` defaults to
    lidocaine; ``percent`` must be one of the agent's strengths (``procedures.dosing``)."""

    agent: str = Field("lidocaine", max_length=20)
    percent: Decimal = Field(gt=0, le=10)
    ml: Decimal = Field(gt=0, le=100)
    with_epinephrine: bool = False
    site: str = Field(max_length=80)


class DoseOut(Schema):
    agent: str
    total_mg: Decimal
    limit_mg: Decimal
    remaining_mg: Decimal
    fraction_used: Decimal
    formula: str


class HarvestIn(Schema):
    side: str
    needle: str
    gauge: int
    punctures: int
    pulls: int | None = None
    ml_per_pull: Decimal | None = None
    dry_tap: bool = False
    aspirate_ml: Decimal
    anticoagulant: str
    anticoagulant_lot: str
    anticoagulant_ml: Decimal
    fluoroscopy_s: int | None = None
    air_kerma_mgy: Decimal | None = None
    kap_gy_cm2: Decimal | None = None
    started_at: datetime
    ended_at: datetime
    complications: str = ""
    # Only when the side is not the plan's: the physician's reason, signed by password.
    side_reason: str = Field("", max_length=300)
    side_password: str = ""
    side_totp: str | None = None


class HarvestOut(Schema):
    id: UUID = Field(alias="public_id")
    side: str = ""
    planned_side: str = ""
    side_reason: str = ""
    needle: str
    gauge: int
    punctures: int
    pulls: int | None
    ml_per_pull: Decimal | None
    dry_tap: bool
    aspirate_ml: Decimal
    anticoagulant: str
    anticoagulant_lot: str
    anticoagulant_ml: Decimal
    fluoroscopy_s: int | None
    air_kerma_mgy: Decimal | None
    kap_gy_cm2: Decimal | None
    started_at: datetime
    ended_at: datetime
    complications: str
    warnings: list[str]


class HarvestAmendIn(Schema):
    side: str
    reason: str = Field(max_length=300)
    password: str
    totp: str | None = None


class HarvestAmendmentOut(Schema):
    id: UUID = Field(alias="public_id")
    field: str
    old_value: str
    new_value: str
    reason: str
    at: datetime
    amended_by: str = Field(alias="amended_by.printed_name")


class NoteSignIn(Schema):
    password: str
    totp: str | None = None


class NoteOut(Schema):
    id: UUID = Field(alias="public_id")
    signed_at: datetime
    signed_by: str = Field(alias="signed_by.printed_name")
    content_sha256: str


class NoteAddendumIn(Schema):
    text: str = Field(max_length=4000)
    reason: str = Field(max_length=300)
    password: str
    totp: str | None = None


class NoteAddendumOut(Schema):
    id: UUID = Field(alias="public_id")
    at: datetime
    author: str = Field(alias="signature.printed_name")
    text: str
    reason: str


class ComparatorInjectionIn(Schema):
    drug: str
    dose_mg: Decimal | None = None
    dose_reason: str = Field("", max_length=300)
    volume_ml: Decimal
    lot: str = Field(max_length=40)
    lot_expires_on: date
    guidance: str
    target: str
    laterality: str
    target_level: str = Field("", max_length=20)
    given_at: datetime | None = None
    anaesthetic_percent: Decimal | None = Field(None, gt=0, le=10)
    anaesthetic_ml: Decimal | None = Field(None, gt=0, le=100)
    anaesthetic_epinephrine: bool = False


class ComparatorInjectionOut(Schema):
    id: UUID = Field(alias="public_id")
    encounter_id: UUID = Field(alias="encounter.public_id")
    drug: str
    dose_mg: Decimal | None
    dose_reason: str
    volume_ml: Decimal
    lot: str
    lot_expires_on: date
    guidance: str
    target: str
    laterality: str
    target_level: str
    given_at: datetime
