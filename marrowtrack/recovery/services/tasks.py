"""The nurse worklist: a task is acknowledged (someone is on it) and resolved with a note."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.access import require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.common import audit

S = NurseTask.Status


def _locked(task: NurseTask) -> NurseTask:
    return (
        NurseTask.objects.select_for_update()
        .select_related("course__patient__clinic")
        .get(pk=task.pk)
    )


def task_acknowledge(*, task: NurseTask, by: User) -> NurseTask:
    """Take the task: the worklist shows who is on it."""
    require_same_clinic(by, task.clinic_id)
    with transaction.atomic():
        task = _locked(task)
        if task.status != S.OPEN:
            raise DomainError(f"This task is already {task.get_status_display().lower()}.")
        task.status, task.acknowledged_at, task.acknowledged_by = S.ACKNOWLEDGED, clock.now(), by
        task.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
        audit(
            by=by,
            patient=task.course.patient,
            target=task,
            changes={"status": ["open", S.ACKNOWLEDGED]},
            name="nurse_task.acknowledge",
        )
    return task


def task_resolve(*, task: NurseTask, by: User, note: str) -> NurseTask:
    """Close the task with what was done (acknowledging it too if nobody had)."""
    require_same_clinic(by, task.clinic_id)
    note = (note or "").strip()
    if len(note) < 3:
        raise ValidationFailed({"note": ["Write what was done (the call, the advice, the plan)."]})
    with transaction.atomic():
        task = _locked(task)
        if task.status == S.RESOLVED:
            raise DomainError("This task is already resolved.")
        old, now = task.status, clock.now()
        if task.acknowledged_at is None:
            task.acknowledged_at, task.acknowledged_by = now, by
        task.status, task.resolved_at, task.resolved_by = S.RESOLVED, now, by
        task.resolution_note = note[:2000]
        task.save(
            update_fields=[
                "status",
                "acknowledged_at",
                "acknowledged_by",
                "resolved_at",
                "resolved_by",
                "resolution_note",
                "updated_at",
            ]
        )
        audit(
            by=by,
            patient=task.course.patient,
            target=task,
            changes={"status": [old, S.RESOLVED]},
            reason=note,
            name="nurse_task.resolve",
        )
    return task
