"""A recovery course per treated plan: started with the treatment, stopped with a reason."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.intake.instructions import DEFAULT_INSTRUCTION_DEFAULTS
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.selectors import clinic_ruleset
from marrowtrack.outcomes.selectors import baseline_pain
from marrowtrack.procedures.selectors import encounter_for_plan
from marrowtrack.recovery import schedule
from marrowtrack.recovery.discharge import nsaid_dates
from marrowtrack.recovery.models import CheckIn, RecoveryCourse
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services.common import audit


def nsaid_avoid_days(clinic: Clinic) -> int:
    """The clinic's NSAID avoidance after a procedure (docs/reference.md §0): its rule set's
    ``nsaid_hold`` window, the one intake's pre-procedure instructions state."""
    rule = clinic_ruleset(clinic).rule("nsaid_hold")
    if rule is None:
        return DEFAULT_INSTRUCTION_DEFAULTS.nsaid_avoid_days_after
    return int(rule.params["avoid_days_after"])


def course_start(*, plan: TreatmentPlan, by: User | None) -> RecoveryCourse | None:
    """Start recovery for a plan just treated (in the caller's transaction): freeze the NSAID
    restart date, read the harvest side and baseline pain, create the check-ins still to
    come. None for a treatment without an injection (exercise therapy)."""
    profile = profile_for(plan.treatment)
    if profile is None or plan.treated_on is None:
        return None
    encounter = encounter_for_plan(plan) if profile.harvest else None
    days = nsaid_avoid_days(plan.patient.clinic) if profile.avoid_nsaids else 0
    course = RecoveryCourse.objects.create(
        clinic=plan.patient.clinic,
        patient=plan.patient,
        plan=plan,
        encounter=encounter,
        treated_on=plan.treated_on,
        treatment=plan.treatment,
        harvest_side=(encounter.harvest_side if encounter else "") or "",
        baseline_pain=baseline_pain(plan=plan),
        nsaid_avoid_days=days,
        nsaid_restart_on=nsaid_dates(plan.treated_on, days)[1],
    )
    _create_checkins(course)
    audit(
        by=by,
        patient=plan.patient,
        target=course,
        action=AuditAction.CREATE,
        changes={
            "treated_on": [None, course.treated_on],
            "nsaid_restart_on": [None, course.nsaid_restart_on],
        },
        label="recovery",
        name="recovery_course.start",
    )
    return course


def _create_checkins(course: RecoveryCourse) -> None:
    zone = clock.zone(course.clinic)
    windows = schedule.windows_from(course.treated_on, clock.today(course.clinic), zone)
    CheckIn.objects.bulk_create(
        CheckIn(
            course=course,
            day=w.day,
            on=w.on,
            opens_at=w.opens_at,
            invite_at=w.invite_at,
            remind_at=w.remind_at,
            closes_at=w.closes_at,
        )
        for w in windows
    )


def course_stop(*, course: RecoveryCourse, by: User, reason: str) -> RecoveryCourse:
    """Stop the check-ins (patient declined, readmitted, moved care): open ones are cancelled
    and no more messages go out."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed({"reason": ["Give the reason for stopping the check-ins."]})
    with transaction.atomic():
        course = RecoveryCourse.objects.select_for_update().get(pk=course.pk)
        if course.status != RecoveryCourse.Status.ACTIVE:
            raise DomainError(f"The check-ins are already {course.get_status_display().lower()}.")
        cancelled = course.checkins.filter(status=CheckIn.Status.OPEN).update(
            status=CheckIn.Status.CANCELLED, updated_at=clock.now()
        )
        course.status, course.stopped_reason = RecoveryCourse.Status.WITHDRAWN, reason[:300]
        course.save(update_fields=["status", "stopped_reason", "updated_at"])
        audit(
            by=by,
            patient=course.patient,
            target=course,
            changes={"status": ["active", course.status]},
            extra={"checkins_cancelled": cancelled},
            reason=reason,
            name="recovery_course.stop",
        )
    return course
