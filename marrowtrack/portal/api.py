"""The portal API: the signed-in patient's own check-ins, by the portal session cookie
(never a staff token). Another patient's id answers 404, as on the pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja import Query, Router
from ninja.security import APIKeyCookie

from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.portal import schemas
from marrowtrack.portal.access import COOKIE, own_checkin
from marrowtrack.portal.services import session_for_key
from marrowtrack.recovery.selectors import checkins_for_patient
from marrowtrack.recovery.services.checkins import checkin_submit


class PortalSessionAuth(APIKeyCookie):
    """The portal cookie; unsafe methods also need the CSRF token, as a form would."""

    param_name = COOKIE

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        session = session_for_key(key or "")
        if session is None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                return None
        request.patient = session.patient  # type: ignore[attr-defined]
        return session.patient


router = Router(tags=["portal"], auth=PortalSessionAuth(csrf=False))


@router.get("/me", response=schemas.MeOut)
def me(request: HttpRequest):
    return request.patient


@router.get("/checkins", response=Page[schemas.PortalCheckInOut])
def checkin_list(request: HttpRequest, page: Query[PageQuery]):
    return api_page(list(checkins_for_patient(patient=request.patient)), page)


@router.get("/checkins/{uuid:public_id}", response=schemas.PortalCheckInOut)
def checkin_read(request: HttpRequest, public_id: UUID):
    return own_checkin(request.patient, public_id)


@router.post("/checkins/{uuid:public_id}", response=schemas.PortalCheckInOut)
def checkin_answer(request: HttpRequest, public_id: UUID, payload: schemas.PortalCheckInIn):
    return checkin_submit(checkin=own_checkin(request.patient, public_id), data=payload.dict())
