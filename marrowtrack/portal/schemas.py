"""Schemas of the portal API (a patient's own data, JSON)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class MeOut(Schema):
    id: UUID = Field(alias="public_id")
    given_name: str
    family_name: str
    preferred_language: str


class PortalCheckInOut(Schema):
    id: UUID = Field(alias="public_id")
    day: int
    on: date
    status: str
    level: str
    opens_at: datetime
    closes_at: datetime


class PortalCheckInIn(Schema):
    treated_pain: int
    harvest_pain: int | None = None
    temperature: Decimal | None = None
    temperature_unit: str = "C"
    feverish: bool = False
    redness: str = "none"
    swelling: str = "none"
    cannot_bear_weight: bool = False
    drainage: str = "none"
    bleeding: str = "none"
    new_numbness_or_weakness: bool = False
    signs: list[str] = []
    nsaids_taken: bool = False
    wants_call: bool = False
    note: str = ""
