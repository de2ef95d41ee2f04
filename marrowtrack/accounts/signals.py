"""Log-in, log-out and failed log-in are recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        event_record(actor=user, action=AuditAction.LOGIN, target="accounts.session")


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    from marrowtrack.accounts.services import api_tokens_revoke

    with transaction.atomic():
        event_record(actor=user, action=AuditAction.LOGOUT, target="accounts.session")
        # Logging out (or being logged out when idle) ends the person's API tokens too.
        api_tokens_revoke(user=user, by=user, reason="logout")


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    from marrowtrack.accounts.models import User

    if credentials.get("purpose") == "signature":
        return  # esign audits its own failed re-authentications, with the signer named
    username = str(credentials.get("username", ""))[:150]
    # Attribute the attempt to the named account's clinic, so its administrator sees it.
    known = User.objects.filter(username=username).select_related("clinic").first()
    with transaction.atomic():
        event_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            target="accounts.session",
            actor_label=f"unknown ({username})" if username else "unknown",
            clinic=known.clinic if known else None,
        )
