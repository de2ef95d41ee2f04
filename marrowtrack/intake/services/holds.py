"""The prescriber's hold of a blood thinner or NSAID before a plan's procedure.

A hold is structured (drug, last dose, restart date, prescriber) and signed by the person
who records it, so the eligibility check, the booking check and the patient's
instructions all read the same dates (issue 8 item 5, issue 9 item 3).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.models import MedicationHold, TreatmentPlan
from marrowtrack.intake.services.common import audit, audit_create, ensure_plan_open, required_text
from marrowtrack.patients.models import Medication

HELD_CLASSES = frozenset(
    {
        Medication.DrugClass.ANTICOAGULANT,
        Medication.DrugClass.ANTIPLATELET,
        Medication.DrugClass.NSAID,
    }
)


def _check_medication(plan: TreatmentPlan, medication: Medication) -> None:
    if medication.patient_id != plan.patient_id or medication.is_archived:
        raise ValidationFailed({"medication": ["Choose one of this patient's medicines."]})
    if medication.drug_class not in HELD_CLASSES:
        raise ValidationFailed(
            {"medication": ["Holds are for blood thinners and anti-inflammatories (NSAIDs)."]}
        )


def _supersede(plan: TreatmentPlan, medication: Medication, by: User) -> None:
    """An earlier hold of the same medicine on this plan is archived, not overwritten."""
    for old in plan.holds.filter(medication=medication, archived_at=None).select_for_update():
        old.archived_at, old.archive_reason = clock.now(), "Replaced by a newer hold plan"
        old.save(update_fields=["archived_at", "archive_reason", "updated_at"])
        audit(
            by=by,
            action=AuditAction.ARCHIVE,
            instance=old,
            patient=plan.patient,
            changes={"archived_at": [None, old.archived_at]},
            reason=old.archive_reason,
        )


def medication_hold_record(
    *,
    plan: TreatmentPlan,
    by: User,
    medication: Medication,
    last_dose_on: date,
    restart_on: date | None,
    prescriber: str,
    password: str,
    note: str = "",
    totp: str | None = None,
) -> MedicationHold:
    """Record and sign the prescriber's hold of one medicine before this plan's procedure;
    a newer hold of the same medicine replaces the older one."""
    prescriber = required_text(prescriber, "prescriber", "Name who decided the hold.")
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        _check_medication(plan, medication)
        hold = MedicationHold(
            plan=plan,
            medication=medication,
            last_dose_on=last_dose_on,
            restart_on=restart_on,
            prescriber=prescriber,
            note=(note or "").strip(),
            recorded_by=by,
        )
        if restart_on is not None and restart_on <= last_dose_on:
            raise ValidationFailed({"restart_on": ["The restart is not after the last dose."]})
        validated(hold, exclude=["signature"])
        _supersede(plan, medication, by)
        hold.signature = signature_sign(
            user=by,
            password=password,
            totp=totp,
            meaning=Signature.Meaning.AUTHORED,
            record=plan,
            content={
                "plan": str(plan.public_id),
                "medication": str(medication.public_id),
                "last_dose_on": last_dose_on,
                "restart_on": restart_on,
                "prescriber": prescriber,
            },
            statement=f"Hold of {medication.name} as decided by {prescriber}",
            patient_public_id=plan.patient.public_id,
        )
        hold.save()
        audit_create(
            by=by,
            instance=hold,
            patient=plan.patient,
            fields=("medication", "last_dose_on", "restart_on", "prescriber"),
        )
    return hold
