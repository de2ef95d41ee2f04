"""Refused safety rules on the audit trail, committed on their own.

A ``SafetyRefusal`` rolls the refused write back, but the attempt must stay on the trail
(21 CFR 11.10(e): the record of operator actions; docs/decisions/0002-audit-trail.md).
The entry is therefore written in a *durable* transaction: Django raises ``RuntimeError``
if a caller records a refusal inside another open transaction, where a later rollback
would silently take the entry with it. The outermost service records; inner ones raise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.db import models, transaction

from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import Actor, event_record
from marrowtrack.core.exceptions import SafetyRefusal


def refusal_record(
    *,
    by: Actor,
    target: models.Model,
    patient_public_id: UUID | str | None,
    reason: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Commit one REFUSED entry now, outside any other transaction."""
    with transaction.atomic(durable=True):
        event_record(
            actor=by,
            action=AuditAction.REFUSED,
            target=target,
            changes=dict(changes or {}),
            reason=reason[:500],
            patient_public_id=patient_public_id,
        )


@contextmanager
def audited_refusals(
    *,
    by: Actor,
    target: models.Model,
    patient_public_id: UUID | str | None,
    changes: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Wrap a service body *outside* its ``transaction.atomic``: a ``SafetyRefusal`` rolls
    the write back, is recorded as REFUSED in a transaction of its own, and is re-raised."""
    try:
        yield
    except SafetyRefusal as exc:
        refusal_record(
            by=by,
            target=target,
            patient_public_id=patient_public_id,
            reason=exc.message,
            changes=changes,
        )
        raise
