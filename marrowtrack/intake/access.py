"""Who may open which plan, consent or appointment: role (403) and clinic (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan

VIEW_PLAN = "intake.view_treatmentplan"


def plan_for_user(user: User, public_id: UUID | str, perm: str = VIEW_PLAN) -> TreatmentPlan:
    require_perm(user, perm)
    plan = (
        TreatmentPlan.objects.select_related("patient__clinic")
        .filter(public_id=public_id, patient__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if plan is None:
        raise Http404("No such treatment plan in your clinic.")
    return plan


def consent_for_user(user: User, public_id: UUID | str, perm: str) -> Consent:
    require_perm(user, perm)
    consent = (
        Consent.objects.select_related("plan__patient__clinic", "document", "witness_signature")
        .filter(public_id=public_id, plan__patient__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if consent is None:
        raise Http404("No such consent in your clinic.")
    return consent


def appointment_for_user(user: User, public_id: UUID | str, perm: str) -> Appointment:
    require_perm(user, perm)
    appointment = (
        Appointment.objects.select_related("plan__patient__clinic", "room", "centrifuge")
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment in your clinic.")
    return appointment
