"""API schemas of the outcomes app."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal
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
    widget: str = Field(description="choice, scale or vertical_scale (the EQ VAS)")
    labels: list[tuple[int, str]] = Field(description="This item's own response options")


class ScoreKeyOut(Schema):
    key: str
    label: str
    higher_is_better: bool
    places: int
    low: float
    high: float


class InstrumentOut(Schema):
    code: str
    name: str
    version: str
    licence: str
    recall_period: str | None
    rule_version: str
    missing_rule: str
    derived_from: str | None
    derives: list[str] = Field(description="Instruments scored from this one's answers")
    convention: str
    text_note: str
    items: list[ItemOut]
    score_keys: list[ScoreKeyOut]


class FollowUpOut(Schema):
    id: UUID = Field(alias="public_id")
    timepoint: str
    target_on: date
    opens_on: date
    closes_on: date | None = Field(description="Empty for a baseline until the procedure")
    closes_at: datetime | None = Field(description="Baseline: the instant the procedure started")
    status: str = Field(description="scheduled, due, completed, missed, not_applicable, withdrawn")
    censored_reason: str
    schedule_version: str


class ResponseOut(Schema):
    id: UUID = Field(alias="public_id")
    instrument: str
    instrument_version: str
    timepoint: str | None = Field(description="Empty when answered out of window")
    asked_for: str = Field(description="The time point the link or form was for")
    out_of_window: bool
    answered_at: datetime | None
    source: str
    status: str
    verification: str
    wording: str = Field(description="text_pack, licensed_paper, product_labels, not_recorded")
    text_pack: UUID | None = Field(
        default=None, alias="text_pack.public_id", description="The installed pack's id"
    )
    form_version: str = Field(description="Pack id and version, or the paper form's version")
    validated_wording: bool = Field(description="False: left out of figures unless included")
    answers: dict[str, Any]
    scores: dict[str, Any]
    rule_version: str


class TranscriptionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    instrument: str = Field(max_length=20)
    answers: dict[str, Any]
    answered_on: date
    answered_time: time | None = Field(None, description="The time written on the form, if any")
    wording: Literal["text_pack", "licensed_paper", "product_labels"] = Field(
        description="The form used: an installed text pack, another licensed paper form, or "
        "MarrowTrack's own labels (unvalidated wording)"
    )
    text_pack: UUID | None = Field(None, description="The pack's id, for wording=text_pack")
    form_version: str = Field("", max_length=120, description="For wording=licensed_paper")


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
    label: str = Field(description="The score in words")
    baseline: float | None
    follow_up: float | None
    change: float | None
    percent_improvement: float | None
    meaningful: bool | None
    criteria: dict[str, bool | None] = Field(
        description="Each criterion separately, e.g. NPRS points and percent"
    )
    rule: str


class OarsiOut(Schema):
    responder: bool
    criterion: str | None
    improved_domains: list[str]
    rule: str
    mapping: str


class TimepointRespondersOut(Schema):
    timepoint: str
    label: str
    changes: list[ChangeOut]
    oarsi: OarsiOut | None
    oarsi_note: str
    pgic_responder: bool | None = Field(description="PGIC responders (not OMERACT-OARSI)")
    left_out_unvalidated: int = Field(description="Responses on unvalidated wording left out")


class ReinterventionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["repeat_injection", "surgery", "arthroplasty"]
    performed_on: date
    source: Literal["survey_answer", "staff", "imported"]
    response: UUID | None = Field(None, description="The survey response, for survey_answer")
    target: str = Field("", max_length=20, description="Default: the plan's target")
    laterality: str = Field("", max_length=10, description="Default: the plan's side")
    detail: str = Field("", max_length=300)


class ReinterventionOut(Schema):
    id: UUID = Field(alias="public_id")
    response: UUID | None = Field(
        default=None, alias="response.public_id", description="The answer that reported it"
    )
    kind: str
    performed_on: date
    target: str
    laterality: str
    source: str
    detail: str
