"""Domain exceptions: services raise them, views and the API translate them."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class DomainError(Exception):
    """A request that the clinical rules refuse; the message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input that does not pass validation; `errors` maps field -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.items()))
        super().__init__(f"{first[0]}: {first[1][0]}", field=first[0])
        self.errors = errors


class SafetyRefusal(DomainError):
    """A hard stop: the action is refused for patient safety and the attempt is audited
    (``audit.refusals``) in a transaction of its own."""


class StaleEdit(DomainError):
    """The record changed after the editor read it: the edit is refused and nothing is
    stored (optimistic concurrency, docs/decisions/0021-no-lost-updates.md).

    `current` holds the record's values now (field -> value, `version` included),
    `changed_by` and `changed_at` the last change on the audit trail."""

    def __init__(
        self,
        message: str,
        *,
        current: dict[str, Any],
        version: int,
        changed_by: str = "",
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(message, field="version")
        self.current = current
        self.version = version
        self.changed_by = changed_by
        self.changed_at = changed_at
