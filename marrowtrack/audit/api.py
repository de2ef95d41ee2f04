"""Audit trail endpoints."""

from datetime import date, datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from marrowtrack.audit.selectors import AuditFilter, audit_events
from marrowtrack.core.access import require_perm
from marrowtrack.core.pagination import Page, PageQuery, api_page

router = Router(tags=["audit"])


class AuditQuery(Schema):
    actor: str = Field(default="", max_length=150)
    action: str = Field(default="", max_length=20)
    name: str = Field(default="", max_length=80)
    entity: str = Field(default="", max_length=80)
    patient_id: UUID | None = None
    mrn: str = Field(default="", max_length=20)
    date_from: date | None = None
    date_to: date | None = None


class AuditEventOut(Schema):
    chain: str = Field(alias="chain.key")
    sequence: int
    occurred_at: datetime
    actor_label: str
    action: str
    name: str
    entity: str
    entity_id: str
    patient_id: str
    changes: dict
    extra: dict
    reason: str
    entry_hash: str


@router.get("/events", response=Page[AuditEventOut])
def audit_event_list(request: HttpRequest, query: Query[AuditQuery], page: Query[PageQuery]):
    """The clinic's trail, newest first. `changes` is `{field: {"old", "new"}}`; `extra`
    holds the entry's other facts; `name` says what happened (e.g. `encounter.transition`),
    `action` is its category. Keyset pages (`cursor` = the previous page's `next`); `limit`
    is at most 500."""
    require_perm(request.user, "audit.view_auditevent")
    values = query.dict()
    values["patient_id"] = str(values["patient_id"] or "")
    return api_page(audit_events(clinic=request.user.clinic, filters=AuditFilter(**values)), page)
