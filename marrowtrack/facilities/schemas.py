from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ninja import Schema


class EquipmentOut(Schema):
    public_id: UUID
    name: str
    kind: str
    serial_number: str
    rotor_radius_cm: Decimal | None
    calibration_due: date | None
    active: bool


class KitLotOut(Schema):
    public_id: UUID
    device: str
    lot_number: str
    expires_on: date
    received_on: date
    quantity_received: int
    remaining: int
    status: str
