"""Lab endpoints that act on a procedure day: its specimens, recording processing,
releasing the product (the RELEASED step) and recall traceability.

They live here, above the lab, and ``api/api.py`` mounts them under ``/lab/`` beside the
lab's own router; the operation ids are those they had in the lab's router.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from ninja import Query, Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.facilities.models import Equipment, KitLot
from marrowtrack.lab import schemas
from marrowtrack.lab.access import run_for_user
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import PROCESS, TRACE, VIEW
from marrowtrack.procedures import selectors, services
from marrowtrack.procedures.access import encounter_for_user

router = Router(tags=["lab"])
RECALL_FILTERS = ("kit_lot", "anticoagulant_lot", "centrifuge")


@router.get(
    "/specimens",
    response=Page[schemas.ContainerOut],
    operation_id="marrowtrack_lab_api_specimen_list",
)
def specimen_list(request: AuthenticatedHttpRequest, encounter_id: UUID, page: Query[PageQuery]):
    require_perm(request.user, VIEW)
    encounter = encounter_for_user(request.user, encounter_id)
    containers = Container.objects.filter(encounter=encounter)
    return api_page(list(containers.select_related("patient", "encounter")), page)


@router.post(
    "/processing-runs",
    response={201: schemas.RunOut},
    operation_id="marrowtrack_lab_api_run_create",
)
def run_create(request: AuthenticatedHttpRequest, payload: schemas.RunIn):
    encounter = encounter_for_user(request.user, payload.encounter_id, PROCESS)
    data = payload.dict(exclude={"encounter_id", "centrifuge_id", "kit_lot_id"})
    clinic_id = request.user.clinic_id
    data["centrifuge"] = Equipment.objects.filter(
        public_id=payload.centrifuge_id, clinic_id=clinic_id
    ).first()
    data["kit_lot"] = KitLot.objects.filter(
        public_id=payload.kit_lot_id, clinic_id=clinic_id
    ).first()
    if data["centrifuge"] is None or data["kit_lot"] is None:
        raise Http404("No such centrifuge or kit lot.")
    return 201, services.processing_record(encounter=encounter, by=request.user, data=data)


@router.post(
    "/processing-runs/{uuid:public_id}/release",
    response=schemas.RunOut,
    operation_id="marrowtrack_lab_api_run_release",
)
def run_release(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ReleaseIn):
    run = run_for_user(request.user, public_id, PROCESS)
    verifier = cosigner_authenticate(
        by=request.user,
        username=payload.verifier_username,
        password=payload.verifier_password,
        totp=payload.verifier_totp,
        field="verifier_password",
    )
    return services.product_release(
        run=run,
        by=request.user,
        password=payload.password,
        totp=payload.totp,
        verifier=verifier,
        verifier_password=payload.verifier_password,
        verifier_totp=payload.verifier_totp,
        scans=payload.scans,
    )


@router.get(
    "/traceability",
    response=Page[schemas.TraceOut],
    operation_id="marrowtrack_lab_api_traceability",
)
def traceability(
    request: AuthenticatedHttpRequest,
    page: Query[PageQuery],
    kit_lot: str = "",
    anticoagulant_lot: str = "",
    centrifuge: str = "",
):
    """Who received product of a kit lot, an anticoagulant lot or a centrifuge (name or serial
    number); filters combine with AND. At least one is needed: without one the answer is 422,
    not an empty list that would read as "nobody"."""
    require_perm(request.user, TRACE)
    if not (kit_lot.strip() or anticoagulant_lot.strip() or centrifuge.strip()):
        message = "Give at least one of kit_lot, anticoagulant_lot or centrifuge."
        raise ValidationFailed({name: [message] for name in RECALL_FILTERS})
    rows = selectors.recall_trace(
        clinic=request.user.clinic,
        kit_lot=kit_lot,
        anticoagulant_lot=anticoagulant_lot,
        centrifuge=centrifuge,
    )
    found = [
        {
            "patient_mrn": r.injection.encounter.patient.mrn,
            "patient_name": r.injection.encounter.patient.full_name,
            "injected_at": r.injection.started_at,
            "din": r.injection.container.din,
            "product_code": r.injection.container.product_code,
            "kit_lot": r.kit_lot,
            "anticoagulant_lot": r.anticoagulant_lot,
            "centrifuge": r.centrifuge,
        }
        for r in rows
    ]
    return api_page(found, page)
