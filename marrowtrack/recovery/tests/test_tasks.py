"""Nurses acknowledge and resolve tasks with a note; every change is audited."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.recovery.services.tasks import task_acknowledge, task_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(course):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False):
        checkin_submit(
            checkin=course.checkins.get(day=2),
            data={"treated_pain": "5", "harvest_pain": "3", "temperature": "38.6"},
        )
    return NurseTask.objects.get()


def test_acknowledge_then_resolve_with_a_note(task, staff):
    task_acknowledge(task=task, by=staff["nurse"])
    with pytest.raises(DomainError, match="already acknowledged"):
        task_acknowledge(task=task, by=staff["nurse"])
    task_resolve(task=task, by=staff["nurse"], note="Called: seen in clinic at 14:00.")
    task.refresh_from_db()
    assert (task.status, task.resolved_by, task.acknowledged_by) == (
        "resolved",
        staff["nurse"],
        staff["nurse"],
    )
    entries = AuditEvent.objects.filter(entity="recovery.nursetask").order_by("sequence")
    assert [e.changes["status"]["new"] for e in entries] == ["acknowledged", "resolved"]
    assert [e.name for e in entries] == ["nurse_task.acknowledge", "nurse_task.resolve"]
    assert {e.actor for e in entries} == {staff["nurse"]}


def test_resolving_needs_a_note_and_happens_once(task, staff):
    with pytest.raises(ValidationFailed):
        task_resolve(task=task, by=staff["nurse"], note=" ")
    task_resolve(task=task, by=staff["nurse"], note="Advice given.")
    task.refresh_from_db()
    assert task.acknowledged_by == staff["nurse"]  # resolving acknowledges too
    with pytest.raises(DomainError, match="already resolved"):
        task_resolve(task=task, by=staff["nurse"], note="again")


def test_another_clinics_nurse_is_refused(task, outsider):
    with pytest.raises(PermissionDenied):
        task_acknowledge(task=task, by=outsider)
