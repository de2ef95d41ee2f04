"""Which channel and address reach a patient: their preference, else what is on record."""

from __future__ import annotations

from dataclasses import dataclass

from marrowtrack.notifications.models import Channel, ContactPreference
from marrowtrack.patients.models import Patient


@dataclass(frozen=True)
class Route:
    channel: str
    to: str


def _address(patient: Patient, channel: str) -> str:
    return patient.email if channel == Channel.EMAIL else patient.phone


def preferred_channel(patient: Patient) -> str:
    preference = ContactPreference.objects.filter(patient=patient).first()
    if preference is not None:
        return preference.channel
    return Channel.EMAIL if patient.email else Channel.SMS


def route_for(patient: Patient) -> Route | None:
    """The preferred channel if it has an address, else the other one; None if the patient
    asked for no messages or no address is on record."""
    preferred = preferred_channel(patient)
    if preferred == ContactPreference.Choice.NONE:
        return None
    other = Channel.SMS if preferred == Channel.EMAIL else Channel.EMAIL
    for channel in (preferred, other):
        if _address(patient, channel):
            return Route(channel, _address(patient, channel))
    return None
