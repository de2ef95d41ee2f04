from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class ContainerOut(Schema):
    public_id: UUID
    din: str
    check_char: str
    kind: str
    patient_mrn: str = Field(alias="patient.mrn")
    encounter_id: UUID = Field(alias="encounter.public_id")
    volume_ml: Decimal
    location: str
    status: str
    collected_at: datetime
    expires_at: datetime


class CustodyIn(Schema):
    scan: str = Field(max_length=40)
    to_location: str
    received_by: str
    seal_intact: bool
    place: str = ""


class CustodyOut(Schema):
    din: str = Field(alias="container.din")
    from_location: str
    to_location: str
    at: datetime
    place: str
    seal_intact: bool


class RunIn(Schema):
    encounter_id: UUID
    device: str
    kit_lot: str
    kit_expires_on: date
    centrifuge_id: UUID
    rpm: int | None = None
    rcf_g: Decimal | None = None
    spin_minutes: int
    spins: int = 1
    brake: bool = True
    aspirate_ml: Decimal
    anticoagulant_ml: Decimal
    concentrate_ml: Decimal
    qc_sample_ml: Decimal = Decimal(0)
    pre_tnc_per_ul: Decimal
    post_tnc_per_ul: Decimal
    pre_plt_per_ul: Decimal | None = None
    post_plt_per_ul: Decimal | None = None
    pre_hct_pct: Decimal | None = None
    post_hct_pct: Decimal | None = None
    post_cd34_per_ul: Decimal | None = None
    viability_pct: Decimal | None = None
    started_at: datetime
    ended_at: datetime
    syringes: int = 1


class RunOut(Schema):
    public_id: UUID
    encounter_id: UUID = Field(alias="encounter.public_id")
    device: str
    kit_lot: str
    centrifuge: str = Field(alias="centrifuge.name")
    rcf_g: Decimal
    computed: dict[str, Any]
    qc_flags: list[str]
    status: str
    verification: str


class ReleaseIn(Schema):
    password: str
    verifier_username: str = ""
    verifier_password: str = ""
    scans: list[str] = []


class LateResultIn(Schema):
    kind: str
    value: str
    unit: str
    note: str = ""


class LateResultOut(Schema):
    kind: str
    value: str
    unit: str
    recorded_at: datetime


class TraceOut(Schema):
    patient_mrn: str
    patient_name: str
    injected_at: datetime
    din: str
    kit_lot: str
    anticoagulant_lot: str
    centrifuge: str
