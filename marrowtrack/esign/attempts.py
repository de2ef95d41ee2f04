"""Failed re-authentications: counted by django-axes and written to the audit trail, even
though the signing transaction that noticed them rolls back.

A signature is checked inside the clinical write's transaction; anything written there
(axes' attempt counter, the audit entry) would roll back with it. So a failure found inside
a transaction is held until the request is answered and recorded then
(`SigningAttemptsMiddleware`); outside a request and outside a transaction it is recorded at
once. `signing_attempts()` gives the same guarantee to a command or a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest

from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record

# "purpose" tells the log-in receivers (accounts.signals) that esign audits this itself.
PURPOSE = "signature"

_request: ContextVar[HttpRequest | None] = ContextVar("signing_request", default=None)
_pending: ContextVar[list[FailedAttempt] | None] = ContextVar("signing_pending", default=None)
# Who proved their authenticator code in this request: a code is good once (django-otp
# refuses it again), yet one request may check the same person twice (a co-signer is found
# and checked, then signs).
_code_proved: ContextVar[set[int] | None] = ContextVar("signing_code_proved", default=None)


@dataclass(frozen=True)
class FailedAttempt:
    username: str
    by: Any  # the signed-in person who asked for the signature, or None
    reason: str
    request: HttpRequest


def _offline_request() -> HttpRequest:
    # A command has no HTTP request; axes still needs an address to count against.
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    request.path = request.path_info = "/(command)"
    return request


def current_request() -> HttpRequest:
    return _request.get() or _offline_request()


def http_request() -> HttpRequest | None:
    """The HTTP request being answered, or None in a command or a test without one."""
    return _request.get()


def code_proved(user_pk: int) -> bool:
    """Did this person give a right authenticator code earlier in this request?"""
    return user_pk in (_code_proved.get() or set())


def code_proved_note(user_pk: int) -> None:
    proved = _code_proved.get()
    if proved is not None:
        proved.add(user_pk)


@contextmanager
def signing_attempts(request: HttpRequest | None = None) -> Iterator[None]:
    """Hold failures found inside transactions until the block ends, then record them."""
    request_token = _request.set(request)
    pending_token = _pending.set([])
    proved_token = _code_proved.set(set())
    try:
        yield
    finally:
        _code_proved.reset(proved_token)
        pending = _pending.get() or []
        _pending.reset(pending_token)
        _request.reset(request_token)
        for attempt in pending:
            failure_record(attempt)


def failure_note(*, username: str, by: Any, reason: str) -> None:
    """Record now, or after the enclosing transaction is over when one is open."""
    attempt = FailedAttempt(username[:150], by, reason, current_request())
    pending = _pending.get()
    if pending is not None and transaction.get_connection().in_atomic_block:
        pending.append(attempt)
    else:
        failure_record(attempt)


def failure_record(attempt: FailedAttempt) -> None:
    """Count the failure toward the lockout (axes) and audit it, in its own transaction."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": attempt.username, "purpose": PURPOSE},
        request=attempt.request,
    )
    by = attempt.by if getattr(attempt.by, "is_authenticated", False) else None
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.DENIED,
            name="signature.refused",
            target="esign.signature",
            reason=attempt.reason,
            extra={"signer": attempt.username, "path": attempt.request.path[:200]},
            clinic=by.clinic if by else None,
            actor_label=None if by else f"unknown (signing as {attempt.username})",
        )
