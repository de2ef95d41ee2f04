"""Optimistic concurrency for records people edit: no lost updates (issue 16 item 3).

A record people edit carries a `version`. An edit names the version it was made from (a
hidden form field, or `version` in the API body); the write is one conditional
``UPDATE ... SET ..., version = v + 1 WHERE id = ? AND version = v``. When no row matches,
someone else saved first: the edit is refused (`StaleEdit`, HTTP 409) and nothing is stored.
Who changed it and when comes from the audit trail (`audit.versions`, one layer up).
docs/decisions/0021-no-lost-updates.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models
from ninja import Schema
from pydantic import Field

from marrowtrack.core import clock

VERSION_HELP = "The version you read (from GET); an older one is refused with 409."
MAX_VERSION = 2_147_483_647  # the column is a 32-bit integer on PostgreSQL


class VersionedModel(models.Model):
    """Adds `version`: 1 when created, raised by one by every edit through `version_update`."""

    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by one by every edit; an edit names the version it was made from.",
    )

    class Meta:
        abstract = True


def _attnames(model: type[models.Model], fields: Iterable[str]) -> list[str]:
    return [model._meta.get_field(name).attname for name in dict.fromkeys(fields)]


def version_update(instance: models.Model, *, expected: int, fields: Iterable[str]) -> bool:
    """Write `fields` of `instance` only if the stored row is still at `expected`, and raise
    its version by one. False when the row has moved on (nothing is written)."""
    model = type(instance)
    values = {name: getattr(instance, name) for name in _attnames(model, fields)}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values["updated_at"] = clock.now()
    written = model._base_manager.filter(pk=instance.pk, version=expected).update(
        version=expected + 1, **values
    )
    if written != 1:
        return False
    instance.version = expected + 1
    if "updated_at" in values:
        instance.updated_at = values["updated_at"]
    return True


def current_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The record's values of `fields` now (model instances as they are), with `version`."""
    values = {name: getattr(instance, name) for name in dict.fromkeys(fields)}
    values["version"] = instance.version
    return values


def jsonable(value: Any) -> Any:
    """A current value as the API shows it: records by public id, dates as ISO text."""
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


class ConflictOut(Schema):
    """A refused request (409). A stale edit adds the record's current values (with its
    version, to read them and edit again), who changed it last and when."""

    message: str
    errors: dict[str, list[str]] | None = None
    current: dict[str, Any] | None = Field(
        default=None, description="The record as it is now, `version` included."
    )
    changed_by: str | None = Field(default=None, description="Who saved the record last.")
    changed_at: datetime | None = Field(default=None, description="When (UTC).")
