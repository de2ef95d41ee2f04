"""The sweep: invitation at 09:00, reminder at 15:00 if still open, missed at midnight with
a call task; messages that are no longer relevant are not sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from marrowtrack.notifications.models import Message
from marrowtrack.notifications.services.messages import message_deliver
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.checkins import checkin_submit, checkins_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed(course):
    course.patient.email = "rosa@example.org"
    course.patient.save()
    return course


def at(text: str):
    return time_machine.travel(f"2026-03-04 {text}-05:00", tick=False)  # day 2


def purposes() -> list[str]:
    return sorted(Message.objects.values_list("purpose", flat=True))


def test_nothing_before_nine(emailed):
    with at("08:59"):
        checkins_sweep()
    assert (
        Message.objects.filter(about__contains=str(emailed.checkins.get(day=2).public_id)).count()
        == 0
    )


def test_invitation_then_reminder_each_once(emailed):
    with at("09:00"):
        checkins_sweep()
        checkins_sweep()
    assert purposes() == ["recovery.checkin_invite"]  # day 2 only: day 1 is over
    with at("15:00"):
        checkins_sweep()
        checkins_sweep()
    day2 = str(emailed.checkins.get(day=2).public_id)
    assert sorted(
        Message.objects.filter(about=f"checkin:{day2}").values_list("purpose", flat=True)
    ) == [
        "recovery.checkin_invite",
        "recovery.checkin_reminder",
    ]


def test_a_first_sweep_after_three_pm_sends_only_the_invitation(emailed):
    with at("15:30"):
        checkins_sweep()
    day2 = str(emailed.checkins.get(day=2).public_id)
    assert list(
        Message.objects.filter(about=f"checkin:{day2}").values_list("purpose", flat=True)
    ) == ["recovery.checkin_invite"]


def test_the_invitation_carries_a_link_to_that_check_in_in_the_patients_language(emailed):
    emailed.patient.preferred_language = "es"
    emailed.patient.save()
    with at("09:00"):
        checkins_sweep()
        day2 = emailed.checkins.get(day=2)
        message = Message.objects.get(
            about=f"checkin:{day2.public_id}", purpose="recovery.checkin_invite"
        )
        assert message_deliver(public_id=str(message.public_id)) == "sent"
    body = mail.outbox[-1].body
    assert "control de hoy" in body
    assert message.link.target == f"/portal/check-ins/{day2.public_id}/"
    assert message.link.expires_at == day2.closes_at


def test_a_reminder_queued_before_the_answer_is_skipped(emailed):
    with at("09:00"):
        checkins_sweep()
    with at("15:00"):
        checkins_sweep()
    day2 = emailed.checkins.get(day=2)
    reminder = Message.objects.get(
        about=f"checkin:{day2.public_id}", purpose="recovery.checkin_reminder"
    )
    with at("15:05"):
        checkin_submit(checkin=day2, data={"treated_pain": "4", "harvest_pain": "2"})
        assert message_deliver(public_id=str(reminder.public_id)) == "skipped"
    assert reminder.log.get().detail == "check-in already answered"


def test_a_missed_check_in_becomes_a_call_task_due_next_noon(emailed):
    with time_machine.travel("2026-03-05 00:00-05:00", tick=False):
        counts = checkins_sweep()
        checkins_sweep()
    assert counts["missed"] == 2  # days 1 and 2
    day2 = emailed.checkins.get(day=2)
    task = NurseTask.objects.get(checkin=day2)
    assert (day2.status, task.kind, task.level) == ("missed", "missed", "call_today")
    assert task.due_at == datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # 12:00 clinic time
    assert NurseTask.objects.count() == 2


def test_a_withdrawn_course_sends_nothing_more(emailed, staff):
    from marrowtrack.recovery.services.courses import course_stop

    with at("09:00"):
        checkins_sweep()
        course_stop(course=emailed, by=staff["nurse"], reason="Declined messages")
        invite = Message.objects.filter(purpose="recovery.checkin_invite").first()
        assert message_deliver(public_id=str(invite.public_id)) == "skipped"
    with at("15:00"):
        counts = checkins_sweep()
    assert counts["reminded"] == 0
    with time_machine.travel("2026-03-20 00:00-05:00", tick=False):
        assert checkins_sweep()["missed"] == 0


def test_the_course_completes_when_every_check_in_is_closed(emailed):
    with time_machine.travel("2026-03-17 00:00-05:00", tick=False):
        counts = checkins_sweep()
    emailed.refresh_from_db()
    assert counts["completed"] == 1 and emailed.status == "completed"


def test_the_command_reports_its_counts(emailed, capsys):
    with at("09:00"):
        call_command("recovery_sweep")
    assert "1 invited" in capsys.readouterr().out
