"""Whether a queued message is still worth sending, asked again at send time.

An app that enqueues messages registers a check for its purpose (in its ``ready()``): the
check returns None while the message is relevant, or the reason it no longer is ("check-in
already done", "withdrawn from check-ins"). Notifications itself only knows the patient
(archived) and the message's own expiry. A registry, like a signal, lets the app that owns
the meaning decide without notifications importing it (docs/decisions/0006).
"""

from __future__ import annotations

from collections.abc import Callable

from marrowtrack.notifications.models import Message

Check = Callable[[Message], str | None]
_CHECKS: dict[str, Check] = {}


def register(purpose: str, check: Check) -> None:
    _CHECKS[purpose] = check


def reason_not_relevant(message: Message) -> str | None:
    if message.patient.is_archived:
        return "patient record archived"
    check = _CHECKS.get(message.purpose)
    return check(message) if check else None
