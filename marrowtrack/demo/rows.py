"""Writing the demo's bulk rows (patients and their records, survey answers) with one
prepared INSERT per model and batch (ADR 0029).

Django's bulk_create compiles every value of every row through the query compiler; at
100,000 patients that cost more than making the data. Here each field's database conversion
is chosen once per model (plain values pass through, dates, times, UUIDs, decimals and JSON go
through the field's own preparation, so rows are stored exactly as the ORM stores them), and
the rows go to the driver: SQLite's executemany (one statement prepared once), PostgreSQL's
COPY. Django's psycopg cursors bind on the client, so an executemany there is one statement
per row that the server parses and plans again (at 100,000 patients most of the load's time
went there: 0.3 ms and more of server CPU per row). COPY computes generated columns and checks
constraints as INSERT does. Demo only: no signals, no per-row audit (the loader audits the
whole load).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

from marrowtrack.core import clock

BATCH = 2000
# Field types the driver takes as they are (the ORM does not change them either).
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _getter(field: models.Field) -> Callable[[models.Model], Any]:
    """How to read one field's database value off an instance."""
    name = field.attname
    if isinstance(field, models.ForeignKey):
        # A relation set to an instance saved after this one was made (e.g. a follow-up
        # inserted just before its answers) has its key only on the related instance.
        cached = field.name
        return lambda obj: obj.__dict__[name] or _related_pk(obj, cached)
    if isinstance(field, PLAIN) and not isinstance(field, models.JSONField):
        return lambda obj: obj.__dict__[name]
    prepare = field.get_db_prep_save
    return lambda obj: prepare(obj.__dict__[name], connection)


def _related_pk(obj: models.Model, name: str) -> Any:
    related = obj._state.fields_cache.get(name)
    return None if related is None else related.pk


def _target(model: type[models.Model], fields: Sequence[models.Field]) -> str:
    """'table (column, ...)', quoted: where the rows go."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    return f"{quote(model._meta.db_table)} ({names})"


def insert(objs: Sequence[models.Model], *, batch: int = BATCH) -> None:
    """Insert unsaved instances of one model (their primary keys stay unset)."""
    if not objs:
        return
    model = type(objs[0])
    # Generated columns (e.g. a response's answer_values) are the database's to compute.
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key or f.generated)]
    getters = [_getter(f) for f in fields]
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        now = clock.now()  # per row, as the ORM stamps them ("changed since" reads it)
        for name in stamped:
            setattr(obj, name, now)
    batches = (
        [tuple(get(obj) for get in getters) for obj in objs[start : start + batch]]
        for start in range(0, len(objs), batch)
    )
    write = _copy if connection.vendor == "postgresql" else _execute_many
    write(_target(model, fields), len(fields), batches)


def _execute_many(target: str, width: int, batches: Iterable[list[tuple]]) -> None:
    marks = ", ".join(["%s"] * width)
    sql = f"INSERT INTO {target} VALUES ({marks})"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for rows in batches:
            cursor.executemany(sql, rows)


def _copy(target: str, width: int, batches: Iterable[list[tuple]]) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for rows in batches:
            for row in rows:
                copy.write_row(row)
