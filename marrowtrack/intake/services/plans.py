"""Treatment plans, prior treatments and lab values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import diff
from marrowtrack.audit.versions import version_check, version_save
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.services import validated
from marrowtrack.core.validators import only
from marrowtrack.intake.gates import current_signed_consent
from marrowtrack.intake.models import (
    CONSENTED_FIELDS,
    HARVEST_TREATMENTS,
    INJECTED_COMPARATORS,
    Appointment,
    Consent,
    LabValue,
    PriorTreatment,
    Target,
    TreatmentPlan,
)
from marrowtrack.intake.services.common import (
    audit,
    audit_create,
    ensure_patient_active,
    ensure_plan_open,
)
from marrowtrack.intake.signals import plan_treated
from marrowtrack.patients.models import Patient

PLAN_FIELDS = (
    "condition",
    "target",
    "target_level",
    "laterality",
    "harvest_side",
    "harvest_anticoagulant",
    "symptom_duration_months",
    "kellgren_lawrence_grade",
    "severity_notes",
    "treatment",
    "previous_plan",
    "guidance",
    "injectate_drug",
    "dose_mg",
    "volume_ml",
    "anaesthetic",
    "anticoagulant_plan",
    "fasting_note",
)
# What the eligibility rules read: editing these sends an approved plan back for a decision.
SCREENED_FIELDS = frozenset(
    {*CONSENTED_FIELDS, "harvest_anticoagulant", "guidance", "kellgren_lawrence_grade"}
)
PRIOR_FIELDS = ("kind", "drug", "given_on", "target", "laterality", "notes")
SPINAL = {Target.FACET, Target.DISC}
KL_TARGETS = {Target.KNEE, Target.HIP}


def _harvest_errors(plan: TreatmentPlan) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if plan.treatment in HARVEST_TREATMENTS:
        if not plan.harvest_side:
            errors["harvest_side"] = ["Choose the harvest side (posterior iliac crest)."]
        return errors
    for name in ("harvest_side", "harvest_anticoagulant"):
        if getattr(plan, name):
            errors[name] = ["Only a BMAC plan has a marrow harvest."]
    return errors


def _plan_rules(plan: TreatmentPlan) -> None:
    """Cross-field rules the model fields alone cannot express (docs/reference.md §1, §7)."""
    errors: dict[str, list[str]] = _harvest_errors(plan)
    if plan.target in SPINAL and not plan.target_level:
        errors["target_level"] = ["Give the spinal level, e.g. L4-L5."]
    if plan.kellgren_lawrence_grade is not None and plan.target not in KL_TARGETS:
        errors["kellgren_lawrence_grade"] = [
            "The Kellgren-Lawrence grade is for knees and hips only."
        ]
    if plan.treatment in INJECTED_COMPARATORS:
        for name in ("injectate_drug", "volume_ml", "guidance"):
            if not getattr(plan, name):
                errors[name] = ["Record this for a comparator injection, as for BMAC."]
    if plan.treatment == "csi" and not plan.dose_mg:
        errors["dose_mg"] = ["Record the corticosteroid dose in mg."]
    prev = plan.previous_plan
    if prev is not None and (prev.patient_id != plan.patient_id or prev.pk == plan.pk):
        errors["previous_plan"] = ["A repeat treatment must follow a plan of the same patient."]
    if errors:
        raise ValidationFailed(errors)


def plan_create(*, patient: Patient, by: User, data: Mapping[str, Any]) -> TreatmentPlan:
    """Start a treatment plan (episode of care) for a patient; a repeat names its earlier plan."""
    values = only(data, PLAN_FIELDS)
    with transaction.atomic():
        ensure_patient_active(patient)
        plan = TreatmentPlan(patient=patient, created_by=by, **values)
        validated(plan)
        _plan_rules(plan)
        plan.save()
        audit_create(by=by, instance=plan, patient=patient, fields=tuple(values))
    return plan


def _back_to_draft(plan: TreatmentPlan, changes: dict[str, Any]) -> None:
    """The approval no longer holds: the plan needs a new screening and decision."""
    if plan.status == TreatmentPlan.Status.DRAFT:
        return
    changes["status"] = [plan.status, TreatmentPlan.Status.DRAFT]
    plan.status = TreatmentPlan.Status.DRAFT
    if plan.hard_stop_overridden:
        plan.hard_stop_overridden = False
        changes["hard_stop_overridden"] = [True, False]


def _value_in_words(name: str, value: Any) -> str:
    """A plan value as a reader says it: the choice's label, not its code."""
    if value in (None, ""):
        return "none"
    field = TreatmentPlan._meta.get_field(name)
    label = str(dict(field.choices or ()).get(value, value))
    if name == "harvest_side":
        # "Harvest side changed from right to left": the crest is already in the field's name.
        return label.split()[0].lower().replace("both", "both sides")
    return label[:1].lower() + label[1:]


