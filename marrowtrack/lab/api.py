"""Lab endpoints: specimens, custody scans, processing runs, products, traceability."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.esign.services import cosigner_authenticate
from marrowtrack.facilities.models import Equipment
from marrowtrack.lab import schemas, selectors, services
from marrowtrack.lab.access import container_for_user, run_for_user
from marrowtrack.lab.models import Container
from marrowtrack.lab.permissions import CUSTODY, PROCESS, TRACE, VIEW
from marrowtrack.procedures.access import encounter_for_user

router = Router(tags=["lab"])


@router.get("/specimens", response=list[schemas.ContainerOut])
def specimen_list(request: HttpRequest, encounter_id: UUID):
    require_perm(request.user, VIEW)
    encounter = encounter_for_user(request.user, encounter_id)
    return list(
        Container.objects.filter(encounter=encounter).select_related("patient", "encounter")
    )


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


@router.post("/processing-runs", response={201: schemas.RunOut})
def run_create(request: HttpRequest, payload: schemas.RunIn):
    encounter = encounter_for_user(request.user, payload.encounter_id, PROCESS)
    data = payload.dict(exclude={"encounter_id", "centrifuge_id"})
    data["centrifuge"] = Equipment.objects.filter(
        public_id=payload.centrifuge_id, clinic_id=request.user.clinic_id
    ).first()
    if data["centrifuge"] is None:
        raise Http404("No such centrifuge.")
    return 201, services.run_record(encounter=encounter, by=request.user, data=data)


@router.get("/processing-runs/{uuid:public_id}", response=schemas.RunOut)
def run_read(request: HttpRequest, public_id: UUID):
    return run_for_user(request.user, public_id)


@router.post("/processing-runs/{uuid:public_id}/release", response=schemas.RunOut)
def run_release(request: HttpRequest, public_id: UUID, payload: schemas.ReleaseIn):
    run = run_for_user(request.user, public_id, PROCESS)
    verifier = (
        cosigner_authenticate(
            by=request.user,
            username=payload.verifier_username,
            password=payload.verifier_password,
            field="verifier_password",
        )
        if payload.verifier_username
        else None
    )
    return services.run_release(
        run=run,
        by=request.user,
        password=payload.password,
        verifier=verifier,
        verifier_password=payload.verifier_password,
        scans=payload.scans,
    )


@router.post(
    "/processing-runs/{uuid:public_id}/late-results", response={201: schemas.LateResultOut}
)
def late_result(request: HttpRequest, public_id: UUID, payload: schemas.LateResultIn):
    run = run_for_user(request.user, public_id, PROCESS)
    return 201, services.late_result_add(run=run, by=request.user, **payload.dict())


@router.get("/traceability", response=list[schemas.TraceOut])
def traceability(
    request: HttpRequest, kit_lot: str = "", anticoagulant_lot: str = "", centrifuge: str = ""
):
    require_perm(request.user, TRACE)
    rows = selectors.trace(
        clinic=request.user.clinic,
        kit_lot=kit_lot,
        anticoagulant_lot=anticoagulant_lot,
        centrifuge=centrifuge,
    )
    return [
        {
            "patient_mrn": r.injection.encounter.patient.mrn,
            "patient_name": r.injection.encounter.patient.full_name,
            "injected_at": r.injection.started_at,
            "din": r.injection.container.din,
            "kit_lot": r.kit_lot,
            "anticoagulant_lot": r.anticoagulant_lot,
            "centrifuge": r.centrifuge,
        }
        for r in rows
    ]
