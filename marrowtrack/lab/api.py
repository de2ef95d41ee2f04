"""Lab endpoints on lab records: a specimen, products, custody scans, a processing run and
its late results. Endpoints that act on a procedure day are ``procedures.lab_api``, mounted
under the same ``/lab/`` prefix."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.lab import schemas, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import CUSTODY, PROCESS, VIEW

router = Router(tags=["lab"])


@router.get("/specimens/{din}", response=schemas.ContainerOut)
def specimen_read(request: HttpRequest, din: str):
    return container_for_user(request.user, din)


@router.get("/products", response=list[schemas.ContainerOut])
def product_list(request: HttpRequest, status: str = "released"):
    require_perm(request.user, VIEW)
    return list(
        Container.objects.filter(
            clinic_id=request.user.clinic_id, kind="concentrate", status=status
        ).select_related("patient", "encounter")
    )


def _user(request: HttpRequest, username: str) -> User:
    user = User.objects.filter(username=username, clinic_id=request.user.clinic_id).first()
    if user is None:
        raise ValidationFailed({"received_by": ["No such staff member in this clinic."]})
    return user


@router.post("/custody-scans", response={201: schemas.CustodyOut})
def custody_scan(request: HttpRequest, payload: schemas.CustodyIn):
    require_perm(request.user, CUSTODY)
    return 201, services.custody_scan(
        by=request.user,
        scan=payload.scan,
        to_location=payload.to_location,
        received_by=_user(request, payload.received_by),
        seal_intact=payload.seal_intact,
        place=payload.place,
    )


@router.get("/processing-runs/{uuid:public_id}", response=schemas.RunOut)
def run_read(request: HttpRequest, public_id: UUID):
    return run_for_user(request.user, public_id)


@router.post(
    "/processing-runs/{uuid:public_id}/late-results", response={201: schemas.LateResultOut}
)
def late_result(request: HttpRequest, public_id: UUID, payload: schemas.LateResultIn):
    run = run_for_user(request.user, public_id, PROCESS)
    return 201, services.late_result_add(run=run, by=request.user, **payload.dict())
