from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from marrowtrack.core.validators import PlainText
from marrowtrack.intake.models import Laterality, Target
from marrowtrack.lab.schemas import ScanText

TargetCode = Literal[tuple(Target.values)]  # type: ignore[valid-type]
SideCode = Literal[tuple(Laterality.values)]  # type: ignore[valid-type]


class BedsideIn(Schema):
    password: str = Field(max_length=200)
    totp: str | None = Field(None, max_length=12)
    second_username: PlainText = Field(max_length=150)
    second_password: str = Field(max_length=200)
    second_totp: str | None = Field(None, max_length=12)
    wristband_scan: ScanText = Field(max_length=80)
    syringe_scan: ScanText = Field(max_length=120)
    product_scan: ScanText = Field("", max_length=40)
    target: TargetCode
    laterality: SideCode
    patient_confirmed_identity: bool


class BedsideOut(Schema):
    id: UUID = Field(alias="public_id")
    accepted: bool
    refusal: str
    entry_method: str
    din: str | None = Field(None, alias="container.din")
    product_code: str | None = Field(None, alias="container.product_code")


class InjectionIn(Schema):
    syringe_scan: ScanText = Field(max_length=120)
    product_scan: ScanText = Field("", max_length=40)
    target: TargetCode
    laterality: SideCode
    target_level: PlainText = Field("", max_length=20)
    guidance: Literal["us", "fluoro", "landmark"]
    volume_ml: Decimal = Field(gt=0, le=60)
    co_injectate: PlainText = Field("", max_length=120)
    anaesthetic_percent: Decimal | None = Field(None, gt=0, le=10)
    anaesthetic_ml: Decimal | None = Field(None, gt=0, le=20)
    started_at: datetime
    ended_at: datetime


class InjectionOut(Schema):
    id: UUID = Field(alias="public_id")
    din: str = Field(alias="container.din")
    product_code: str = Field(alias="container.product_code")
    target: str
    laterality: str
    target_level: str
    guidance: str
    volume_ml: Decimal
    co_injectate: str
    started_at: datetime
    ended_at: datetime


class DeliveredOut(Schema):
    site: str
    syringes: int
    volume_ml: Decimal
    tnc: str
    platelets: str
    cd34: str
