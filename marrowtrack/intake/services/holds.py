"""The prescriber's hold of a blood thinner or NSAID before a procedure day.

A hold is structured (drug, last dose, restart date, prescriber) and signed by the
physician who records it, so the eligibility check, the booking check and the patient's
instructions all read the same dates (issue 8 item 5, issue 9 item 3). It is for one
patient and one clinic-local day (ADR 0024): every needle procedure of the patient on that
day may rely on it; a procedure moved to another day needs a new one.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from marrowtrack.accounts.access import require_role
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.clinictime import clinic_tz
from marrowtrack.intake.models import MedicationHold, TreatmentPlan
from marrowtrack.intake.selectors import planned_date
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


def _procedure_day(plan: TreatmentPlan, procedure_on: date | None, last_dose_on: date) -> date:
    """The clinic-local day the hold plan is for: the one given, else the plan's booking."""
    day = procedure_on or planned_date(plan)
    if day is None:
        raise ValidationFailed(
            {"procedure_on": ["Give the procedure day this hold plan is for (none is booked)."]}
        )
    today = clock.now().astimezone(clinic_tz(plan.patient.clinic)).date()
    if day < today:
        raise ValidationFailed({"procedure_on": ["The procedure day is in the past."]})
    if last_dose_on >= day:
        raise ValidationFailed({"last_dose_on": ["The last dose is not before the procedure day."]})
    return day


def _supersede(plan: TreatmentPlan, medication: Medication, day: date, by: User) -> None:
    """An earlier hold of the same medicine for the same patient and day is archived, not
    overwritten (whichever of the patient's plans it was recorded on)."""
    earlier = MedicationHold.objects.filter(
        plan__patient=plan.patient, medication=medication, procedure_on=day, archived_at=None
    )
    for old in earlier.select_for_update(of=("self",)):
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
    procedure_on: date | None = None,
) -> MedicationHold:
    """Record and sign the prescriber's hold of one medicine before the patient's needle
    procedures on ``procedure_on`` (default: the plan's booked day); a newer hold of the
    same medicine for the same day replaces the older one. A physician signs it."""
    require_role(by, {Role.PHYSICIAN}, "sign a medication hold plan")
    prescriber = required_text(prescriber, "prescriber", "Name who decided the hold.")
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        _check_medication(plan, medication)
        day = _procedure_day(plan, procedure_on, last_dose_on)
        hold = MedicationHold(
            plan=plan,
            medication=medication,
            last_dose_on=last_dose_on,
            restart_on=restart_on,
            procedure_on=day,
            prescriber=prescriber,
            note=(note or "").strip(),
            recorded_by=by,
        )
        if restart_on is not None and restart_on <= last_dose_on:
            raise ValidationFailed({"restart_on": ["The restart is not after the last dose."]})
        validated(hold, exclude=["signature"])
        _supersede(plan, medication, day, by)
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
                "procedure_on": day,
                "prescriber": prescriber,
            },
            statement=f"Hold of {medication.name} for {day} as decided by {prescriber}",
            patient_public_id=plan.patient.public_id,
        )
        hold.save()
        audit_create(
            by=by,
            instance=hold,
            patient=plan.patient,
            fields=("medication", "last_dose_on", "restart_on", "procedure_on", "prescriber"),
        )
    return hold