def consent_void_reason(changes: Mapping[str, Mapping[str, Any]], names: list[str]) -> str:
    """Why a consent no longer holds, in words: "Harvest side changed from right to left"."""
    said = [
        f"{TreatmentPlan._meta.get_field(name).verbose_name} changed from "
        f"{_value_in_words(name, changes[name]['old'])} to "
        f"{_value_in_words(name, changes[name]['new'])}"
        for name in names
    ]
    reason = "; ".join(said) + " after consent: the patient consents again."
    if len(reason) > Consent._meta.get_field("invalidated_reason").max_length:
        fields = ", ".join(str(TreatmentPlan._meta.get_field(n).verbose_name) for n in names)
        reason = f"Changed after consent: {fields}. The patient consents again."
    return reason[:1].upper() + reason[1:]


def _void_consents(plan: TreatmentPlan, by: User, reason: str) -> int:
    """Invalidate every live consent of the plan: it was given for the plan as it was."""
    live = plan.consents.exclude(status=Consent.Status.INVALIDATED).select_for_update()
    for consent in live:
        old = consent.status
        consent.status, consent.invalidated_reason = Consent.Status.INVALIDATED, reason
        consent.save(update_fields=["status", "invalidated_reason", "updated_at"])
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=consent,
            patient=plan.patient,
            changes={"status": [old, Consent.Status.INVALIDATED]},
            reason=reason,
        )
    return len(live)


def _check_booked_kind(plan: TreatmentPlan, values: Mapping[str, Any]) -> None:
    new = values.get("treatment", plan.treatment)
    harvest_changes = (new in HARVEST_TREATMENTS) != (plan.treatment in HARVEST_TREATMENTS)
    if harvest_changes and plan.appointments.filter(status="booked").exists():
        raise DomainError(
            "Cancel the booked appointment first: a BMAC day and a comparator injection need "
            "different rooms, staff and time."
        )


def plan_update(
    *, plan: TreatmentPlan, by: User, data: Mapping[str, Any], version: int
) -> TreatmentPlan:
    """Edit a plan, made from `version` of it (a stale edit is refused, nothing stored:
    docs/decisions/0021-no-lost-updates.md). Changing what was screened sends an approved
    plan back for a new decision; changing what was consented to (target, side, level,
    treatment, condition, harvest side) also voids its consents (issue 9 item 2)."""
    values = only(data, PLAN_FIELDS)
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        version_check(plan, read=version, fields=PLAN_FIELDS)
        changes: dict[str, Any] = diff(plan, values)
        if not changes:
            return plan
        _check_booked_kind(plan, values)
        for name, value in values.items():
            setattr(plan, name, value)
        if SCREENED_FIELDS & set(changes):
            _back_to_draft(plan, changes)
        validated(plan)
        _plan_rules(plan)
        version_save(plan, read=version, fields=list(changes), shown=PLAN_FIELDS)
        changes["version"] = [version, plan.version]
        consented = [name for name in CONSENTED_FIELDS if name in changes]
        reason = consent_void_reason(changes, consented) if consented else ""
        if consented and (voided := _void_consents(plan, by, reason)):
            changes["consents_voided"] = voided
        audit(
            by=by, action=AuditAction.UPDATE, instance=plan, patient=plan.patient, changes=changes
        )
    return plan


