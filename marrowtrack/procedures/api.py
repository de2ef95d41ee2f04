"""Procedure-day endpoints: the same services as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Query, Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.procedures import schemas, selectors, services
from marrowtrack.procedures.access import VIEW, encounter_for_user
from marrowtrack.procedures.permissions import EVIDENCE, STEP
from marrowtrack.procedures.services import note as note_services
from marrowtrack.procedures.services.comparator import (
    comparator_injection_record as comparator_injection_record_service,
)

router = Router(tags=["procedures"])


@router.get("/encounters", response=Page[schemas.EncounterOut])
def encounter_list(
    request: AuthenticatedHttpRequest, page: Query[PageQuery], day: date | None = None
):
    require_perm(request.user, VIEW)
    clinic = request.user.clinic
    encounters = selectors.encounters_on(clinic=clinic, day=day or clock.today(clinic))
    return api_page(encounters, page)


@router.post("/encounters", response={201: schemas.EncounterOut})
def encounter_check_in(request: AuthenticatedHttpRequest, payload: schemas.CheckInIn):
    require_perm(request.user, STEP)
    plan = TreatmentPlan.objects.filter(
        public_id=payload.plan_id, patient__clinic_id=request.user.clinic_id
    ).first()
    if plan is None:
        raise Http404("No such plan.")
    return 201, services.encounter_check_in(
        plan=plan,
        by=request.user,
        typed_name=payload.typed_name,
        typed_dob=payload.typed_dob,
        temperature_c=payload.temperature_c,
    )


@router.get("/encounters/{uuid:public_id}", response=schemas.EncounterOut)
def encounter_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return encounter_for_user(request.user, public_id)


def _data(
    request: AuthenticatedHttpRequest,
    payload: schemas.TransitionIn | schemas.TimeOutRepeatIn,
) -> dict[str, Any]:
    data = dict(payload.data)
    if payload.signers:
        data["signers"] = services.signers_resolve(
            clinic=request.user.clinic, entries=[s.dict() for s in payload.signers]
        )
    return data


@router.post("/encounters/{uuid:public_id}/transitions", response=schemas.EncounterOut)
def encounter_transition(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.TransitionIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    return services.encounter_transition(
        encounter=encounter, to=payload.to, by=request.user, data=_data(request, payload)
    )


@router.post("/encounters/{uuid:public_id}/timeouts/repeat", response={201: schemas.TimeOutOut})
def timeout_repeat(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.TimeOutRepeatIn
):
    """Hold the last time-out again after the patient's record changed (ADR 0024): the
    ``data`` and ``signers`` of a time-out step."""
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, services.timeout_repeat(
        encounter=encounter, by=request.user, data=_data(request, payload)
    )


@router.post("/encounters/{uuid:public_id}/lidocaine", response={201: schemas.DoseOut})
def lidocaine_give(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.LidocaineIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, services.anaesthetic_give(encounter=encounter, by=request.user, **payload.dict())


@router.post("/encounters/{uuid:public_id}/harvest", response={201: schemas.HarvestOut})
def harvest_record(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.HarvestIn):
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, services.harvest_record(encounter=encounter, by=request.user, data=payload.dict())


@router.post(
    "/encounters/{uuid:public_id}/harvest/amendments", response={201: schemas.HarvestAmendmentOut}
)
def harvest_amend(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.HarvestAmendIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    harvest = getattr(encounter, "harvest", None)
    if harvest is None:
        raise Http404("No harvest recorded for this procedure day.")
    return 201, services.harvest_side_amend(harvest=harvest, by=request.user, **payload.dict())


@router.post("/encounters/{uuid:public_id}/note/signature", response={201: schemas.NoteOut})
def procedure_note_sign(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.NoteSignIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, note_services.procedure_note_sign(
        encounter=encounter, by=request.user, **payload.dict()
    )


@router.post("/encounters/{uuid:public_id}/note/addenda", response={201: schemas.NoteAddendumOut})
def procedure_note_addendum(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.NoteAddendumIn
):
    """A signed correction to the signed procedure note (the note stays as signed)."""
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, note_services.procedure_note_addendum_sign(
        encounter=encounter, by=request.user, **payload.dict()
    )


@router.post(
    "/encounters/{uuid:public_id}/comparator-injection",
    response={201: schemas.ComparatorInjectionOut},
)
def comparator_injection_record(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ComparatorInjectionIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    return 201, comparator_injection_record_service(
        encounter=encounter, by=request.user, data=payload.dict()
    )


@router.get("/encounters/{uuid:public_id}/evidence", response=dict[str, Any])
def evidence(request: AuthenticatedHttpRequest, public_id: UUID):
    encounter = encounter_for_user(request.user, public_id, EVIDENCE)
    facts = selectors.evidence_summary(encounter)
    return {k: (str(v) if isinstance(v, date) else v) for k, v in facts.items()}
