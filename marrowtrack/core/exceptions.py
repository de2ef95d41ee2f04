"""Domain exceptions: services raise them, views and the API translate them."""

from __future__ import annotations


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
