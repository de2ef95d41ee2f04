"""Signing a record: re-authenticate, hash the content, store the signature, audit it.

Every signature asks for the password (and the TOTP code when two-factor is on), even
within one session: stricter than 21 CFR 11.200(a)(1)(i) requires, and simpler to trust.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django_otp import devices_for_user, match_token

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.esign.models import Signature


class SignatureRefused(DomainError):
    """Re-authentication failed; nothing was signed."""


def content_hash(content: Mapping[str, Any]) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def reauthenticate(*, user: User, password: str, totp: str | None = None) -> None:
    """Check the signer's password, and TOTP code if they have two-factor on."""
    if not password or not user.check_password(password):
        raise SignatureRefused(
            "Password is not correct; the record was not signed.", field="password"
        )
    if list(devices_for_user(user, confirmed=True)) and (
        not totp or match_token(user, totp) is None
    ):
        raise SignatureRefused("A valid 6-digit code is needed to sign.", field="totp")


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
            changes={"meaning": meaning, "record_hash": signature.record_hash},
            patient_public_id=patient_public_id,
        )
    return signature


def signature_matches(signature: Signature, content: Mapping[str, Any]) -> bool:
    """True if the record still has exactly the content that was signed."""
    return signature.record_hash == content_hash(content)
