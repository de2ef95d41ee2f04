"""Who may open which patient: role (403) and clinic ownership (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement

ChildModel = type[Allergy] | type[Medication] | type[Condition] | type[WeightMeasurement]


def patient_for_user(
    user: User, public_id: UUID | str, perm: str = "patients.view_patient"
) -> Patient:
    """The patient if the user's role allows `perm` and the patient is in their clinic."""
    require_perm(user, perm)
    clinic = staff_clinic(user)
    patient = Patient.objects.filter(public_id=public_id, clinic_id=clinic.pk).first()
    if patient is None:
        raise Http404("No such patient in your clinic.")
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
