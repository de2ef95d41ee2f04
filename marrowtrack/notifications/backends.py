"""Delivery backends: email through Django's mail backends, SMS through a pluggable backend
(``MARROWTRACK_SMS_BACKEND``). The demo ships a console and a file backend.

The contract that makes a send happen once (docs/decisions/0010-notifications-exactly-once.md):
``send`` is called with the message's key (its public id) and returns a provider reference;
``confirm(key)`` answers, after a worker died mid-send, whether that key was delivered:
True (do not resend), False (never left: send it) or None (cannot tell: do not resend, mark
the message unconfirmed). A production SMS adapter implements ``confirm`` with its
provider's idempotency key or message lookup; one that cannot returns None.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


class Backend(Protocol):
    def send(self, *, key: str, to: str, subject: str, body: str) -> str: ...

    def confirm(self, *, key: str) -> bool | None: ...


class EmailBackend:
    """Django's configured email backend. The Message-ID is derived from the key, so a
    receiving server that sees the same message twice can tell; SMTP cannot confirm."""

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        message_id = f"<{key}@marrowtrack>"
        email = EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers={"Message-ID": message_id}
        )
        email.send()
        return message_id

    def confirm(self, *, key: str) -> bool | None:
        return None


class ConsoleSmsBackend:
    """Prints each text message to standard output (the demo's worker log)."""

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        sys.stdout.write(f"SMS to {to} [{key}]\n{body}\n---\n")
        sys.stdout.flush()
        return f"console:{key}"

    def confirm(self, *, key: str) -> bool | None:
        return None


class FileSmsBackend:
    """Appends each text message as one JSON line to ``MARROWTRACK_SMS_FILE`` and fsyncs it,
    like a provider that honours idempotency keys: a key already in the file is not
    written again, and ``confirm`` can look a key up."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.MARROWTRACK_SMS_FILE)

    def _keys(self) -> set[str]:
        if not self.path.exists():
            return set()
        with self.path.open(encoding="utf-8") as handle:
            return {json.loads(line)["key"] for line in handle if line.strip()}

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # two workers never interleave a key check
            if key not in self._keys():
                handle.write(json.dumps({"key": key, "to": to, "body": body}) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        return f"file:{key}"

    def confirm(self, *, key: str) -> bool | None:
        return key in self._keys()


def backend_for(channel: str) -> Backend:
    if channel == "email":
        return EmailBackend()
    if channel == "sms":
        return import_string(settings.MARROWTRACK_SMS_BACKEND)()
    raise ValueError(f"unknown channel {channel!r}")
