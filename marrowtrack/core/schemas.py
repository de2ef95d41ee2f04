"""Schemas every app's API shares: the one error shape (docs/decisions/0026-api-shape.md)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    """Every error answer of the API: what went wrong, and per field when a field is to blame."""

    message: str = Field(description="What went wrong, in a sentence a person can act on.")
    errors: dict[str, list[str]] | None = Field(
        default=None,
        description="Per field (dotted for nested fields, `request` for the whole body): "
        "what is wrong with it. Present only when a field is to blame.",
    )
