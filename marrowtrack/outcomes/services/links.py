"""Single-use, expiring survey links: the start of the patient portal.

Only the SHA-256 of the token is stored, so a database leak does not open surveys. A link
works until it expires (14 days, policy) or the survey is submitted, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.outcomes.models import FollowUp, SurveyLink

LINK_DAYS = 14


class LinkInvalid(DomainError):
    """Unknown, expired or already used link (the page says so without details)."""


@dataclass(frozen=True)
class IssuedLink:
    link: SurveyLink
    token: str  # shown once (in the email or to staff), never stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_link_create(
    *, followup: FollowUp, by: User | None, days: int = LINK_DAYS, by_label: str = ""
) -> IssuedLink:
    """Issue a new link for a follow-up's survey (earlier links stay valid until used).
    Without a staff member, ``by_label`` names who asked (the portal names the patient)."""
    if followup.status != FollowUp.Status.OPEN:
        raise DomainError(f"The {followup.timepoint} follow-up is {followup.get_status_display()}.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = SurveyLink.objects.create(
            followup=followup,
            token_hash=token_hash(token),
            expires_at=clock.now() + timedelta(days=days),
            created_by=by,
        )
        patient = followup.plan.patient
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=link,
            changes={"expires_at": [None, link.expires_at]},
            clinic=patient.clinic,
            patient_public_id=patient.public_id,
            reason=f"Survey link issued for {followup.timepoint}",
            actor_label=None if by else (by_label or "reminder worker"),
        )
    return IssuedLink(link, token)


def survey_link_resolve(token: str) -> SurveyLink:
    """The usable link for a token, or LinkInvalid."""
    link = (
        SurveyLink.objects.select_related("followup__plan__patient__clinic")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        raise LinkInvalid("This survey link has expired or was already used.")
    if link.followup.status != FollowUp.Status.OPEN:
        raise LinkInvalid("This survey is closed.")
    return link
