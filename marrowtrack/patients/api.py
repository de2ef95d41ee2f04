"""Patient endpoints. Each parses, checks access and calls the same service as the web UI."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router, Schema
from pydantic import Field

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.pagination import Page, PageQuery
from marrowtrack.core.versioning import ConflictOut
from marrowtrack.patients import schemas, selectors, services
from marrowtrack.patients.access import entry_for_user, patient_for_user
from marrowtrack.patients.models import Medication, Patient

router = Router(tags=["patients"])
WRITE = "patients.change_patient"
CLINICAL = "patients.change_clinical_record"


class SearchQuery(Schema):
    q: str = Field(default="", max_length=100, description="Name, MRN or date of birth")
    include_archived: bool = False


def _detail(patient: Patient) -> Patient:
    return selectors.patient_with_record(patient)


@router.get("", response=Page[schemas.PatientOut])
def patient_search(
    request: AuthenticatedHttpRequest, query: Query[SearchQuery], page: Query[PageQuery]
):
    """Newest first without `q`; by MRN, date of birth or name with it (keyset pages)."""
    require_perm(request.user, "patients.view_patient")
    found = selectors.patient_search_page(
        clinic=request.user.clinic,
        query=query.q,
        include_archived=query.include_archived,
        cursor=page.cursor,
        limit=page.limit,
        with_count=page.count,
    )
    return found.envelope()


@router.post("", response={201: schemas.PatientDetailOut})
def patient_create(request: AuthenticatedHttpRequest, payload: schemas.PatientIn):
    require_perm(request.user, "patients.add_patient")
    patient = services.patient_register(by=request.user, data=payload.dict())
    return 201, _detail(patient)


@router.get("/{uuid:public_id}", response=schemas.PatientDetailOut)
def patient_read(request: AuthenticatedHttpRequest, public_id: UUID):
    patient = patient_for_user(request.user, public_id)
    services.patient_record_viewed(patient=patient, by=request.user, context="api")
    return selectors.patient_with_record(patient, reread=False)


@router.patch("/{uuid:public_id}", response={200: schemas.PatientDetailOut, 409: ConflictOut})
def patient_patch(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.PatientPatch
):
    """Change the fields sent. `version` is the one read: an older one is refused (409)."""
    patient = patient_for_user(request.user, public_id, WRITE)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    updated = services.patient_update(patient=patient, by=request.user, data=data, version=version)
    return _detail(updated)


@router.post("/{uuid:public_id}/archive", response=schemas.PatientOut)
def patient_archive(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ArchiveIn):
    patient = patient_for_user(request.user, public_id, "patients.archive_patient")
    return services.patient_archive(patient=patient, by=request.user, reason=payload.reason)


@router.post("/{uuid:public_id}/weights", response={201: schemas.WeightOut})
def weight_create(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.WeightIn):
    patient = patient_for_user(request.user, public_id, CLINICAL)
    return 201, services.weight_record(patient=patient, by=request.user, **payload.dict())


@router.post("/{uuid:public_id}/allergies", response={201: schemas.AllergyOut})
def allergy_create(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.AllergyIn):
    patient = patient_for_user(request.user, public_id, CLINICAL)
    return 201, services.allergy_add(patient=patient, by=request.user, data=payload.dict())


@router.post("/{uuid:public_id}/medications", response={201: schemas.MedicationOut})
def medication_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.MedicationIn
):
    patient = patient_for_user(request.user, public_id, CLINICAL)
    return 201, services.medication_add(patient=patient, by=request.user, data=payload.dict())


@router.patch(
    "/medications/{uuid:public_id}", response={200: schemas.MedicationOut, 409: ConflictOut}
)
def medication_patch(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.MedicationPatch
):
    """Change the fields sent. `version` is the one read: an older one is refused (409)."""
    medication = entry_for_user(request.user, Medication, public_id, CLINICAL)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.medication_update(
        medication=medication, by=request.user, data=data, version=version
    )


@router.post("/{uuid:public_id}/conditions", response={201: schemas.ConditionOut})
def condition_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ConditionIn
):
    patient = patient_for_user(request.user, public_id, CLINICAL)
    return 201, services.condition_add(patient=patient, by=request.user, data=payload.dict())
