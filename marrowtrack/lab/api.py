"""Lab endpoints on lab records: the containers of a donation, products, custody scans,
returning a syringe to the lab, a processing run and its late results. Endpoints that act
on a procedure day are ``procedures.lab_api``, mounted under the same ``/lab/`` prefix."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from ninja import Query, Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.lab import schemas, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import CUSTODY, PROCESS, VIEW

router = Router(tags=["lab"])


@router.get("/specimens/{din}", response=Page[schemas.ContainerOut])
def specimen_read(request: AuthenticatedHttpRequest, din: str, page: Query[PageQuery]):
    """Every container of one collection: the aspirate and its syringes share the DIN."""
    require_perm(request.user, VIEW)
    found = list(
        Container.objects.filter(din=din.upper()[:13], clinic_id=request.user.clinic_id)
        .select_related("patient", "encounter")
        .order_by("product_code")
    )
    if not found:
        raise Http404("No such donation in your clinic.")
    return api_page(found, page)


@router.get("/products", response=Page[schemas.ContainerOut])
def product_list(
    request: AuthenticatedHttpRequest, page: Query[PageQuery], status: str = "released"
):
    """Concentrates of the clinic in one status, newest first (keyset pages)."""
    require_perm(request.user, VIEW)
    if status not in Container.Status.values:
        # An unknown status would answer an empty list that reads as "none".
        choices = ", ".join(Container.Status.values)
        raise ValidationFailed({"status": [f"Choose one of: {choices}."]})
    products = Container.objects.filter(
        clinic_id=request.user.clinic_id, kind="concentrate", status=status
    ).select_related("patient", "encounter")
    return api_page(products.order_by("-id"), page)


@router.post("/custody-scans", response={201: schemas.CustodyOut})
def custody_scan(request: AuthenticatedHttpRequest, payload: schemas.CustodyIn):
    require_perm(request.user, CUSTODY)
    return 201, services.custody_scan(by=request.user, **payload.dict())


@router.post("/containers/{uuid:public_id}/return", response={201: schemas.CustodyOut})
def container_return(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ReturnIn):
    """Take a syringe back from the procedure room to the lab (after a bedside STOP)."""
    container = container_for_user(request.user, public_id, CUSTODY)
    return 201, services.custody_return_to_lab(
        by=request.user, container=container, reason=payload.reason
    )


@router.get("/processing-runs/{uuid:public_id}", response=schemas.RunOut)
def run_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return run_for_user(request.user, public_id)


@router.post(
    "/processing-runs/{uuid:public_id}/late-results", response={201: schemas.LateResultOut}
)
def late_result(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.LateResultIn):
    run = run_for_user(request.user, public_id, PROCESS)
    return 201, services.late_result_add(run=run, by=request.user, **payload.dict())
