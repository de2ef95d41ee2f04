"""Account services: API tokens and TOTP enrolment."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """Issue a bearer token; the secret is returned once and only its hash is stored."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=token_hash(secret),
            expires_at=clock.now() + timedelta(hours=settings.MARROWTRACK_API_TOKEN_HOURS),
        )
        event_record(actor=user, action=AuditAction.LOGIN, target=token, changes={"via": "api"})
    return token, secret


def api_token_user(secret: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__clinic")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator, created on first visit to enrolment."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


def totp_confirm(*, user: User, device: TOTPDevice, token: str) -> TOTPDevice:
    if device.user_id != user.pk or device.confirmed:
        raise DomainError("This authenticator cannot be confirmed.")
    if not device.verify_token(token):
        raise DomainError("That code is not valid. Check the time on your phone and try again.")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        event_record(
            actor=user, action=AuditAction.UPDATE, target="accounts.totp", changes={"2fa": "on"}
        )
    return device
