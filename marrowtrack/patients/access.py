"""Who may open which patient: role (403) and clinic ownership (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.core.prepared import PreparedSelect
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement

ChildModel = type[Allergy] | type[Medication] | type[Condition] | type[WeightMeasurement]


# Every record view and patient endpoint starts here: the query is built once
# (core.prepared). `public_id` is unique, so it is one row or none.
_PATIENT_IN_CLINIC = PreparedSelect(
    lambda public_id, clinic_id: Patient.objects.filter(
        public_id=public_id, clinic_id=clinic_id
    ).order_by(),
    public_id=Patient._meta.get_field("public_id"),
    clinic_id=Patient._meta.get_field("clinic"),
)


def patient_for_user(
    user: User, public_id: UUID | str, perm: str = "patients.view_patient"
) -> Patient:
    """The patient if the user's role allows `perm` and the patient is in their clinic."""
    require_perm(user, perm)
    clinic = staff_clinic(user)
    found = _PATIENT_IN_CLINIC.fetch(public_id=public_id, clinic_id=clinic.pk)
    if not found:
        raise Http404("No such patient in your clinic.")
    patient = found[0]
    patient.clinic = clinic  # the same row (the filter says so), already read with the user
    return patient


def entry_for_user(
    user: User, model: ChildModel, public_id: UUID | str, perm: str
) -> Allergy | Medication | Condition | WeightMeasurement:
    require_perm(user, perm)
    entry = (
        model.objects.select_related("patient")
        .filter(public_id=public_id, patient__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if entry is None:
        raise Http404("No such entry in your clinic.")
    return entry