def plan_cancel(*, plan: TreatmentPlan, by: User, reason: str) -> TreatmentPlan:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Give a reason for cancelling the plan."]})
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        ensure_plan_open(plan)
        if plan.appointments.filter(status="booked").exists():
            raise DomainError("Cancel the plan's booked appointments first.")
        old = plan.status
        plan.status = TreatmentPlan.Status.CANCELLED
        plan.save(update_fields=["status", "updated_at"])
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=plan,
            patient=plan.patient,
            changes={"status": [old, plan.status]},
            reason=reason,
        )
    return plan


def prior_treatment_add(
    *, plan: TreatmentPlan, by: User, data: Mapping[str, Any]
) -> PriorTreatment:
    values = only(data, PRIOR_FIELDS)
    with transaction.atomic():
        ensure_plan_open(plan)
        prior = PriorTreatment(plan=plan, **values)
        validated(prior)
        if prior.kind == PriorTreatment.Kind.INJECTION and not (prior.drug and prior.given_on):
            raise ValidationFailed(
                {"drug": ["An injection needs its drug."], "given_on": ["And its date."]}
                if not prior.drug
                else {"given_on": ["Give the date of the injection."]}
            )
        prior.save()
        audit_create(by=by, instance=prior, patient=plan.patient, fields=tuple(values))
    return prior


def lab_value_record(
    *, patient: Patient, by: User, test: str, value: Decimal, taken_on: date
) -> LabValue:
    """Record a platelet count or INR; the unit is fixed per test so values compare."""
    with transaction.atomic():
        ensure_patient_active(patient)
        unit = LabValue.UNITS.get(test, "")
        lab = LabValue(
            patient=patient, test=test, value=value, unit=unit, taken_on=taken_on, entered_by=by
        )
        validated(lab)
        if taken_on > clock.today(patient.clinic):
            raise ValidationFailed({"taken_on": ["The date is in the future."]})
        lab.save()
        audit_create(by=by, instance=lab, patient=patient, fields=("test", "value", "taken_on"))
    return lab


def plan_mark_treated(
    *, plan: TreatmentPlan, by: User, on: date, note: str = "", via_procedure: bool = False
) -> TreatmentPlan:
    """Record that the plan's treatment was given on `on` (BMAC by the procedure day,
    comparators from the plan page). Anchors the outcome schedule."""
    if on > clock.today(plan.patient.clinic):
        raise ValidationFailed({"on": ["The treatment date cannot be in the future."]})
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        if plan.status != TreatmentPlan.Status.APPROVED:
            raise DomainError(
                f"Only an approved plan can be marked treated (this one is "
                f"'{plan.get_status_display()}')."
            )
        if plan.needs_harvest and not via_procedure:
            raise DomainError("A BMAC plan is marked treated by the procedure day's injection.")
        if plan.treatment in INJECTED_COMPARATORS and not via_procedure:
            raise DomainError(
                "An injection is recorded on its procedure day (check-in, time-out, "
                "injection), not from the plan page."
            )
        if plan.treatment != "exercise" and current_signed_consent(plan) is None:
            raise DomainError("There is no signed and witnessed consent for this plan.")
        old = (plan.status, plan.treated_on)
        plan.status, plan.treated_on = TreatmentPlan.Status.TREATED, on
        plan.save(update_fields=["status", "treated_on", "updated_at"])
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=plan,
            patient=plan.patient,
            changes={"status": [old[0], plan.status], "treated_on": [old[1], on]},
            reason=note.strip()[:500],
        )
        _bookings_done(plan, by)
        plan_treated.send(sender=TreatmentPlan, plan=plan, by=by)
    return plan


def _bookings_done(plan: TreatmentPlan, by: User) -> None:
    """The treated plan's booking is done: the schedule shows it so (issue 9 item 6)."""
    for booking in plan.appointments.select_for_update().filter(status=Appointment.Status.BOOKED):
        booking.status = Appointment.Status.COMPLETED
        booking.save(update_fields=["status", "updated_at"])
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=booking,
            patient=plan.patient,
            changes={"status": [Appointment.Status.BOOKED, Appointment.Status.COMPLETED]},
        )
