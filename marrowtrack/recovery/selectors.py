"""Reads of recovery: the nurse worklist, courses, check-ins and adverse events."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from marrowtrack.core.models import Clinic
from marrowtrack.patients.models import Patient
from marrowtrack.recovery.models import AdverseEvent, CheckIn, NurseTask, RecoveryCourse

_LEVEL_ORDER = Case(
    When(level="urgent", then=Value(0)), default=Value(1), output_field=IntegerField()
)


def worklist(*, clinic: Clinic, resolved: bool = False) -> QuerySet[NurseTask]:
    """Open tasks, urgent first then by due time (or the latest resolved ones)."""
    tasks = NurseTask.objects.filter(clinic=clinic).select_related(
        "course__patient", "checkin", "acknowledged_by", "resolved_by", "adverse_event"
    )
    if resolved:
        return tasks.filter(status=NurseTask.Status.RESOLVED).order_by("-resolved_at")[:100]
    return (
        tasks.exclude(status=NurseTask.Status.RESOLVED)
        .annotate(level_order=_LEVEL_ORDER)
        .order_by("level_order", "due_at")
    )


def courses_for_clinic(*, clinic: Clinic, status: str = "active") -> QuerySet[RecoveryCourse]:
    courses = RecoveryCourse.objects.filter(clinic=clinic)
    if status:
        courses = courses.filter(status=status)
    return courses.select_related("patient", "plan").prefetch_related(
        Prefetch("checkins", CheckIn.objects.order_by("day"))
    )


def course_with_detail(course: RecoveryCourse) -> RecoveryCourse:
    return (
        RecoveryCourse.objects.select_related("patient__clinic", "plan", "clinic")
        .prefetch_related(
            Prefetch("checkins", CheckIn.objects.select_related("entered_by").order_by("day")),
            Prefetch("tasks", NurseTask.objects.select_related("checkin").order_by("-created_at")),
        )
        .get(pk=course.pk)
    )


def adverse_events_for_clinic(*, clinic: Clinic, status: str = "") -> QuerySet[AdverseEvent]:
    events = AdverseEvent.objects.filter(clinic=clinic)
    if status:
        events = events.filter(status=status)
    return events.select_related("patient", "plan", "recorded_by", "signature")


def adverse_events_for_plan(*, plan_id: int) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(plan_id=plan_id).select_related("signature")


def current_outcome(event: AdverseEvent) -> tuple[str, object]:
    """(outcome, resolved_on) as the latest addendum, or the signed record, states them."""
    for addendum in reversed(list(event.addenda.all())):
        if addendum.outcome:
            return addendum.get_outcome_display(), addendum.resolved_on
    return event.get_outcome_display(), event.resolved_on


def courses_for_patient(*, patient: Patient) -> QuerySet[RecoveryCourse]:
    return RecoveryCourse.objects.filter(patient=patient).select_related("plan", "clinic")


def checkins_for_patient(*, patient: Patient) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(course__patient=patient)
        .select_related("course")
        .order_by("-on", "-day")
    )


def open_checkin_now(*, patient: Patient, now: datetime) -> CheckIn | None:
    """The check-in the patient can answer right now, if any."""
    return (
        CheckIn.objects.filter(
            course__patient=patient,
            course__status=RecoveryCourse.Status.ACTIVE,
            status=CheckIn.Status.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .select_related("course")
        .first()
    )


def registry_adverse_events(*, clinic: Clinic) -> QuerySet:
    """Adverse events as flat dicts (plan, type, serious, onset, status) for the registry."""
    return (
        AdverseEvent.objects.filter(clinic=clinic)
        .values("plan_id", "event_type", "serious", "onset_on", "status")
        .order_by("plan_id", "onset_on")
    )
