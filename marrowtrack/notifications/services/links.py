"""Issuing single-use sign-in links (the portal checks and consumes them)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.notifications.models import AccessLink
from marrowtrack.patients.models import Patient


def access_link_create(
    *, patient: Patient, purpose: str, target: str, lifetime: timedelta, by: User | None = None
) -> AccessLink:
    """A new link for ``patient`` that opens ``target`` once, until ``lifetime`` has passed."""
    with transaction.atomic():
        link = AccessLink.objects.create(
            patient=patient,
            purpose=purpose,
            target=target,
            expires_at=clock.now() + lifetime,
            created_by=by,
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=link,
            changes={"expires_at": [None, link.expires_at]},
            extra={"purpose": purpose},
            name="access_link.issue",
            clinic=patient.clinic,
            patient_public_id=patient.public_id,
            actor_label=None if by else "portal",
        )
    return link
