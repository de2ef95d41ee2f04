"""Procedure-day exceptions, in their own module so pure gates can raise them without
importing the services package (which imports the gates)."""

from __future__ import annotations

from marrowtrack.core.exceptions import DomainError


class SafetyRefusal(DomainError):
    """A hard stop: the action is refused for patient safety; the attempt is audited."""
