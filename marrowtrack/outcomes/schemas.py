"""API schemas of the outcomes app."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field


class ItemOut(Schema):
    code: str
    text: str
    minimum: int
    maximum: int
    subscale: str
    decimals: int
    labels: list[tuple[int, str]]


class ScoreKeyOut(Schema):
    key: str
    higher_is_better: bool
    places: int


class InstrumentOut(Schema):
    code: str
    name: str
    version: str
    licence: str
    recall_period: str | None
    rule_version: str
    missing_rule: str
    derived_from: str | None
    items: list[ItemOut]
    score_keys: list[ScoreKeyOut]


class FollowUpOut(Schema):
    public_id: UUID
    timepoint: str
    target_on: date
    opens_on: date
    closes_on: date
    status: str = Field(description="scheduled, due, completed, missed, not_applicable, withdrawn")
    censored_reason: str
    schedule_version: str


class ResponseOut(Schema):
    public_id: UUID
    instrument: str
    instrument_version: str
    timepoint: str | None
    answered_at: datetime | None
    source: str
    status: str
    verification: str
    answers: dict[str, Any]
    scores: dict[str, Any]
    rule_version: str


class TranscriptionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    instrument: str = Field(max_length=20)
    answers: dict[str, Any]
    answered_on: date


class DoubleEntryIn(Schema):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any]


class CompletenessOut(Schema):
    timepoint: str
    label: str
    counts: dict[str, int]
    percent: int | None


class ChangeOut(Schema):
    instrument: str
    score_key: str
    baseline: float | None
    follow_up: float | None
    change: float | None
    percent_improvement: float | None
    meaningful: bool | None
    rule: str


class OarsiOut(Schema):
    responder: bool
    criterion: str | None
    improved_domains: list[str]
    rule: str
    mapping: str


class TimepointRespondersOut(Schema):
    timepoint: str
    changes: list[ChangeOut]
    oarsi: OarsiOut | None
