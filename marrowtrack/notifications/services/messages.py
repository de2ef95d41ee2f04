"""Queueing and delivering patient messages once
(docs/decisions/0010-notifications-exactly-once.md).

1. ``message_enqueue`` renders the message in the patient's language, picks the channel,
   and in one transaction writes the row, its audit entry and the worker's task.
2. ``message_deliver`` (the ``deliver_message`` task) claims the row (QUEUED -> SENDING,
   committed), sends it with the message's key, then records SENT; a failure is retried
   with back-off and logged; a message no longer relevant is SKIPPED; quiet hours defer it.
3. ``messages_recover`` (at every worker start, and from ``recovery_sweep``) settles rows
   a dead worker left SENDING: the backend confirms the key was delivered (SENT, no
   resend), was not (re-queued), or cannot tell (UNCONFIRMED, not resent).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.notifications import policy, relevance
from marrowtrack.notifications.backends import backend_for
from marrowtrack.notifications.links import link_url
from marrowtrack.notifications.models import AccessLink, DeliveryLog, Message, QuietHours
from marrowtrack.notifications.routing import preferred_channel, route_for
from marrowtrack.patients.models import Patient

S = Message.Status
LINK = "{link}"


def quiet_window(clinic: Clinic) -> tuple[Any, Any]:
    row = QuietHours.objects.filter(clinic=clinic).first()
    if row is not None:
        return row.starts, row.ends
    return policy.parse_window(settings.MARROWTRACK_QUIET_HOURS)


def _earliest(clinic: Clinic, at: datetime, quiet_hours: bool) -> datetime:
    if not quiet_hours:
        return at
    start, end = quiet_window(clinic)
    return policy.next_allowed(at, zone=clock.zone(clinic), start=start, end=end)


def _render(template: str, channel: str, language: str, context: Mapping[str, Any]) -> tuple:
    # A date or time in a message is the clinic's, whoever sends it (a page, the worker).
    zone = clock.zone(context.get("clinic"))
    with translation.override(language), timezone.override(zone):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.{channel}.txt", context).strip() + "\n"
    return subject[:200], body


def message_enqueue(
    *,
    patient: Patient,
    purpose: str,
    about: str,
    template: str,
    context: Mapping[str, Any] | None = None,
    link: AccessLink | None = None,
    quiet_hours: bool = True,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    by: User | None = None,
) -> Message:
    """Queue one message (or return the one already queued for ``purpose`` and ``about``).

    ``template`` names ``<template>_subject.txt`` and ``<template>.<channel>.txt``; write
    ``{link}`` where the sign-in link goes. A patient with no usable address or who asked
    for no messages gets a SKIPPED row, so the attempt is still on record."""
    existing = Message.objects.filter(purpose=purpose, about=about).first()
    if existing is not None:
        return existing
    route = route_for(patient)
    channel = route.channel if route else preferred_channel(patient)
    language = patient.preferred_language or "en"
    ctx = {"patient": patient, "clinic": patient.clinic, **(context or {})}
    subject, body = _render(template, channel if channel != "none" else "email", language, ctx)
    when = _earliest(patient.clinic, max(not_before or clock.now(), clock.now()), quiet_hours)
    message = Message(
        clinic=patient.clinic,
        patient=patient,
        purpose=purpose,
        about=about,
        channel=channel if channel != "none" else "email",
        to=route.to if route else "",
        language=language,
        subject=subject,
        body=body,
        link=link,
        quiet_hours=quiet_hours,
        not_before=when,
        expires_at=expires_at,
        status=S.QUEUED if route else S.SKIPPED,
    )
    try:
        with transaction.atomic():
            message.save()
            note = f"queued for {when:%Y-%m-%d %H:%M}"
            _audit(message, by=by, action=AuditAction.CREATE, note=note, name="message.queue")
            if route is None:
                _log(message, DeliveryLog.Outcome.SKIPPED, "no address, or no messages wanted")
            else:
                _schedule(message, when)
    except IntegrityError:
        return Message.objects.get(purpose=purpose, about=about)  # queued concurrently
    return message


def _schedule(message: Message, when: datetime) -> None:
    runner = deliver_message.using(run_after=when) if when > clock.now() else deliver_message
    runner.enqueue(str(message.public_id))


def _log(message: Message, outcome: str, detail: str = "") -> None:
    DeliveryLog.objects.create(
        message=message,
        at=clock.now(),
        attempt=message.attempts,
        outcome=outcome,
        detail=detail[:300],
    )


def _audit(message: Message, *, by: User | None = None, action: str, note: str, name: str) -> None:
    event_record(
        actor=by,
        action=action,
        target=message,
        name=name,
        extra={"status": message.status, "channel": message.channel, "purpose": message.purpose},
        clinic=message.clinic,
        patient_public_id=message.patient.public_id,
        reason=note[:500],
        actor_label=None if by else "message worker",
    )


def _locked(public_id: str) -> Message:
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("patient__clinic", "link")
        .get(public_id=public_id)
    )


def _finish(message: Message, status: str, outcome: str, detail: str) -> str:
    """Record a final state: the row, its log entry and the audit entry together."""
    message.status = status
    fields = ["status", "updated_at"]
    if status == S.SENT:
        message.sent_at = clock.now()
        fields.append("sent_at")
    message.save(update_fields=fields)
    _log(message, outcome, detail)
    note = f"{message.purpose} {status}: {detail}"
    _audit(message, action=AuditAction.UPDATE, note=note, name=f"message.{status}")
    return status


def _claim(public_id: str) -> Message | str:
    """QUEUED -> SENDING, committed before the send; or the reason nothing is sent now."""
    with transaction.atomic():
        message = _locked(public_id)
        now = clock.now()
        if message.status != S.QUEUED:
            return message.status  # handled already: a repeated task never sends twice
        if message.not_before > now:
            return message.status  # an early task; the task queued for not_before sends it
        reason = relevance.reason_not_relevant(message)
        if reason is None and message.expires_at is not None and now >= message.expires_at:
            reason = "expired before it could be sent"
        if reason:
            return _finish(message, S.SKIPPED, DeliveryLog.Outcome.SKIPPED, reason)
        allowed = _earliest(message.clinic, now, message.quiet_hours)
        if allowed > now:
            return _defer(message, allowed)
        message.status, message.claimed_at = S.SENDING, now
        message.attempts += 1
        message.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return message


def _defer(message: Message, until: datetime) -> str:
    message.not_before = until
    message.save(update_fields=["not_before", "updated_at"])
    _log(message, DeliveryLog.Outcome.DEFERRED, f"quiet hours: until {until.isoformat()}")
    _schedule(message, until)
    return message.status


def message_text(message: Message) -> str:
    """The body as sent: the sign-in link filled in (the same link on every resend)."""
    if message.link is None:
        return message.body
    return message.body.replace(LINK, link_url(message.link))


def message_deliver(*, public_id: str) -> str:
    """Send one queued message once, or record why not. Returns the message's status."""
    claimed = _claim(public_id)
    if isinstance(claimed, str):
        return claimed
    try:
        ref = backend_for(claimed.channel).send(
            key=str(claimed.public_id),
            to=claimed.to,
            subject=claimed.subject,
            body=message_text(claimed),
        )
    except Exception as exc:  # noqa: BLE001 - every transport failure is logged and retried
        return _failed(public_id, f"{type(exc).__name__}: {exc}")
    return _sent(public_id, ref)


