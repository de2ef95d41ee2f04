"""Auditing refusals that are not safety stops: a role that may not do something, a record
in a state that does not allow it, a signature that failed (esign.attempts).

Record them after the refused action's transaction has rolled back (the callers here run at
the edge of a request, where no transaction is open), so the entry stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import models, transaction

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.audit.services import event_record


def denial_record(
    *,
    by: Any,
    name: str,
    target: models.Model | str,
    reason: str,
    patient_public_id: UUID | str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent | None:
    """Audit one refusal (category "denied") in a transaction of its own.

    `name` says which kind: ``access.denied`` (role), ``<entity>.state_refused`` (state),
    ``signature.refused``. Anonymous requests are not recorded (nothing to attribute)."""
    if not getattr(by, "is_authenticated", False):
        return None
    with transaction.atomic():
        return event_record(
            actor=by,
            action=AuditAction.DENIED,
            name=name,
            target=target,
            reason=reason[:500],
            patient_public_id=patient_public_id,
            extra=extra,
        )


def access_denied_record(*, user: Any, path: str, reason: str) -> AuditEvent | None:
    """A 403: the user's role (or clinic membership) does not allow the request."""
    return denial_record(
        by=user,
        name="access.denied",
        target="accounts.access",
        reason=reason,
        extra={"path": path[:200]},
    )
