"""Small shared services: counters and model validation into domain errors."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.models import Clinic, Counter


def counter_next(*, clinic: Clinic, name: str, count: int = 1) -> int:
    """Reserve `count` numbers and return the first. Locks the row, so numbers never repeat."""
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(clinic=clinic, name=name)
        first = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return first


def validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> models.Model:
    """Run the model's own validation and raise `ValidationFailed` naming each bad field."""
    try:
        instance.full_clean(exclude=list(exclude))
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.message_dict) from exc
    return instance
