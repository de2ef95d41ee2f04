"""Follow-up schedules of treatment plans: creation, censoring, instrument sets.

Time points and windows: MarrowTrack instrument spec ("Time points", policy windows), via the
pure `schedules` module. A plan copies the concrete dates and the schedule version, so editing
the definition applies to new plans only. A repeat treatment (new plan with previous_plan)
re-baselines: the earlier plan's later follow-ups are censored.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, schedules
from marrowtrack.outcomes.models import FollowUp, InstrumentSet, ScheduleDefinition

CENSOR_STATUS = {
    FollowUp.Censor.SURGERY: FollowUp.Status.NOT_APPLICABLE,
    FollowUp.Censor.REPEAT_TREATMENT: FollowUp.Status.NOT_APPLICABLE,
    FollowUp.Censor.WITHDRAWAL: FollowUp.Status.WITHDRAWN,
}


def rules_to_json(definition: schedules.ScheduleDefinition) -> list[dict[str, object]]:
    return [
        {"code": r.code, "days": r.days, "months": r.months, "before": r.before, "after": r.after}
        for r in definition.timepoints
    ]


def definition_from_row(row: ScheduleDefinition) -> schedules.ScheduleDefinition:
    rules = tuple(
        schedules.TimepointRule(
            str(tp["code"]),
            before=int(tp["before"]),
            after=int(tp["after"]),
            days=int(tp.get("days", 0)),
            months=int(tp.get("months", 0)),
        )
        for tp in row.timepoints
    )
    return schedules.ScheduleDefinition(version=row.version, timepoints=rules)


def active_schedule(clinic: Clinic) -> schedules.ScheduleDefinition:
    """The clinic's active definition, else the built-in default."""
    row = (
        ScheduleDefinition.objects.filter(clinic=clinic, active=True)
        .order_by("-created_at")
        .first()
    )
    return schedules.DEFAULT_SCHEDULE if row is None else definition_from_row(row)


def schedule_definition_revise(
    *, clinic: Clinic, version: str, timepoints: list[dict[str, object]], by: User
) -> ScheduleDefinition:
    """Store a new schedule version for the clinic; existing plans keep their dates."""
    if ScheduleDefinition.objects.filter(clinic=clinic, version=version).exists():
        raise ValidationFailed({"version": ["A schedule with this version already exists."]})
    if version == schedules.DEFAULT_SCHEDULE.version:
        raise ValidationFailed({"version": ["This version name is the built-in default."]})
    with transaction.atomic():
        ScheduleDefinition.objects.filter(clinic=clinic, active=True).update(active=False)
        row = ScheduleDefinition.objects.create(
            clinic=clinic, version=version, timepoints=timepoints, created_by=by
        )
        definition_from_row(row)  # fails loudly on a malformed rule before commit
        event_record(
            actor=by, action=AuditAction.CREATE, target=row, changes={"version": [None, version]}
        )
    return row


def instruments_for_plan(plan: TreatmentPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every time point, follow-ups only) for the plan's clinic, condition and target."""
    row = InstrumentSet.objects.filter(
        clinic_id=plan.patient.clinic_id, condition=plan.condition
    ).first()
    if row is not None:
        return tuple(row.instruments), tuple(row.follow_up_only)
    return catalogue.default_instruments(plan.condition, plan.target), catalogue.FOLLOW_UP_ONLY


def instrument_set_save(
    *, clinic: Clinic, condition: str, instruments: list[str], follow_up_only: list[str], by: User
) -> InstrumentSet:
    """Set a clinic's instruments for a condition (applies to surveys sent from now on)."""
    from marrowtrack.outcomes.instruments import INSTRUMENTS

    unknown = [code for code in [*instruments, *follow_up_only] if code not in INSTRUMENTS]
    if unknown:
        raise ValidationFailed({"instruments": [f"Unknown instrument {unknown[0]}."]})
    with transaction.atomic():
        row, _ = InstrumentSet.objects.update_or_create(
            clinic=clinic,
            condition=condition,
            defaults={"instruments": instruments, "follow_up_only": follow_up_only},
        )
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=row,
            changes={"instruments": [None, instruments], "follow_up_only": [None, follow_up_only]},
        )
    return row


def followups_create_for_plan(*, plan: TreatmentPlan, by: User | None) -> list[FollowUp]:
    """Create the plan's follow-ups from its treatment date (idempotent).

    BMAC and comparators alike. Assigns earlier responses of the plan (e.g. baseline surveys
    taken at intake) to their time points, and re-baselines a repeat treatment.
    """
    if plan.treated_on is None:
        raise DomainError("The plan has no treatment date yet.", field="treated_on")
    existing = list(plan.followups.all())
    if existing:
        return existing
    definition = active_schedule(plan.patient.clinic)
    planned = schedules.plan_schedule(plan.treated_on, definition)
    with transaction.atomic():
        rows = FollowUp.objects.bulk_create(_followup_rows(plan, planned))
        if plan.previous_plan_id:
            _censor_previous(plan, by)
        from marrowtrack.outcomes.services.responses import responses_assign_for_plan

        responses_assign_for_plan(plan=plan)
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=plan,
            changes={
                "followups": [None, [r.timepoint for r in rows]],
                "schedule": [None, planned.schedule_version],
            },
            clinic=plan.patient.clinic,
            patient_public_id=plan.patient.public_id,
            reason="Follow-up schedule created",
        )
    return list(plan.followups.all())


def _followup_rows(plan: TreatmentPlan, planned: schedules.SchedulePlan) -> list[FollowUp]:
    return [
        FollowUp(
            plan=plan,
            timepoint=tp.code,
            position=position,
            target_on=tp.target,
            opens_on=tp.opens,
            closes_on=tp.closes,
            schedule_version=planned.schedule_version,
        )
        for position, tp in enumerate(planned.timepoints)
    ]


def _censor_previous(plan: TreatmentPlan, by: User | None) -> None:
    previous = plan.previous_plan
    assert previous is not None and plan.treated_on is not None
    followups_censor(
        plan=previous,
        reason=FollowUp.Censor.REPEAT_TREATMENT,
        on=plan.treated_on,
        by=by,
    )


def followups_censor(*, plan: TreatmentPlan, reason: str, on: date, by: User | None) -> int:
    """Censor the plan's open follow-ups whose window closes on or after `on`.

    Surgery and repeat treatment make them not applicable; withdrawal marks them withdrawn.
    Completed follow-ups are kept. Returns how many were censored.
    """
    if reason not in CENSOR_STATUS:
        raise ValidationFailed({"reason": [f"Unknown censoring reason {reason!r}."]})
    with transaction.atomic():
        rows = plan.followups.filter(status=FollowUp.Status.OPEN, closes_on__gte=on)
        codes = list(rows.values_list("timepoint", flat=True))
        count = rows.update(status=CENSOR_STATUS[reason], censored_reason=reason, censored_on=on)
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=plan,
            changes={"censored": [None, codes], "censored_reason": [None, reason]},
            clinic=plan.patient.clinic,
            patient_public_id=plan.patient.public_id,
            reason=f"Follow-up censored from {on.isoformat()}: {reason}",
        )
    return count
