"""Patient messages: queued with their audit entry and task, sent once by the worker,
retried with back-off, deferred by quiet hours, skipped when no longer relevant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.notifications import relevance
from marrowtrack.notifications.models import DeliveryLog, Message
from marrowtrack.notifications.services.links import access_link_create
from marrowtrack.notifications.services.messages import (
    message_deliver,
    message_enqueue,
    messages_recover,
)
from marrowtrack.notifications.services.preferences import contact_preference_set
from marrowtrack.notifications.tests.backends import FailingSmsBackend
from marrowtrack.notifications.tests.conftest import sms_lines

pytestmark = pytest.mark.django_db
# The worker commits and closes connections as in its own process: those tests commit too.
committing = pytest.mark.django_db(transaction=True)
DAY = "2026-03-04 10:00-05:00"  # 10:00 at the clinic (America/New_York)
EVENING = "2026-03-04 22:30-05:00"


@pytest.fixture
def texted(patient):
    patient.phone, patient.email, patient.preferred_language = "(555) 010-2233", "", "es"
    patient.save()
    return patient


def enqueue(patient, about: str = "x1", **kwargs):
    link = access_link_create(
        patient=patient, purpose="sign_in", target="/portal/", lifetime=timedelta(hours=1)
    )
    return message_enqueue(
        patient=patient,
        purpose=kwargs.pop("purpose", "test.note"),
        about=about,
        template="portal/messages/sign_in",
        context={"minutes": 30},
        link=link,
        **kwargs,
    )


def worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def deliver_due() -> None:
    """What the worker does for each due message, inside the test's transaction."""
    for public_id in Message.objects.filter(
        status="queued", not_before__lte=clock.now()
    ).values_list("public_id", flat=True):
        message_deliver(public_id=str(public_id))


@time_machine.travel(DAY, tick=False)
def test_a_message_is_queued_with_its_task_and_audit_entry_in_the_patients_language(
    texted, sms_file
):
    message = enqueue(texted)
    assert (message.status, message.channel, message.to, message.language) == (
        "queued",
        "sms",
        "(555) 010-2233",
        "es",
    )
    assert "enlace" in message.body and "{link}" in message.body
    assert DBTaskResult.objects.count() == 1
    assert AuditEvent.objects.filter(entity="notifications.message", action="create").count() == 1


@committing
@time_machine.travel(DAY, tick=False)
def test_the_worker_sends_once_even_when_run_twice(texted, sms_file):
    message = enqueue(texted)
    worker()
    worker()
    lines = sms_lines(sms_file)
    assert len(lines) == 1
    assert lines[0]["key"] == str(message.public_id)
    assert "/portal/l/" in lines[0]["body"] and "{link}" not in lines[0]["body"]
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    assert list(message.log.values_list("outcome", flat=True)) == ["sent"]


@time_machine.travel(DAY, tick=False)
def test_the_same_purpose_and_subject_is_queued_once(texted, sms_file):
    first = enqueue(texted, about="same")
    second = enqueue(texted, about="same")
    assert first.pk == second.pk
    assert Message.objects.count() == 1


@committing
def test_quiet_hours_hold_an_unsolicited_message_until_8_at_the_clinic(texted, sms_file):
    with time_machine.travel(EVENING, tick=False):
        message = enqueue(texted)
        worker()
    assert sms_lines(sms_file) == []
    assert message.not_before == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)  # 08:00 EST
    with time_machine.travel("2026-03-05 07:59-05:00", tick=False):
        assert message_deliver(public_id=str(message.public_id)) == "queued"
    with time_machine.travel("2026-03-05 08:00-05:00", tick=False):
        worker()
    assert len(sms_lines(sms_file)) == 1


@time_machine.travel(EVENING, tick=False)
def test_a_message_the_patient_asked_for_is_not_held_by_quiet_hours(texted, sms_file):
    enqueue(texted, quiet_hours=False)
    deliver_due()
    assert len(sms_lines(sms_file)) == 1


def test_a_failed_send_is_retried_with_back_off_then_given_up(texted, sms_file, settings):
    settings.MARROWTRACK_SMS_BACKEND = "marrowtrack.notifications.tests.backends.FailingSmsBackend"
    settings.MARROWTRACK_SEND_MAX_ATTEMPTS = 3
    FailingSmsBackend.failures_left = 5
    with time_machine.travel(DAY, tick=False) as traveller:
        message = enqueue(texted)
        deliver_due()
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("queued", 1)
        assert message.not_before == clock.now() + timedelta(minutes=1)
        traveller.shift(timedelta(minutes=1))
        deliver_due()
        message.refresh_from_db()
        assert message.not_before == clock.now() + timedelta(minutes=2)
        traveller.shift(timedelta(minutes=2))
        deliver_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    outcomes = list(message.log.values_list("outcome", flat=True))
    assert outcomes == ["retry", "retry", "failed"]
    assert "timed out" in message.log.last().detail
    assert sms_lines(sms_file) == []


