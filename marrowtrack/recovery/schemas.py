"""Schemas of the recovery API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from marrowtrack.core.versioning import MAX_VERSION, VERSION_HELP

# The adverse-event vocabularies of `recovery.adverse` (the model's choices), written out so
# mypy checks them; api/tests/test_vocabulary.py fails when they part.
EventType = Literal[
    "harvest_site_pain",
    "haematoma",
    "bleeding",
    "infection",
    "septic_arthritis",
    "flare_prolonged",
    "vasovagal",
    "anaesthetic_toxicity",
    "allergic_reaction",
    "nerve_irritation",
    "pdph",
    "other",
]
EventSite = Literal["harvest", "target", "systemic"]
Relatedness = Literal["unrelated", "unlikely", "possible", "probable", "definite"]
Outcome = Literal[
    "recovered", "recovering", "not_recovered", "recovered_with_sequelae", "fatal", "unknown"
]


class TaskOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    level: str
    reason: str
    due_at: datetime
    status: str
    patient: UUID
    checkin_day: int
    resolution_note: str

    @staticmethod
    def resolve_patient(obj) -> UUID:  # noqa: ANN001
        return obj.course.patient.public_id

    @staticmethod
    def resolve_checkin_day(obj) -> int:  # noqa: ANN001
        return obj.checkin.day


class ResolveIn(Schema):
    note: str


class CheckInOut(Schema):
    id: UUID = Field(alias="public_id")
    day: int
    on: date
    status: str
    level: str
    findings: list[dict]
    answers: dict
    note: str


class AdverseEventIn(Schema):
    event_type: EventType
    event_type_other: str = ""
    site: EventSite
    onset_on: date
    grade: int
    serious: bool = False
    serious_criteria: list[str] = []
    relatedness: Relatedness
    actions: list[str] = []
    actions_detail: str = ""
    outcome: Outcome
    resolved_on: date | None = None
    description: str


class AdverseEventUpdateIn(AdverseEventIn):
    version: int = Field(ge=1, le=MAX_VERSION, description=VERSION_HELP)


class AdverseEventOut(AdverseEventIn):
    id: UUID = Field(alias="public_id")
    status: str
    version: int
    patient: UUID
    plan: UUID

    @staticmethod
    def resolve_patient(obj) -> UUID:  # noqa: ANN001
        return obj.patient.public_id

    @staticmethod
    def resolve_plan(obj) -> UUID:  # noqa: ANN001
        return obj.plan.public_id


class SignIn(Schema):
    password: str
    totp: str | None = None


class AddendumIn(Schema):
    text: str
    outcome: Outcome | Literal[""] = ""
    resolved_on: date | None = None


class AddendumOut(Schema):
    id: UUID = Field(alias="public_id")
    text: str
    outcome: str
    resolved_on: date | None
    at: datetime
