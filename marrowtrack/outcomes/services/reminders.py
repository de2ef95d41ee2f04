"""Survey reminders at the due date, +3 and +7 days, delivered by the background worker.

`reminders_enqueue_due` (run daily by `marrowtrack send_reminders`) creates a Reminder row and
enqueues its delivery in the same transaction, so the database-backed queue survives restarts.
The caller passes the enqueue function (tasks.py passes its task's), so this module does not
import the task that imports it. The unique constraint (follow-up, kind, channel) makes each
reminder exist once; delivery re-checks at send time and never sends after completion or after
the window closed. Every attempt is written to ReminderLog and the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.outcomes.catalogue import timepoint_label
from marrowtrack.outcomes.channels import CHANNELS, Message
from marrowtrack.outcomes.models import FollowUp, Reminder, ReminderLog
from marrowtrack.outcomes.services.links import survey_link_create

OFFSETS: tuple[tuple[str, int], ...] = (
    (Reminder.Kind.DUE, 0),
    (Reminder.Kind.DAY_3, 3),
    (Reminder.Kind.DAY_7, 7),
)


@dataclass(frozen=True)
class Delivery:
    status: str
    detail: str


def kind_due(followup: FollowUp, today: date) -> tuple[str, date] | None:
    """The latest reminder kind whose day has come (earlier missed ones are not sent late)."""
    due = [
        (kind, followup.target_on + timedelta(days=offset))
        for kind, offset in OFFSETS
        if followup.target_on + timedelta(days=offset) <= min(today, followup.closes_on)
    ]
    return due[-1] if due else None


def followups_needing_reminder(today: date | None = None):  # -> QuerySet[FollowUp]
    """Open follow-ups whose window holds `today`; without a date, those that may hold some
    clinic's today (every clinic's date is within a day of UTC's: checked per clinic after)."""
    earliest = latest = today
    if today is None:
        utc_today = clock.now().astimezone(UTC).date()
        earliest, latest = utc_today - timedelta(days=1), utc_today + timedelta(days=1)
    return (
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN, target_on__lte=latest, closes_on__gte=earliest
        )
        .exclude(timepoint="baseline")
        .exclude(plan__patient__email="")
        .select_related("plan__patient__clinic")
    )


def reminders_enqueue_due(
    *, today: date | None = None, enqueue: Callable[[Reminder], object], channel: str = "email"
) -> int:
    """Create and enqueue the reminders due on each clinic's own today (or on `today`);
    returns how many were queued."""
    queued = 0
    for followup in followups_needing_reminder(today):
        clinic_today = today or clock.today(followup.plan.patient.clinic)
        if not followup.target_on <= clinic_today <= followup.closes_on:
            continue
        found = kind_due(followup, clinic_today)
        if found is None:
            continue
        kind, day = found
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    followup=followup, kind=kind, channel=channel, scheduled_for=day
                )
                enqueue(reminder)
        except IntegrityError:
            continue  # this reminder exists already: each is sent once
        queued += 1
    return queued


def _skip_reason(reminder: Reminder, today: date) -> str | None:
    followup = reminder.followup
    if followup.status == FollowUp.Status.COMPLETED:
        return "survey already completed"
    if followup.status != FollowUp.Status.OPEN:
        return f"follow-up {followup.get_status_display().lower()}"
    if today > followup.closes_on:
        return "window closed"
    if not CHANNELS[reminder.channel].address(followup.plan.patient):
        return f"no {reminder.channel} address"
    return None


def survey_url(token: str) -> str:
    base = getattr(settings, "MARROWTRACK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("outcomes:portal-start", args=[token])


def reminder_message(reminder: Reminder, url: str) -> Message:
    followup = reminder.followup
    patient, clinic = followup.plan.patient, followup.plan.patient.clinic
    when = timepoint_label(followup.timepoint).lower()
    body = (
        f"Dear {patient.given_name},\n\n"
        f"It is time for your {when} questionnaire about your treatment at {clinic.name}. "
        f"It takes about 10 minutes and helps us learn how well the treatment works.\n\n"
        f"{url}\n\n"
        f"The link is personal: it works on the first phone or computer you open it on, "
        f"until you submit your answers or for 14 days. "
        f"If you have already answered, please ignore this message.\n"
    )
    return Message(subject=f"Your {when} questionnaire from {clinic.name}", body=body)


def _send(reminder: Reminder) -> Delivery:
    channel = CHANNELS[reminder.channel]
    issued = survey_link_create(followup=reminder.followup, by=None)
    to = channel.address(reminder.followup.plan.patient)
    channel.send(to=to, message=reminder_message(reminder, survey_url(issued.token)))
    return Delivery(Reminder.Status.SENT, f"to {to}")


def _record(reminder: Reminder, delivery: Delivery) -> None:
    now = clock.now()
    reminder.status = delivery.status
    reminder.sent_at = now if delivery.status == Reminder.Status.SENT else None
    reminder.save(update_fields=["status", "sent_at", "updated_at"])
    patient = reminder.followup.plan.patient
    ReminderLog.objects.create(
        reminder=reminder,
        at=now,
        outcome=delivery.status,
        recipient=CHANNELS[reminder.channel].address(patient),
        detail=delivery.detail[:300],
    )
    event_record(
        actor=None,
        action=AuditAction.CREATE,
        target=reminder,
        changes={"status": [Reminder.Status.QUEUED, delivery.status], "kind": reminder.kind},
        clinic=patient.clinic,
        patient_public_id=patient.public_id,
        reason=f"Survey reminder {delivery.status}: {delivery.detail}"[:500],
        actor_label="reminder worker",
    )


def reminder_deliver(*, public_id: str) -> str:
    """Send one queued reminder once, or skip it with the reason; log either way."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .select_related("followup__plan__patient__clinic")
            .get(public_id=public_id)
        )
        if reminder.status != Reminder.Status.QUEUED:
            return reminder.status  # already handled: a retry never sends twice
        reason = _skip_reason(reminder, clock.today(reminder.followup.plan.patient.clinic))
        if reason:
            delivery = Delivery(Reminder.Status.SKIPPED, reason)
        else:
            try:
                with transaction.atomic():  # a failed send leaves no half-made link
                    delivery = _send(reminder)
            except Exception as exc:  # noqa: BLE001 - any transport failure is logged
                delivery = Delivery(Reminder.Status.FAILED, f"{type(exc).__name__}: {exc}")
        _record(reminder, delivery)
    return reminder.status
