"""A patient's preferred channel, set by staff or by the patient in the portal."""

from __future__ import annotations

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.notifications.models import ContactPreference
from marrowtrack.notifications.routing import preferred_channel
from marrowtrack.patients.models import Patient


def contact_preference_set(
    *, patient: Patient, channel: str, by: User | None, by_label: str = ""
) -> ContactPreference:
    """Store how the patient wants messages; refuses a channel with no address on record."""
    if channel not in ContactPreference.Choice.values:
        raise ValidationFailed({"channel": [f"Choose email, SMS or none, not {channel!r}."]})
    if channel == "email" and not patient.email:
        raise ValidationFailed({"channel": ["There is no email address on the record."]})
    if channel == "sms" and not patient.phone:
        raise ValidationFailed({"channel": ["There is no phone number on the record."]})
    with transaction.atomic():
        old = preferred_channel(patient)
        preference, _ = ContactPreference.objects.update_or_create(
            patient=patient, defaults={"channel": channel}
        )
        event_record(
            actor=by,
            action=AuditAction.UPDATE,
            target=preference,
            changes={"channel": [old, channel]},
            name="contact_preference.set",
            clinic=patient.clinic,
            patient_public_id=patient.public_id,
            actor_label=by_label or None,
        )
    return preference
