"""Small shared services: counters and model validation into domain errors."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, models, router, transaction

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.models import Clinic, Counter


def _column(name: str) -> str:
    field = Counter._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None
    return field.column


def _counter_advance(*, clinic: Clinic, name: str, count: int) -> int | None:
    """The counter's new value after adding `count`, or None when it has no row yet.

    One ``UPDATE ... RETURNING`` (PostgreSQL; SQLite 3.35 and later): it locks the row
    until the transaction ends, as ``SELECT ... FOR UPDATE`` did, and adds in the same
    statement, so no second caller can read the old value in between."""
    connection = connections[router.db_for_write(Counter)]
    if not connection.features.can_return_columns_from_insert:
        return None  # no RETURNING: the locking read below
    quote = connection.ops.quote_name
    table, value, clinic_id, name_column = (
        quote(Counter._meta.db_table),
        *(quote(_column(f)) for f in ("value", "clinic", "name")),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {value} = {value} + %s "  # noqa: S608 - names from the model
            f"WHERE {clinic_id} = %s AND {name_column} = %s RETURNING {value}",
            [count, clinic.pk, name],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def counter_next(*, clinic: Clinic, name: str, count: int = 1) -> int:
    """Reserve `count` numbers and return the first. Locks the row, so numbers never repeat."""
    advanced = _counter_advance(clinic=clinic, name=name, count=count)
    if advanced is not None:
        return advanced - count + 1
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