def test_a_send_that_fails_once_is_sent_on_the_retry(texted, sms_file, settings):
    settings.MARROWTRACK_SMS_BACKEND = "marrowtrack.notifications.tests.backends.FailingSmsBackend"
    FailingSmsBackend.failures_left = 1
    with time_machine.travel(DAY, tick=False) as traveller:
        message = enqueue(texted)
        deliver_due()
        traveller.shift(timedelta(minutes=1))
        deliver_due()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert len(sms_lines(sms_file)) == 1


@time_machine.travel(DAY, tick=False)
def test_a_message_no_longer_relevant_is_skipped_with_the_reason(texted, sms_file):
    relevance.register("test.done", lambda message: "check-in already answered")
    message = enqueue(texted, purpose="test.done")
    deliver_due()
    message.refresh_from_db()
    assert message.status == "skipped"
    assert message.log.get().detail == "check-in already answered"
    assert sms_lines(sms_file) == []


@time_machine.travel(DAY, tick=False)
def test_messages_to_an_archived_patient_or_past_their_expiry_are_skipped(texted, sms_file):
    expired = enqueue(texted, about="a", expires_at=clock.now())
    archived = enqueue(texted, about="b")
    texted.archived_at = clock.now()
    texted.save()
    deliver_due()
    details = {
        m.about: m.log.get().detail
        for m in Message.objects.filter(pk__in=[expired.pk, archived.pk])
    }
    assert details == {"a": "patient record archived", "b": "patient record archived"}
    texted.archived_at = None
    texted.save()
    late = enqueue(texted, about="c", expires_at=clock.now())
    assert message_deliver(public_id=str(late.public_id)) == "skipped"
    assert late.log.get().detail == "expired before it could be sent"


@time_machine.travel(DAY, tick=False)
def test_preferred_channel_and_fallback(patient, sms_file):
    patient.phone, patient.email = "555-010-9999", "rosa@example.org"
    patient.save()
    assert enqueue(patient, about="1").channel == "email"  # email when on record
    contact_preference_set(patient=patient, channel="sms", by=None, by_label="patient")
    assert enqueue(patient, about="2").channel == "sms"
    contact_preference_set(patient=patient, channel="none", by=None, by_label="patient")
    nothing = enqueue(patient, about="3")
    assert nothing.status == "skipped"
    assert nothing.log.get().outcome == DeliveryLog.Outcome.SKIPPED


@time_machine.travel(DAY, tick=False)
def test_email_goes_through_django_with_a_message_id_from_the_key(patient, sms_file):
    patient.email = "rosa@example.org"
    patient.save()
    message = enqueue(patient)
    deliver_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{message.public_id}@marrowtrack>"
    assert "/portal/l/" in mail.outbox[0].body


def _stuck_sending(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(
        status="sending", claimed_at=clock.now() - timedelta(minutes=10), attempts=1
    )


@time_machine.travel(DAY, tick=False)
def test_recovery_confirms_a_delivered_message_and_does_not_resend(texted, sms_file):
    message = enqueue(texted)
    from marrowtrack.notifications.backends import FileSmsBackend

    FileSmsBackend().send(key=str(message.public_id), to=message.to, subject="", body="sent")
    _stuck_sending(message)
    assert messages_recover()["settled"] == 1
    deliver_due()
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.log.get().outcome == "confirmed"
    assert len(sms_lines(sms_file)) == 1


@time_machine.travel(DAY, tick=False)
def test_recovery_requeues_a_message_that_never_left_and_it_is_sent_once(texted, sms_file):
    message = enqueue(texted)
    _stuck_sending(message)
    messages_recover()
    deliver_due()
    message.refresh_from_db()
    assert message.status == "sent"
    assert list(message.log.values_list("outcome", flat=True)) == ["requeued", "sent"]
    assert len(sms_lines(sms_file)) == 1


@time_machine.travel(DAY, tick=False)
def test_a_channel_that_cannot_confirm_is_marked_unconfirmed_not_resent(texted, settings, capsys):
    settings.MARROWTRACK_SMS_BACKEND = "marrowtrack.notifications.backends.ConsoleSmsBackend"
    message = enqueue(texted)
    _stuck_sending(message)
    messages_recover()
    deliver_due()
    message.refresh_from_db()
    assert message.status == "unconfirmed"
    assert "SMS to" not in capsys.readouterr().out


@time_machine.travel(DAY, tick=False)
def test_a_message_claimed_by_a_live_worker_is_left_alone(texted, sms_file):
    message = enqueue(texted)
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=clock.now())
    assert messages_recover()["settled"] == 0
