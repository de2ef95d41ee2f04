"""Follow-up schedules of treatment plans: baseline at approval, the rest at treatment,
censoring, instrument sets and yearly surveys.

Time points and windows: MarrowTrack instrument spec ("Time points", policy windows;
docs/outcomes.md), via the pure `schedules` module. The baseline opens when the plan is
approved, so its survey can be sent before treatment, and closes when the procedure starts.
A plan copies the concrete dates and the schedule version, so editing the definition applies
to new plans only. A repeat treatment (new plan with previous_plan) re-baselines: the earlier
plan's later follow-ups are censored.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import schedules, selectors
from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.models import FollowUp, InstrumentSet, ScheduleDefinition
from marrowtrack.outcomes.services.responses import (
    responses_assign_for_plan,
    responses_recheck_baseline,
)

CENSOR_STATUS = {
    FollowUp.Censor.SURGERY: FollowUp.Status.NOT_APPLICABLE,
    FollowUp.Censor.REPEAT_TREATMENT: FollowUp.Status.NOT_APPLICABLE,
    FollowUp.Censor.WITHDRAWAL: FollowUp.Status.WITHDRAWN,
}
BASELINE_DAYS_BEFORE = 30  # at the latest, the baseline opens 30 days before the treatment


def rules_to_json(definition: schedules.ScheduleDefinition) -> list[dict[str, object]]:
    return [
        {"code": r.code, "days": r.days, "months": r.months, "before": r.before, "after": r.after}
        for r in definition.timepoints
    ]


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
        selectors.definition_from_row(row)  # fails loudly on a malformed rule before commit
        event_record(
            actor=by, action=AuditAction.CREATE, target=row, changes={"version": [None, version]}
        )
    return row


def schedule_yearly_set(*, clinic: Clinic, years: int, by: User) -> ScheduleDefinition:
    """Ask `years` yearly surveys after 24 months (36m, 48m, ... +-60 days) in new plans."""
    current = selectors.active_schedule(clinic)
    if schedules.yearly_count(current) == years:
        raise ValidationFailed({"years": [f"The schedule already asks {years} yearly surveys."]})
    base = current.version.split("+")[0]
    version = f"{base}+{years}y" if years else base
    taken = ScheduleDefinition.objects.filter(clinic=clinic).values_list("version", flat=True)
    while version in set(taken) or version == schedules.DEFAULT_SCHEDULE.version:
        version += "'"
    try:
        revised = schedules.with_yearly(current, years, version=version)
    except ValueError as exc:
        raise ValidationFailed({"years": [str(exc)]}) from exc
    return schedule_definition_revise(
        clinic=clinic, version=version, timepoints=rules_to_json(revised), by=by
    )


def instrument_set_save(
    *, clinic: Clinic, condition: str, instruments: list[str], follow_up_only: list[str], by: User
) -> InstrumentSet:
    """Set a clinic's instruments for a condition (applies to surveys sent from now on)."""
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


def _audit_plan(plan: TreatmentPlan, by: User | None, reason: str, **changes: object) -> None:
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=plan,
        changes=changes,
        clinic=plan.patient.clinic,
        patient_public_id=plan.patient.public_id,
        reason=reason,
        actor_label=None if by else "outcomes schedule",
    )


def _created_day(plan: TreatmentPlan) -> date:
    return selectors.clinic_day(plan.created_at, plan.patient.clinic)


def baseline_open(*, plan: TreatmentPlan, by: User | None) -> FollowUp:
    """Open the plan's baseline survey (on approval), so it can be sent before treatment.

    Idempotent. The window opens on the day the plan was made and stays open until the
    procedure starts; answers already given in it are assigned to it.
    """
    found = plan.followups.filter(timepoint="baseline").first()
    if found is not None:
        return found
    version = selectors.active_schedule(plan.patient.clinic).version
    with transaction.atomic():
        baseline = FollowUp.objects.create(
            plan=plan,
            timepoint="baseline",
            position=0,
            target_on=_created_day(plan),
            opens_on=_created_day(plan),
            closes_on=None,
            schedule_version=version,
        )
        responses_assign_for_plan(plan=plan)
        _audit_plan(plan, by, "Baseline survey opened", baseline=[None, str(baseline)])
    return baseline


def procedure_start(plan: TreatmentPlan) -> datetime:
    """The instant the baseline closes: the first check-in of the plan's procedure days, or,
    for a treatment recorded with a date only, the start of that day at the clinic."""
    assert plan.treated_on is not None
    started = selectors.procedure_started_at(plan)
    midnight = datetime.combine(plan.treated_on, time(0), tzinfo=clock.zone(plan.patient.clinic))
    return started if started is not None else midnight


def _close_baseline(plan: TreatmentPlan, by: User | None) -> None:
    assert plan.treated_on is not None
    baseline = plan.followups.filter(timepoint="baseline").first()
    latest_open = plan.treated_on - timedelta(days=BASELINE_DAYS_BEFORE)
    if baseline is None:
        baseline = baseline_open(plan=plan, by=by)
    baseline.opens_on = min(baseline.opens_on, latest_open)
    baseline.closes_on, baseline.closes_at = plan.treated_on, procedure_start(plan)
    baseline.save(update_fields=["opens_on", "closes_on", "closes_at", "updated_at"])
    responses_recheck_baseline(followup=baseline, by=by)


def followups_create_for_plan(*, plan: TreatmentPlan, by: User | None) -> list[FollowUp]:
    """Close the baseline at the procedure and create the follow-ups from the treatment date.

    Idempotent; BMAC and comparators alike. Assigns earlier responses of the plan (e.g. paper
    baselines taken at intake) to their time points, and re-baselines a repeat treatment.
    """
    if plan.treated_on is None:
        raise DomainError("The plan has no treatment date yet.", field="treated_on")
    if plan.followups.exclude(timepoint="baseline").exists():
        return list(plan.followups.order_by("position"))
    planned = schedules.plan_schedule(
        plan.treated_on, selectors.active_schedule(plan.patient.clinic)
    )
    with transaction.atomic():
        _close_baseline(plan, by)
        rows = FollowUp.objects.bulk_create(_followup_rows(plan, planned))
        if plan.previous_plan_id:
            _censor_previous(plan, by)
        responses_assign_for_plan(plan=plan)
        _audit_plan(
            plan,
            by,
            "Follow-up schedule created",
            followups=[None, [r.timepoint for r in rows]],
            schedule=[None, planned.schedule_version],
        )
    return list(plan.followups.order_by("position"))


def _followup_rows(plan: TreatmentPlan, planned: schedules.SchedulePlan) -> list[FollowUp]:
    after_treatment = [tp for tp in planned.timepoints if tp.code != "baseline"]
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
        for position, tp in enumerate(after_treatment, start=1)
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
