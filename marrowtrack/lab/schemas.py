from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Schema
from pydantic import AfterValidator, Field

from marrowtrack.core.validators import PlainNotes, PlainText, validate_plain_text


def _scan(value: str) -> str:
    # A reader ends a scan with CR or LF: transport, not data. Anything else invisible is
    # refused like any other text (core.validators).
    text = value.strip()
    try:
        validate_plain_text(text)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return text


ScanText = Annotated[str, AfterValidator(_scan)]


class ContainerOut(Schema):
    id: UUID = Field(alias="public_id")
    din: str
    check_char: str
    product_code: str
    kind: str
    patient_mrn: str = Field(alias="patient.mrn")
    encounter_id: UUID = Field(alias="encounter.public_id")
    target: str
    laterality: str
    volume_ml: Decimal
    location: str
    status: str
    collected_at: datetime
    expires_at: datetime


class CustodyIn(Schema):
    din_scan: ScanText = Field(max_length=120)
    product_scan: ScanText = Field("", max_length=40)
    to_location: Literal["procedure_room", "lab", "in_transit"]
    receiver_username: PlainText = Field("", max_length=150)
    receiver_password: str = Field("", max_length=200)
    receiver_totp: str | None = Field(None, max_length=12)
    seal_intact: bool
    place: PlainText = Field("", max_length=80)


class ReturnIn(Schema):
    reason: PlainText = Field(max_length=300)


class CustodyOut(Schema):
    din: str = Field(alias="container.din")
    product_code: str = Field(alias="container.product_code")
    from_location: str
    to_location: str
    at: datetime
    place: str
    seal_intact: bool
    entry_method: str
    receipt: str


class RunIn(Schema):
    encounter_id: UUID
    kit_lot_id: UUID
    device: PlainText = Field("", max_length=80)
    centrifuge_id: UUID
    rpm: int | None = Field(None, ge=1, le=100_000)
    rcf_g: Decimal | None = Field(None, gt=0, le=20_000)
    spin_minutes: int = Field(ge=1, le=600)
    spins: int = Field(1, ge=1, le=10)
    brake: bool = True
    aspirate_ml: Decimal = Field(gt=0, le=1000)
    anticoagulant_ml: Decimal = Field(ge=0, le=500)
    concentrate_ml: Decimal = Field(gt=0, le=500)
    qc_sample_ml: Decimal = Field(Decimal(0), ge=0, le=50)
    count_unit: Literal["10e3_per_ul", "per_ul"] = "per_ul"
    pre_tnc_per_ul: Decimal = Field(ge=0, max_digits=12, decimal_places=3)
    post_tnc_per_ul: Decimal = Field(ge=0, max_digits=12, decimal_places=3)
    pre_plt_per_ul: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=3)
    post_plt_per_ul: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=3)
    pre_rbc_10e6_per_ul: Decimal | None = Field(None, ge=0, le=20)
    post_rbc_10e6_per_ul: Decimal | None = Field(None, ge=0, le=20)
    pre_hct_pct: Decimal | None = None
    post_hct_pct: Decimal | None = None
    pre_lymph_pct: Decimal | None = None
    pre_mono_pct: Decimal | None = None
    pre_gran_pct: Decimal | None = None
    post_lymph_pct: Decimal | None = None
    post_mono_pct: Decimal | None = None
    post_gran_pct: Decimal | None = None
    pre_cd34_per_ul: Decimal | None = Field(None, ge=0, le=1_000_000)
    post_cd34_per_ul: Decimal | None = Field(None, ge=0, le=1_000_000)
    viability_pct: Decimal | None = None
    started_at: datetime
    ended_at: datetime
    syringes: int = Field(1, ge=1, le=4, description="Syringes for each site of the plan")


class RunOut(Schema):
    """A processing run as stored: counts in the unit `count_unit` names."""

    id: UUID = Field(alias="public_id")
    encounter_id: UUID = Field(alias="encounter.public_id")
    device: str
    kit_lot_id: UUID | None = Field(default=None, alias="kit.public_id")
    kit_lot: str
    centrifuge_id: UUID = Field(alias="centrifuge.public_id")
    centrifuge: str = Field(alias="centrifuge.name")
    rpm: int | None
    rcf_g: Decimal
    spin_minutes: int
    spins: int
    brake: bool
    aspirate_ml: Decimal
    anticoagulant_ml: Decimal
    concentrate_ml: Decimal
    qc_sample_ml: Decimal
    count_unit: str
    pre_tnc_per_ul: Decimal
    post_tnc_per_ul: Decimal
    pre_plt_per_ul: Decimal | None
    post_plt_per_ul: Decimal | None
    pre_rbc_10e6_per_ul: Decimal | None
    post_rbc_10e6_per_ul: Decimal | None
    pre_hct_pct: Decimal | None
    post_hct_pct: Decimal | None
    pre_lymph_pct: Decimal | None
    pre_mono_pct: Decimal | None
    pre_gran_pct: Decimal | None
    post_lymph_pct: Decimal | None
    post_mono_pct: Decimal | None
    post_gran_pct: Decimal | None
    pre_cd34_per_ul: Decimal | None
    post_cd34_per_ul: Decimal | None
    viability_pct: Decimal | None
    started_at: datetime
    ended_at: datetime
    computed: dict[str, Any]
    qc_flags: list[str]
    status: str
    verification: str
    verification_scans: list[dict[str, str]]


class ReleaseIn(Schema):
    password: str = Field(max_length=200)
    totp: str | None = Field(None, max_length=12)
    verifier_username: PlainText = Field(max_length=150)
    verifier_password: str = Field(max_length=200)
    verifier_totp: str | None = Field(None, max_length=12)
    scans: list[Annotated[ScanText, Field(max_length=120)]] = Field(max_length=40)


class LateResultIn(Schema):
    kind: Literal["cfu_f", "cd34", "sterility", "other"]
    sample: Literal["", "aspirate", "concentrate"] = ""
    value: PlainText = Field("", max_length=40)
    unit: PlainText = Field("", max_length=20)
    colonies: int | None = Field(None, ge=0, le=100_000)
    cells_plated: int | None = Field(None, ge=1, le=10**10)
    note: PlainNotes = Field("", max_length=200)


class LateResultOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    sample: str
    value: str
    unit: str
    colonies: int | None
    cells_plated: int | None
    note: str
    computed: dict[str, Any]
    recorded_at: datetime


class TraceOut(Schema):
    patient_mrn: str
    patient_name: str
    injected_at: datetime
    din: str
    product_code: str
    kit_lot: str
    anticoagulant_lot: str
    centrifuge: str
