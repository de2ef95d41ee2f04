"""Account services: API tokens (issue, list, revoke), TOTP enrolment, password change."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.prepared import PreparedSelect


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def two_factor_missing(user: User, devices: Callable[..., Iterable[Any]]) -> bool:
    """True when two-factor is required and the user has no confirmed authenticator yet:
    they must enrol (on the web page) before any token or page."""
    return bool(settings.MARROWTRACK_REQUIRE_2FA and not list(devices(user, confirmed=True)))


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """Issue a bearer token; the secret is returned once and only its hash is stored."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=token_hash(secret),
            expires_at=clock.now() + timedelta(hours=settings.MARROWTRACK_API_TOKEN_HOURS),
        )
        event_record(
            actor=user,
            action=AuditAction.LOGIN,
            name="token.issue",
            target=token,
            extra={"via": "api"},
        )
    return token, secret


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


# Every API request looks its token up: the query is built once (core.prepared). The key
# hash is unique, so the token is one row or none; whether it is still live is decided
# below, with the clock read per request.
_TOKEN_BY_HASH = PreparedSelect(
    lambda key_hash: (
        ApiToken.objects.select_related("user", "user__clinic").filter(key_hash=key_hash).order_by()
    ),
    key_hash=ApiToken._meta.get_field("key_hash"),
)


def api_token_user(secret: str) -> User | None:
    now = clock.now()
    found = _TOKEN_BY_HASH.fetch(key_hash=token_hash(secret))
    token = found[0] if found else None
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    # "Last used" to the minute: one write a minute per token, not one per request (every
    # read would otherwise take SQLite's write lock or write a row version on PostgreSQL).
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token  # the token this request came with (for logout)
    return token.user


def api_tokens_active(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=clock.now())


def api_tokens_revoke(
    *, user: User, by: User | None, reason: str, tokens: QuerySet[ApiToken] | None = None
) -> int:
    """Revoke the user's live tokens (or the given ones of theirs); audited when any were."""
    live = (tokens if tokens is not None else ApiToken.objects.all()).filter(
        user=user, revoked_at__isnull=True
    )
    with transaction.atomic():
        count = live.update(revoked_at=clock.now(), revoked_reason=reason)
        if count:
            event_record(
                actor=by,
                action=AuditAction.UPDATE,
                name="token.revoke",
                target=user,
                clinic=user.clinic,
                extra={"tokens": count, "reason": reason},
            )
    return count


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
            actor=user,
            action=AuditAction.UPDATE,
            name="totp.enrol",
            target="accounts.totp",
            extra={"2fa": "on"},
        )
    return device


def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Self-service change: the current password, then the new one against the password
    rules. Every API token of the user is revoked (User.save); other sessions end because
    the session hash changes (the caller keeps the current one)."""
    if not user.check_password(old_password):
        raise ValidationFailed({"old_password": ["Your current password is not correct."]})
    if old_password == new_password:
        raise ValidationFailed({"new_password": ["Choose a password you have not used here."]})
    try:
        password_validation.validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"new_password": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        event_record(
            actor=user,
            action=AuditAction.UPDATE,
            name="password.change",
            target=user,
            extra={"password": "changed"},
        )
    return user
