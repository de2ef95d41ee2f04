"""Reminders: due, +3, +7 days; sent once; never after completion or after the window closes."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from marrowtrack.audit.models import AuditEvent
from marrowtrack.outcomes.models import Reminder, ReminderLog
from marrowtrack.outcomes.services.reminders import reminder_deliver
from marrowtrack.outcomes.tasks import reminders_queue_due as reminders_enqueue_due
from marrowtrack.outcomes.tests.factories import make_plan

# The worker commits and closes connections as it would in its own process; a test inside
# one wrapping transaction would see its connection closed under it on PostgreSQL.
pytestmark = pytest.mark.django_db(transaction=True)
# The 2-week follow-up of a plan treated 8 Jan: target 22 Jan, window 19-29 Jan.


def _plan(patient, staff):
    patient.email = "rosa@example.org"
    patient.save()
    return make_plan(patient, staff["physician"])


def _run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def _day(text: str):
    return time_machine.travel(f"{text} 09:00-05:00", tick=False)


def test_the_due_reminder_is_queued_in_the_database_and_the_worker_sends_it_once(patient, staff):
    plan = _plan(patient, staff)
    with _day("2026-01-22"):
        from marrowtrack.core import clock

        assert reminders_enqueue_due(today=clock.today()) == 1
        assert reminders_enqueue_due(today=clock.today()) == 0  # same day again: nothing new
        _run_worker()
        _run_worker()
    assert len(mail.outbox) == 1
    assert "/outcomes/portal/s/" in mail.outbox[0].body
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.status) == ("due", "sent")
    assert reminder.followup == plan.followups.get(timepoint="2w")
    assert ReminderLog.objects.get().outcome == "sent"
    assert AuditEvent.objects.filter(entity="outcomes.reminder").count() == 1


def test_no_reminder_before_the_due_date_then_day_three_and_day_seven(patient, staff):
    _plan(patient, staff)
    kinds = []
    for day in ("2026-01-21", "2026-01-22", "2026-01-24", "2026-01-25", "2026-01-29"):
        with _day(day):
            from marrowtrack.core import clock

            reminders_enqueue_due(today=clock.today())
            _run_worker()
            kinds.append(sorted(Reminder.objects.values_list("kind", flat=True)))
    assert kinds == [[], ["due"], ["due"], ["day_3", "due"], ["day_3", "day_7", "due"]]
    assert len(mail.outbox) == 3


def test_a_reminder_queued_before_completion_is_skipped_and_logged(patient, staff):
    plan = _plan(patient, staff)
    with _day("2026-01-22"):
        from marrowtrack.core import clock

        reminders_enqueue_due(today=clock.today())
        followup = plan.followups.get(timepoint="2w")
        followup.status = "completed"
        followup.save()
        _run_worker()
    assert mail.outbox == []
    assert Reminder.objects.get().status == "skipped"
    assert ReminderLog.objects.get().detail == "survey already completed"


def test_a_reminder_delivered_after_the_window_closed_is_not_sent(patient, staff):
    _plan(patient, staff)
    with _day("2026-01-29"):
        from marrowtrack.core import clock

        reminders_enqueue_due(today=clock.today())  # day 7 reminder, last day of the window
    reminder = Reminder.objects.get()
    with _day("2026-01-30"):  # the worker was down overnight
        assert reminder_deliver(public_id=str(reminder.public_id)) == "skipped"
        assert reminders_enqueue_due(today=clock.today()) == 0
    assert mail.outbox == []
    assert ReminderLog.objects.get().detail == "window closed"


def test_completed_follow_ups_get_no_new_reminders(patient, staff):
    plan = _plan(patient, staff)
    plan.followups.filter(timepoint="2w").update(status="completed")
    with _day("2026-01-22"):
        from marrowtrack.core import clock

        assert reminders_enqueue_due(today=clock.today()) == 0


def test_the_database_refuses_a_second_reminder_of_the_same_kind(patient, staff):
    plan = _plan(patient, staff)
    followup = plan.followups.get(timepoint="2w")
    Reminder.objects.create(followup=followup, kind="due", scheduled_for=followup.target_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(followup=followup, kind="due", scheduled_for=followup.target_on)


def test_send_reminders_command_queues_and_reports(patient, staff, capsys):
    _plan(patient, staff)
    with _day("2026-01-22"):
        call_command("send_reminders")
    assert "1 reminders queued" in capsys.readouterr().out
