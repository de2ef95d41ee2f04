"""The messages recovery sends: the check-in invitation and its reminder, each carrying a
single-use sign-in link that opens that day's check-in in the portal.

The link target is the portal's check-in page (the portal, above this app, serves it;
the address is a URL name, not an import)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from marrowtrack.core import clock
from marrowtrack.notifications.models import Message
from marrowtrack.notifications.services.links import access_link_create
from marrowtrack.notifications.services.messages import message_enqueue
from marrowtrack.recovery.models import CheckIn, RecoveryCourse

INVITE = "recovery.checkin_invite"
REMINDER = "recovery.checkin_reminder"
PURPOSES = (INVITE, REMINDER)
TEMPLATES = {
    INVITE: "recovery/messages/checkin_invite",
    REMINDER: "recovery/messages/checkin_reminder",
}


def about(checkin: CheckIn) -> str:
    return f"checkin:{checkin.public_id}"


def checkin_message_reason(message: Message) -> str | None:
    """Why a check-in message is no longer worth sending (None while it is)."""
    public_id = message.about.removeprefix("checkin:")
    checkin = CheckIn.objects.select_related("course").filter(public_id=public_id).first()
    if checkin is None:
        return "check-in not found"
    if checkin.course.status != RecoveryCourse.Status.ACTIVE:
        return f"check-ins {checkin.course.get_status_display().lower()}"
    if checkin.status != CheckIn.Status.OPEN:
        return f"check-in already {checkin.get_status_display().lower()}"
    if clock.now() >= checkin.closes_at:
        return "the check-in's day is over"
    return None


def invited_before_reminder(checkin: CheckIn) -> bool:
    """A reminder follows an invitation sent before the reminder time; when the first
    message only goes out after it (a course started late in the day), it is the only one."""
    return Message.objects.filter(
        purpose=INVITE, about=about(checkin), created_at__lt=checkin.remind_at
    ).exists()


def checkin_message_send(*, checkin: CheckIn, purpose: str) -> Message | None:
    """Queue the invitation or reminder of one check-in, once (None if already queued)."""
    if Message.objects.filter(purpose=purpose, about=about(checkin)).exists():
        return None
    patient = checkin.course.patient
    with transaction.atomic():
        link = access_link_create(
            patient=patient,
            purpose="checkin",
            target=reverse("portal:checkin", args=[checkin.public_id]),
            lifetime=checkin.closes_at - clock.now(),
        )
        return message_enqueue(
            patient=patient,
            purpose=purpose,
            about=about(checkin),
            template=TEMPLATES[purpose],
            context={"checkin": checkin, "day": checkin.day},
            link=link,
            expires_at=checkin.closes_at,
        )