# The worker's entry point lives beside the delivery it runs, so that queueing (here) and
# running (the task) do not import each other.
@task()
def deliver_message(message_public_id: str) -> str:
    """Send one queued patient message once (``message_deliver``)."""
    return message_deliver(public_id=message_public_id)


def _sent(public_id: str, ref: str) -> str:
    with transaction.atomic():
        message = _locked(public_id)
        message.provider_ref = ref[:120]
        message.save(update_fields=["provider_ref"])
        return _finish(message, S.SENT, DeliveryLog.Outcome.SENT, f"to {message.to}")


def _failed(public_id: str, detail: str) -> str:
    with transaction.atomic():
        message = _locked(public_id)
        if message.attempts >= settings.MARROWTRACK_SEND_MAX_ATTEMPTS:
            return _finish(message, S.FAILED, DeliveryLog.Outcome.FAILED, detail)
        retry_at = clock.now() + policy.backoff(message.attempts)
        message.status, message.not_before = S.QUEUED, retry_at
        message.save(update_fields=["status", "not_before", "updated_at"])
        _log(message, DeliveryLog.Outcome.RETRY, f"{detail}; retry at {retry_at.isoformat()}")
        _schedule(message, retry_at)
    return S.QUEUED


def _settle_stale(public_id: str) -> str:
    with transaction.atomic():
        message = _locked(public_id)
        if message.status != S.SENDING:
            return message.status
        delivered = backend_for(message.channel).confirm(key=str(message.public_id))
        if delivered is True:
            return _finish(
                message,
                S.SENT,
                DeliveryLog.Outcome.CONFIRMED,
                "delivered before the worker stopped",
            )
        if delivered is None:
            return _finish(
                message,
                S.UNCONFIRMED,
                DeliveryLog.Outcome.UNCONFIRMED,
                "the worker stopped mid-send and this channel cannot confirm; not resent",
            )
        message.status, message.not_before = S.QUEUED, clock.now()
        message.save(update_fields=["status", "not_before", "updated_at"])
        _log(message, DeliveryLog.Outcome.REQUEUED, "the worker stopped before sending")
        _schedule(message, message.not_before)
        return S.QUEUED


def messages_recover(*, now: datetime | None = None) -> dict[str, int]:
    """Settle messages a stopped worker left behind (run at worker start and by the sweep).

    SENDING rows older than the lease are confirmed, re-queued or marked unconfirmed;
    QUEUED rows overdue by more than the lease get a fresh task (a duplicate task is
    harmless: delivery sends only from QUEUED)."""
    now = now or clock.now()
    stale = now - timedelta(seconds=settings.MARROWTRACK_SEND_LEASE_SECONDS)
    counts = {"settled": 0, "requeued": 0}
    for public_id in Message.objects.filter(status=S.SENDING, claimed_at__lte=stale).values_list(
        "public_id", flat=True
    ):
        _settle_stale(str(public_id))
        counts["settled"] += 1
    for message in Message.objects.filter(status=S.QUEUED, not_before__lte=stale):
        with transaction.atomic():
            _schedule(message, now)
        counts["requeued"] += 1
    return counts
