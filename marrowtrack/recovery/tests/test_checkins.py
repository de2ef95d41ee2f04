"""Answering a check-in: triage, the nurse task with reason and due time, one answer only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.checkins import checkin_submit

pytestmark = pytest.mark.django_db
CALM = {"treated_pain": "5", "harvest_pain": "3"}


def day(course, n):
    return course.checkins.get(day=n)


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_an_expected_check_in_creates_no_task(course):
    checkin = checkin_submit(checkin=day(course, 2), data=CALM)
    assert (checkin.status, checkin.level, checkin.source) == ("submitted", "expected", "portal")
    assert NurseTask.objects.count() == 0
    entry = AuditEvent.objects.filter(entity="recovery.checkin").latest("sequence")
    assert entry.actor is None and "via portal" in entry.actor_label


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_fever_on_day_two_is_an_urgent_task_due_within_the_hour(course):
    checkin = checkin_submit(checkin=day(course, 2), data={**CALM, "temperature": "38.4"})
    task = NurseTask.objects.get()
    assert checkin.level == "urgent"
    assert (task.kind, task.level, task.status) == ("triage", "urgent", "open")
    assert "38.4" in task.reason
    assert task.due_at == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # 11:00 clinic time


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_call_today_task_is_due_at_18_clinic_time(course):
    checkin_submit(checkin=day(course, 2), data={**CALM, "wants_call": True})
    task = NurseTask.objects.get()
    assert task.level == "call_today"
    assert task.due_at == datetime(2026, 3, 4, 23, 0, tzinfo=UTC)


def test_pain_still_rising_uses_the_previous_check_in(course):
    with time_machine.travel("2026-03-05 10:00-05:00", tick=False):
        checkin_submit(checkin=day(course, 3), data={**CALM, "treated_pain": "5"})
    with time_machine.travel("2026-03-06 10:00-05:00", tick=False):
        checkin = checkin_submit(checkin=day(course, 4), data={**CALM, "treated_pain": "6"})
    assert [f["code"] for f in checkin.findings] == ["pain_rising"]


def test_nsaids_count_inside_the_window_but_not_at_two_weeks(course):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False):
        inside = checkin_submit(checkin=day(course, 2), data={**CALM, "nsaids_taken": True})
    with time_machine.travel("2026-03-16 10:00-05:00", tick=False):
        after = checkin_submit(
            checkin=day(course, 14),
            data={"treated_pain": "2", "harvest_pain": "0", "nsaids_taken": True},
        )
    assert inside.level == "call_today" and after.level == "expected"


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_check_in_is_answered_once(course):
    checkin_submit(checkin=day(course, 2), data=CALM)
    with pytest.raises(DomainError, match="already answered"):
        checkin_submit(checkin=day(course, 2), data={**CALM, "temperature": "39"})
    assert NurseTask.objects.count() == 0


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_only_todays_check_in_can_be_answered(course):
    with pytest.raises(DomainError, match="opens on 2026-03-05"):
        checkin_submit(checkin=day(course, 3), data=CALM)
    with pytest.raises(DomainError, match="day is over"):
        checkin_submit(checkin=day(course, 1), data=CALM)


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_bad_answers_are_refused_and_nothing_is_stored(course):
    with pytest.raises(ValidationFailed) as refused:
        checkin_submit(checkin=day(course, 2), data={"treated_pain": "12"})
    assert set(refused.value.errors) == {"treated_pain", "harvest_pain"}
    checkin = day(course, 2)
    assert (checkin.status, checkin.answers) == ("open", {})


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_phone_check_in_is_attributed_to_the_nurse(course, staff):
    checkin = checkin_submit(checkin=day(course, 2), data=CALM, by=staff["nurse"])
    assert (checkin.source, checkin.entered_by) == ("phone", staff["nurse"])


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_stopped_course_takes_no_answers(course, staff):
    from marrowtrack.recovery.services.courses import course_stop

    course_stop(course=course, by=staff["nurse"], reason="Declined")
    with pytest.raises(DomainError):
        checkin_submit(checkin=day(course, 2), data=CALM)
