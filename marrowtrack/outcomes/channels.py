"""Delivery channels for patient messages. Email now; SMS is another class in CHANNELS later.

A channel knows how to reach a patient and send one short message; it never decides whether
a message should be sent (that is the reminder service's job).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail

from marrowtrack.patients.models import Patient


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class Channel(Protocol):
    code: str

    def address(self, patient: Patient) -> str: ...

    def send(self, *, to: str, message: Message) -> None: ...


class EmailChannel:
    code = "email"

    def address(self, patient: Patient) -> str:
        return patient.email

    def send(self, *, to: str, message: Message) -> None:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [to])


CHANNELS: dict[str, Channel] = {"email": EmailChannel()}
