"""Signing a record: re-authenticate, hash the content, store the signature, audit it.

Every signature asks for the password (and the TOTP code when two-factor is on), even
within one session: stricter than 21 CFR 11.200(a)(1)(i) requires, and simpler to trust.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import models, transaction
from django_otp import devices_for_user, match_token

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.esign.attempts import (
    code_proved,
    code_proved_note,
    current_request,
    failure_note,
    http_request,
)
from marrowtrack.esign.models import Signature
from marrowtrack.ops.ratelimit import client_address, rate_exceeded, rate_parse


class SignatureRefused(DomainError):
    """Re-authentication failed; nothing was signed."""


class ReauthenticationThrottled(SignatureRefused):
    """Too many re-authentications from one address: none is tried for `wait` seconds."""

    def __init__(self, message: str, *, field: str, wait: int) -> None:
        super().__init__(message, field=field)
        self.wait = wait


# One answer for an unknown person, a wrong password and a wrong code, so a guess learns
# nothing about which part was wrong.
NOT_SIGNED = "Username, password or 6-digit code is not correct; nothing was signed."
LOCKED = "Too many failed attempts for this account: it is locked for a while; nothing was signed."


def content_hash(content: Mapping[str, Any]) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _refuse(*, username: str, by: Any, reason: str, message: str, field: str) -> None:
    failure_note(username=username, by=by, reason=reason)
    raise SignatureRefused(message, field=field)


def _throttle(field: str) -> None:
    """At most MARROWTRACK_REAUTH_RATE re-authentications a client address may ask for, as
    the token request is throttled: guessing many names' passwords from one address is slowed
    down before the per-name lockout (axes) would notice. Commands are not throttled."""
    request = http_request()
    if request is None:
        return
    rate = rate_parse(settings.MARROWTRACK_REAUTH_RATE)
    wait = rate_exceeded(scope="reauthentication", key=client_address(request), rate=rate)
    if wait:
        message = f"Too many signature attempts from here: try again in {wait} seconds."
        raise ReauthenticationThrottled(message, field=field, wait=wait)


def _totp_ok(user: User, totp: str | None) -> bool:
    """The code is right, or was proved by this person earlier in this request (their
    password is checked every time)."""
    if not list(devices_for_user(user, confirmed=True)) or code_proved(user.pk):
        return True
    if totp and match_token(user, totp) is not None:
        code_proved_note(user.pk)
        return True
    return False


def reauthenticate(
    *, user: User, password: str, totp: str | None = None, field: str = "password"
) -> None:
    """Check the signer's password, and TOTP code if they have two-factor on.

    Goes through django-axes: a locked account is refused before its password is tried,
    and each failure counts toward the lockout and is audited (esign.attempts)."""
    _throttle(field)
    request = current_request()
    by = getattr(request, "user", None)
    if AxesProxyHandler.is_locked(request, {"username": user.username}):
        _refuse(username=user.username, by=by, reason="locked", message=LOCKED, field=field)
    if not (password and user.is_active and user.check_password(password)):
        _refuse(username=user.username, by=by, reason="password", message=NOT_SIGNED, field=field)
    if not _totp_ok(user, totp):
        _refuse(username=user.username, by=by, reason="totp", message=NOT_SIGNED, field=field)


def cosigner_authenticate(
    *,
    by: User,
    username: str,
    password: str,
    totp: str | None = None,
    field: str = "password",
) -> User:
    """Find a second person in `by`'s clinic by username and re-authenticate them.

    An unknown name (or one of another clinic) gets the same answer as a wrong password,
    after the same password-hashing work, and counts toward that name's lockout."""
    user = User.objects.filter(
        username=username.strip(), clinic_id=by.clinic_id, clinic__isnull=False
    ).first()
    if user is None:
        _throttle(field)
        User().set_password(password)  # equal timing: hash as if the account existed
        request = current_request()
        if AxesProxyHandler.is_locked(request, {"username": username}):
            _refuse(username=username, by=by, reason="locked", message=LOCKED, field=field)
        _refuse(username=username, by=by, reason="unknown user", message=NOT_SIGNED, field=field)
    reauthenticate(user=user, password=password, totp=totp, field=field)
    return user


def signature_sign(
    *,
    user: User,
    password: str,
    meaning: str,
    record: models.Model,
    content: Mapping[str, Any],
    statement: str = "",
    totp: str | None = None,
    patient_public_id: Any = None,
) -> Signature:
    """Sign `record` whose signed content is `content`. Runs in the caller's transaction."""
    reauthenticate(user=user, password=password, totp=totp)
    with transaction.atomic():
        signature = Signature.objects.create(
            signer=user,
            printed_name=user.printed_name,
            meaning=meaning,
            statement=statement,
            signed_at=clock.now(),
            record_type=f"{record._meta.app_label}.{record._meta.model_name}",
            record_id=str(getattr(record, "public_id", record.pk)),
            record_hash=content_hash(content),
        )
        event_record(
            actor=user,
            action=AuditAction.SIGN,
            target=record,
            name="signature.sign",
            extra={"meaning": meaning, "record_hash": signature.record_hash},
            patient_public_id=patient_public_id,
        )
    return signature


def signature_matches(signature: Signature, content: Mapping[str, Any]) -> bool:
    """True if the record still has exactly the content that was signed."""
    return signature.record_hash == content_hash(content)
