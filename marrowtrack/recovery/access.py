"""Who may open which recovery record: permission (403), then the user's clinic (404)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.recovery.models import AdverseEvent, CheckIn, NurseTask, RecoveryCourse

VIEW_COURSE = "recovery.view_recoverycourse"
VIEW_TASK = "recovery.view_nursetask"
VIEW_AE = "recovery.view_adverseevent"


def course_for_user(user: User, public_id: UUID | str, perm: str = VIEW_COURSE) -> RecoveryCourse:
    require_perm(user, perm)
    course = (
        RecoveryCourse.objects.select_related("patient__clinic", "plan", "clinic")
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if course is None:
        raise Http404("No such recovery course in your clinic.")
    return course


def checkin_for_user(user: User, public_id: UUID | str, perm: str) -> CheckIn:
    require_perm(user, perm)
    checkin = (
        CheckIn.objects.select_related("course__patient__clinic", "course__plan")
        .filter(public_id=public_id, course__clinic_id=staff_clinic(user).pk)
        .first()
    )
    if checkin is None:
        raise Http404("No such check-in in your clinic.")
    return checkin


def task_for_user(user: User, public_id: UUID | str, perm: str = VIEW_TASK) -> NurseTask:
    require_perm(user, perm)
    task = (
        NurseTask.objects.select_related("course__patient__clinic", "course__plan", "checkin")
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if task is None:
        raise Http404("No such task in your clinic.")
    return task


def event_for_user(user: User, public_id: UUID | str, perm: str = VIEW_AE) -> AdverseEvent:
    require_perm(user, perm)
    event = (
        AdverseEvent.objects.select_related(
            "patient__clinic", "plan", "recorded_by", "signature", "source_task"
        )
        .filter(public_id=public_id, clinic_id=staff_clinic(user).pk)
        .first()
    )
    if event is None:
        raise Http404("No such adverse event in your clinic.")
    return event
