"""Answering a check-in (portal or phone), its triage and nurse task, and the sweep that
invites, reminds and marks missed check-ins (``marrowtrack recovery_sweep``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.notifications.services.messages import messages_recover
from marrowtrack.recovery import answers as answer_rules
from marrowtrack.recovery import notices, worklist
from marrowtrack.recovery import triage as t
from marrowtrack.recovery.models import CheckIn, NurseTask, RecoveryCourse
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services.common import audit


def _context(checkin: CheckIn) -> t.Context:
    course = checkin.course
    previous = (
        course.checkins.filter(status=CheckIn.Status.SUBMITTED, day__lt=checkin.day)
        .order_by("-day")
        .first()
    )
    restart = course.nsaid_restart_on
    return t.Context(
        day=checkin.day,
        flare_last_day=profile_for(course.treatment).flare_days[1],
        baseline_pain=course.baseline_pain,
        previous_treated_pain=previous.answers.get("treated_pain") if previous else None,
        in_nsaid_window=restart is not None and checkin.on < restart,
    )


def _ensure_answerable(checkin: CheckIn, now: datetime) -> None:
    if checkin.course.status != RecoveryCourse.Status.ACTIVE:
        raise DomainError("The check-ins of this treatment have stopped.")
    if checkin.status != CheckIn.Status.OPEN:
        raise DomainError(f"This check-in is already {checkin.get_status_display().lower()}.")
    if now < checkin.opens_at:
        raise DomainError(f"This check-in opens on {checkin.on:%Y-%m-%d}.")
    if now >= checkin.closes_at:
        raise DomainError("This check-in's day is over.")


def checkin_submit(*, checkin: CheckIn, data: Mapping[str, Any], by: User | None = None) -> CheckIn:
    """Record the answers of today's check-in, triage them, and for anything but "expected"
    put a task with its reasons and due time on the nurse worklist, in one transaction.
    ``by`` is the staff member entering a phone check-in; None is the patient in the portal."""
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update()
            .select_related("course__patient__clinic")
            .get(pk=checkin.pk)
        )
        now = clock.now()
        _ensure_answerable(checkin, now)
        parsed = answer_rules.parse(data, harvest=profile_for(checkin.course.treatment).harvest)
        if isinstance(parsed, dict):
            raise ValidationFailed(parsed)
        answers, stored = parsed
        result = t.triage(answers, _context(checkin))
        _save(checkin, stored, str(data.get("note") or "").strip(), result, now, by)
        task = _task_for(checkin, result, now) if result.level != t.Level.EXPECTED else None
        audit(
            by=by,
            patient=checkin.course.patient,
            target=checkin,
            changes={"status": ["open", "submitted"]},
            extra={
                "level": result.level.value,
                "findings": [f.code for f in result.findings],
                "task": str(task.public_id) if task else None,
                "source": checkin.source,
            },
            name="checkin.submit",
        )
    return checkin


def _save(
    checkin: CheckIn, stored: dict, note: str, result: t.Triage, now: datetime, by: User | None
) -> None:
    checkin.answers, checkin.note = stored, note
    checkin.level = result.level.value
    checkin.findings = [
        {"code": f.code, "level": f.level.value, "reason": f.reason} for f in result.findings
    ]
    checkin.status, checkin.submitted_at = CheckIn.Status.SUBMITTED, now
    checkin.source = CheckIn.Source.PHONE if by else CheckIn.Source.PORTAL
    checkin.entered_by = by
    checkin.save(
        update_fields=[
            "answers",
            "note",
            "level",
            "findings",
            "status",
            "submitted_at",
            "source",
            "entered_by",
            "updated_at",
        ]
    )


def _task_for(checkin: CheckIn, result: t.Triage, now: datetime) -> NurseTask:
    zone = clock.zone(checkin.course.clinic)
    urgent = result.level == t.Level.URGENT
    return NurseTask.objects.create(
        clinic=checkin.course.clinic,
        course=checkin.course,
        checkin=checkin,
        kind=NurseTask.Kind.TRIAGE,
        level=result.level.value,
        reason="; ".join(result.reasons)[:600],
        due_at=worklist.due_urgent(now) if urgent else worklist.due_call_today(now, zone),
    )


def _mark_missed(checkin_pk: int) -> bool:
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update()
            .select_related("course__patient__clinic")
            .get(pk=checkin_pk)
        )
        if checkin.status != CheckIn.Status.OPEN:
            return False
        checkin.status = CheckIn.Status.MISSED
        checkin.save(update_fields=["status", "updated_at"])
        task = NurseTask.objects.create(
            clinic=checkin.course.clinic,
            course=checkin.course,
            checkin=checkin,
            kind=NurseTask.Kind.MISSED,
            level=t.Level.CALL_TODAY.value,
            reason=f"Day {checkin.day} check-in not answered (reminded at 15:00)",
            due_at=worklist.due_missed(checkin.closes_at, clock.zone(checkin.course.clinic)),
        )
        audit(
            by=None,
            patient=checkin.course.patient,
            target=checkin,
            changes={"status": ["open", "missed"]},
            extra={"task": str(task.public_id)},
            label="recovery sweep",
            name="checkin.missed",
        )
    return True


def _complete_finished_courses() -> int:
    finished = RecoveryCourse.objects.filter(status=RecoveryCourse.Status.ACTIVE).exclude(
        checkins__status=CheckIn.Status.OPEN
    )
    done = 0
    for course in finished.select_related("patient__clinic"):
        with transaction.atomic():
            RecoveryCourse.objects.filter(pk=course.pk).update(
                status=RecoveryCourse.Status.COMPLETED, updated_at=clock.now()
            )
            audit(
                by=None,
                patient=course.patient,
                target=course,
                changes={"status": ["active", "completed"]},
                label="recovery sweep",
                name="recovery_course.complete",
            )
        done += 1
    return done


def _open_between(field: str, now: datetime) -> Any:
    return CheckIn.objects.filter(
        status=CheckIn.Status.OPEN,
        course__status=RecoveryCourse.Status.ACTIVE,
        closes_at__gt=now,
        **{f"{field}__lte": now},
    ).select_related("course__patient__clinic")


def checkins_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Invite, remind, mark missed (with a call task) and complete courses; settle messages
    a stopped worker left. Idempotent: run it every few minutes."""
    now = now or clock.now()
    counts = {"invited": 0, "reminded": 0, "missed": 0, "completed": 0}
    for checkin in _open_between("invite_at", now):
        counts["invited"] += bool(
            notices.checkin_message_send(checkin=checkin, purpose=notices.INVITE)
        )
    for checkin in _open_between("remind_at", now):
        if notices.invited_before_reminder(checkin):  # one message, not two, when late
            sent = notices.checkin_message_send(checkin=checkin, purpose=notices.REMINDER)
            counts["reminded"] += bool(sent)
    overdue = CheckIn.objects.filter(
        status=CheckIn.Status.OPEN,
        course__status=RecoveryCourse.Status.ACTIVE,
        closes_at__lte=now,
    )
    for pk in overdue.values_list("pk", flat=True):
        counts["missed"] += _mark_missed(pk)
    counts["completed"] = _complete_finished_courses()
    counts.update(messages_recover(now=now))
    return counts
