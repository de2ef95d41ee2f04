"""Bedside endpoints: verify one syringe, inject it, and what each target received. They
call the same service as the bedside page; the operation ids are those they had before."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.procedures import services
from marrowtrack.procedures.access import encounter_for_user
from marrowtrack.procedures.bedside import schemas, selectors
from marrowtrack.procedures.permissions import STEP

router = Router(tags=["procedures"])


@router.post(
    "/encounters/{uuid:public_id}/bedside-verifications",
    response={201: schemas.BedsideOut},
    operation_id="marrowtrack_procedures_api_bedside_verify",
)
def bedside_verify(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.BedsideIn):
    encounter = encounter_for_user(request.user, public_id, STEP)
    d = payload.dict()
    second = cosigner_authenticate(
        by=request.user,
        username=d.pop("second_username"),
        password=d["second_password"],
        totp=d["second_totp"],
        field="second_password",
    )
    return 201, services.bedside_verify(
        encounter=encounter, by=request.user, second_person=second, **d
    )


@router.post(
    "/encounters/{uuid:public_id}/injections",
    response={201: schemas.InjectionOut},
    operation_id="marrowtrack_procedures_api_injection_record",
)
def injection_record(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.InjectionIn
):
    encounter = encounter_for_user(request.user, public_id, STEP)
    data = payload.dict()
    scan, product = data.pop("syringe_scan"), data.pop("product_scan")
    return 201, services.injection_record(
        encounter=encounter, by=request.user, syringe_scan=scan, product_scan=product, data=data
    )


@router.get("/encounters/{uuid:public_id}/delivered", response=Page[schemas.DeliveredOut])
def delivered(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    """Volume, cells, platelets and CD34+ cells delivered to each site of the plan."""
    rows = selectors.delivered_per_target(encounter_for_user(request.user, public_id))
    return api_page(list(rows), page)
