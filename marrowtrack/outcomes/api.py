"""Outcomes endpoints: the scoring calculator, follow-ups, responses and responders."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Query, Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.outcomes import analysis, scoring, selectors
from marrowtrack.outcomes import schemas as s
from marrowtrack.outcomes.access import plan_for_user, response_for_user
from marrowtrack.outcomes.models import TextPack
from marrowtrack.outcomes.presenters import change_out, instrument_out, score_payload
from marrowtrack.outcomes.services import reinterventions as reintervention_services
from marrowtrack.outcomes.services import responses as response_services

router = Router(tags=["outcomes"])
WRITE = "outcomes.add_surveyresponse"
VERIFY = "outcomes.verify_surveyresponse"


@router.get("/instruments", response=Page[s.InstrumentOut])
def instrument_list(request: AuthenticatedHttpRequest, page: Query[PageQuery]):
    require_perm(request.user)
    return api_page([instrument_out(d) for d in scoring.instrument_list()], page)


@router.post("/score/{instrument}")
def score(request: AuthenticatedHttpRequest, instrument: str) -> Any:
    """Score a JSON object of item -> value, or an array of them (422 names the item)."""
    require_perm(request.user, "outcomes.score_answers")
    if instrument.upper() not in {d.code for d in scoring.instrument_list()}:
        raise Http404("Unknown instrument.")
    try:
        body = json.loads(request.body or b"null")
    except ValueError as exc:
        raise ValidationFailed({"body": [f"not valid JSON: {exc}"]}) from exc
    return score_payload(instrument.upper(), body)


@router.get("/plans/{uuid:plan_id}/followups", response=Page[s.FollowUpOut])
def plan_followups(request: AuthenticatedHttpRequest, plan_id: UUID, page: Query[PageQuery]):
    plan = plan_for_user(request.user, plan_id, "outcomes.view_followup")
    rows = selectors.plan_followups(plan=plan, today=clock.today(plan.patient.clinic))
    return api_page([{**_fields(f), "status": f.shown_status} for f in rows], page)


def _fields(followup: Any) -> dict[str, Any]:
    names = ["public_id", "timepoint", "target_on", "opens_on", "closes_on", "closes_at"]
    return {
        name: getattr(followup, name) for name in [*names, "censored_reason", "schedule_version"]
    }


@router.get("/plans/{uuid:plan_id}/responses", response=Page[s.ResponseOut])
def plan_responses(request: AuthenticatedHttpRequest, plan_id: UUID, page: Query[PageQuery]):
    plan = plan_for_user(request.user, plan_id)
    return api_page(list(plan.responses.order_by("answered_at", "instrument")), page)


@router.post("/plans/{uuid:plan_id}/responses", response={201: s.ResponseOut})
def transcribe(request: AuthenticatedHttpRequest, plan_id: UUID, payload: s.TranscriptionIn):
    """Type in a paper form; name the form it was written on (its wording and version)."""
    plan = plan_for_user(request.user, plan_id, WRITE)
    data = payload.dict()
    form = response_services.FormWording(
        data.pop("wording"), _text_pack(data.pop("text_pack")), data.pop("form_version")
    )
    response = response_services.response_transcribe(plan=plan, by=request.user, form=form, **data)
    return 201, response


def _text_pack(public_id: UUID | None) -> TextPack | None:
    if public_id is None:
        return None
    found = TextPack.objects.filter(public_id=public_id).first()
    if found is None:
        raise ValidationFailed({"text_pack": ["No installed text pack with this id."]})
    return found


@router.post("/responses/{uuid:public_id}/verify", response=s.ResponseOut)
def verify(request: AuthenticatedHttpRequest, public_id: UUID):
    response = response_for_user(request.user, public_id, VERIFY)
    return response_services.response_verify(response=response, by=request.user)


@router.post("/responses/{uuid:public_id}/double-entry", response=s.ResponseOut)
def double_entry(request: AuthenticatedHttpRequest, public_id: UUID, payload: s.DoubleEntryIn):
    response = response_for_user(request.user, public_id, WRITE)
    return response_services.response_double_entry(
        response=response, answers=payload.answers, by=request.user
    )


@router.get("/plans/{uuid:plan_id}/responders", response=Page[s.TimepointRespondersOut])
def plan_responders(
    request: AuthenticatedHttpRequest,
    plan_id: UUID,
    page: Query[PageQuery],
    include_unvalidated: bool = False,
):
    """Change from baseline; responses on unvalidated wording only when asked to include them."""
    plan = plan_for_user(request.user, plan_id)
    rows = analysis.plan_responders(plan=plan, include_unvalidated=include_unvalidated)
    return api_page([change_out(row) for row in rows], page)


@router.get("/completeness", response=Page[s.CompletenessOut])
def completeness(request: AuthenticatedHttpRequest, page: Query[PageQuery]):
    require_perm(request.user, "outcomes.view_followup")
    clinic = request.user.clinic
    rows = selectors.completeness(clinic=clinic, today=clock.today(clinic))
    return api_page([{**vars(r), "percent": r.percent} for r in rows], page)


@router.get("/plans/{uuid:plan_id}/reinterventions", response=Page[s.ReinterventionOut])
def plan_reinterventions(request: AuthenticatedHttpRequest, plan_id: UUID, page: Query[PageQuery]):
    plan = plan_for_user(request.user, plan_id)
    return api_page(list(selectors.plan_reinterventions(plan=plan)), page)


@router.post("/plans/{uuid:plan_id}/reinterventions", response={201: s.ReinterventionOut})
def reintervention_add(
    request: AuthenticatedHttpRequest, plan_id: UUID, payload: s.ReinterventionIn
):
    """Record a repeat injection, surgery or arthroplasty of the plan's target."""
    plan = plan_for_user(request.user, plan_id, "outcomes.add_reintervention")
    data = payload.dict()
    chosen = data.pop("response")
    response = None
    if chosen is not None:
        response = selectors.submitted_responses(plan=plan).filter(public_id=chosen).first()
        if response is None:
            raise ValidationFailed(
                {"response": ["No submitted response of this plan has this id."]}
            )
    row = reintervention_services.reintervention_record(
        plan=plan, by=request.user, response=response, **data
    )
    return 201, row
