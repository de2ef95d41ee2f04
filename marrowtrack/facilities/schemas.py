from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class EquipmentOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    kind: str
    serial_number: str
    rotor_radius_cm: Decimal | None
    calibration_due: date | None
    active: bool


class KitLotOut(Schema):
    id: UUID = Field(alias="public_id")
    device: str
    lot_number: str
    expires_on: date
    received_on: date
    quantity_received: int
    remaining: int
    status: str
