"""Single-use, expiring survey links bound to the first device that opens them.

Only the SHA-256 of the token is stored, so a database leak does not open surveys. A link
works until it expires (14 days, policy) or the survey is submitted, whichever comes first,
and only on the first device (browser) that opened it: that browser receives a random device
secret in a cookie, the link stores the secret's SHA-256, and any other device is refused with
a page that says why (a forwarded or intercepted link cannot be answered elsewhere). The
binding is done under a row lock, so two devices opening it at once cannot both win.
"""

from __future__ import annotations

import hashlib
import hmac
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
USED = "This survey link has expired or was already used."
OTHER_DEVICE = (
    "This survey link was already opened on another phone or computer. For your privacy it "
    "works only on the first one it was opened on."
)


class LinkInvalid(DomainError):
    """Unknown, expired or already used link (the page says so without details)."""


class LinkOnOtherDevice(LinkInvalid):
    """The link is bound to another device."""


@dataclass(frozen=True)
class IssuedLink:
    link: SurveyLink
    token: str  # shown once (in the email or to staff), never stored


@dataclass(frozen=True)
class OpenedLink:
    link: SurveyLink
    device_secret: str  # the browser keeps it in a cookie: the link works only with it


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
        _audit(
            link,
            by,
            f"Survey link issued for {followup.timepoint}",
            action=AuditAction.CREATE,
            label=by_label or "reminder worker",
            expires_at=link.expires_at,
        )
    return IssuedLink(link, token)


def _audit(
    link: SurveyLink,
    by: User | None,
    reason: str,
    *,
    action: str = AuditAction.UPDATE,
    label: str = "patient (survey link)",
    **changes: object,
) -> None:
    """Audit a link write; without a staff member, `label` names who acted."""
    patient = link.followup.plan.patient
    event_record(
        actor=by,
        action=action,
        target=link,
        changes={key: [None, value] for key, value in changes.items()},
        clinic=patient.clinic,
        patient_public_id=patient.public_id,
        reason=reason,
        actor_label=None if by else label,
    )


def _usable(link: SurveyLink | None) -> SurveyLink:
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        raise LinkInvalid(USED)
    if link.followup.status != FollowUp.Status.OPEN:
        raise LinkInvalid("This survey is closed.")
    return link


def _same_device(link: SurveyLink, device_secret: str | None) -> bool:
    return bool(device_secret) and hmac.compare_digest(
        link.device_hash, token_hash(device_secret or "")
    )


def survey_link_open(*, token: str, device_secret: str | None) -> OpenedLink:
    """The usable link for a token, bound to this device on first use; LinkInvalid if not."""
    with transaction.atomic():
        link = _usable(
            SurveyLink.objects.select_for_update()
            .select_related("followup__plan__patient__clinic")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if link.device_hash:
            if not _same_device(link, device_secret):
                raise LinkOnOtherDevice(OTHER_DEVICE)
            return OpenedLink(link, device_secret or "")
        secret = device_secret or secrets.token_urlsafe(32)
        link.device_hash, link.bound_at = token_hash(secret), clock.now()
        link.save(update_fields=["device_hash", "bound_at", "updated_at"])
        _audit(link, None, "Survey link opened and bound to this device", bound_at=link.bound_at)
    return OpenedLink(link, secret)


def survey_link_for_session(*, hashed: str, device_secret: str | None) -> SurveyLink:
    """The link a portal session is answering, still usable and still on its device."""
    link = _usable(
        SurveyLink.objects.select_related("followup__plan__patient__clinic")
        .filter(token_hash=hashed)
        .first()
    )
    if not _same_device(link, device_secret):
        raise LinkOnOtherDevice(OTHER_DEVICE)
    return link
