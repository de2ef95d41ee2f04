"""Hot queries whose SQL the ORM builds once per connection, then runs with new values.

Building a query is most of the ORM's cost on a request: for the token lookup that every API
request makes, compiling the SELECT (its columns, joins and converters) took several times
what the database took to answer it (docs/performance.md, "Where a request's time goes").
A `PreparedSelect` asks the ORM for the query once, with stand-in values for its
parameters, keeps the SQL, the column layout and the converters, and afterwards only
executes the SQL with the real values and turns the rows into model instances the way a
QuerySet does (the same converters, the same `select_related` objects). The SQL is the
ORM's own, so the same rows come back; tests compare the two.

Only for plain model queries (no annotations, no `values()`, no prefetching) whose
parameters are the named values: anything else the builder puts in the query (a time
such as "now") would be frozen at the first run, so the builder must not read the clock.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObjectRel, Model, QuerySet, signals
from django.db.models import query as django_query
from django.db.models import sql as django_sql

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Position in `params` of each named value, and the field that prepares it for the
    # database (as the ORM would: a UUID is text on SQLite, a uuid on PostgreSQL).
    slots: tuple[tuple[int, str, Field], ...]
    # Text built from a named value: a range's upper end (``value + "\U0010ffff"``) or a
    # LIKE pattern (``value%``, the value escaped as the lookup escapes it).
    text_slots: tuple[tuple[int, str, str, str, bool], ...]
    model: type[Model]
    model_columns: tuple[int, int]
    init_list: tuple[str, ...]
    related_populators: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


def _column_field(field: Field | ForeignObjectRel | GenericForeignKey) -> Field:
    if not isinstance(field, Field) or not field.concrete:
        raise TypeError(f"A prepared query's parameter is a column, not {field!r}")
    return field


def _related_populators(klass_info: dict[str, Any], select: Any, alias: str) -> list[Any]:
    # What a QuerySet uses to build its `select_related` objects from a row (Django's own,
    # unexported; test_prepared compares the objects with the ORM's).
    populators = django_query.get_related_populators  # type: ignore[attr-defined]
    return list(populators(klass_info, select, alias))


def _stand_in(field: Field, name: str, *, like_marks: bool = False) -> Any:
    """A value no real query passes, of the type the field prepares. `like_marks` puts
    LIKE's special characters into a text stand-in, to see whether a lookup escapes it."""
    target = getattr(field, "target_field", field)
    internal = target.get_internal_type()
    if internal == "UUIDField":
        return uuid.uuid5(uuid.NAMESPACE_OID, f"marrowtrack.prepared.{name}")
    if internal in {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField",
                    "PositiveIntegerField", "PositiveBigIntegerField", "SmallIntegerField",
                    "PositiveSmallIntegerField", "SmallAutoField"}:  # fmt: skip
        return -(7_340_000_000_000 + sum(map(ord, name)))
    return _stand_in_text(name, like_marks=like_marks)


def _like_escaped(connection: BaseDatabaseWrapper, text: str) -> str:
    return str(connection.ops.prep_for_like_query(text))


def _text_slot(
    connection: BaseDatabaseWrapper, position: int, name: str, value: str, marked: Any
) -> tuple[int, str, str, str, bool]:
    """Where a text parameter holds the named value inside other text, and whether the
    lookup escaped it for LIKE (seen from the stand-in with ``%_`` in it)."""
    plain, with_marks = _stand_in_text(name), _stand_in_text(name, like_marks=True)
    if value.count(plain) != 1:
        raise ValueError(f"Parameter {name!r} appears twice in one value")
    before, after = value.split(plain)
    if marked == before + with_marks + after:
        return position, name, before, after, False
    if marked == before + _like_escaped(connection, with_marks) + after:
        return position, name, before, after, True
    raise ValueError(f"Parameter {name!r} is changed in a way PreparedSelect cannot repeat")


def _stand_in_text(name: str, *, like_marks: bool = False) -> str:
    return f"\x00marrowtrack.prepared.{name}{'%_' if like_marks else ''}\x00"


class PreparedSelect(Generic[M]):
    """``PreparedSelect(build, key=ApiToken._meta.get_field("key_hash"))`` where
    ``build(key=...)`` returns the QuerySet; ``fetch(key=value)`` returns its rows."""

    def __init__(
        self,
        build: Callable[..., QuerySet[M]],
        **fields: Field | ForeignObjectRel | GenericForeignKey,
    ) -> None:
        self._build = build
        self._fields = {name: _column_field(field) for name, field in fields.items()}
        # Per connection object (Django's connections are per thread): the converters are
        # bound to the connection that compiled them.
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def fetch(self, **values: Any) -> list[M]:
        queryset_model = self._model()
        write = self._for_update
        alias = router.db_for_write(queryset_model) if write else router.db_for_read(queryset_model)
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection, alias)
        params = list(compiled.params)
        for position, name, field in compiled.slots:
            params[position] = field.get_db_prep_value(values[name], connection)
        for position, name, before, after, like in compiled.text_slots:
            text = str(values[name])
            params[position] = before + (_like_escaped(connection, text) if like else text) + after
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return [self._instance(compiled, row, connection, alias) for row in rows]

    def _model(self) -> type[M]:
        if not hasattr(self, "_queryset_model"):
            sample = self._build(**{n: _stand_in(f, n) for n, f in self._fields.items()})
            self._queryset_model: type[M] = sample.model
            self._for_update = sample.query.select_for_update
        return self._queryset_model

    def _compile(self, connection: BaseDatabaseWrapper, alias: str) -> _Compiled:
        stand_ins = {name: _stand_in(field, name) for name, field in self._fields.items()}
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if compiler.annotation_col_map or getattr(queryset, "_prefetch_related_lookups", ()):
            raise ValueError("PreparedSelect takes plain model queries only")
        marked: list[Any] = []  # compiled only when a value sits inside other text
        slots: list[tuple[int, str, Field]] = []
        text_slots: list[tuple[int, str, str, str, bool]] = []
        for name, field in self._fields.items():
            stand_in = stand_ins[name]
            prepared = field.get_db_prep_value(stand_in, connection)
            found = 0
            for i, value in enumerate(params):
                if value == prepared:
                    slots.append((i, name, field))
                elif isinstance(stand_in, str) and isinstance(value, str) and stand_in in value:
                    marked = marked or self._params_with_like_marks(alias, sql)
                    text_slots.append(_text_slot(connection, i, name, value, marked[i]))
                else:
                    continue
                found += 1
            if not found:
                raise ValueError(f"The query does not use its parameter {name!r}")
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        columns = klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            text_slots=tuple(text_slots),
            model=klass_info["model"],
            model_columns=(start, end),
            init_list=tuple(s[0].target.attname for s in select[start:end]),
            related_populators=tuple(_related_populators(klass_info, select, alias)),
            converters=tuple((i, tuple(c), e) for i, (c, e) in converters.items()),
        )

    def _params_with_like_marks(self, alias: str, sql: str) -> list[Any]:
        """The parameters again, with LIKE's special characters in every text stand-in."""
        marked = {n: _stand_in(f, n, like_marks=True) for n, f in self._fields.items()}
        again, params = self._build(**marked).query.get_compiler(using=alias).as_sql()
        if again != sql:
            raise ValueError("PreparedSelect needs the same SQL whatever the values")
        return list(params)

    @staticmethod
    def _instance(
        compiled: _Compiled, row: tuple[Any, ...], connection: BaseDatabaseWrapper, alias: str
    ) -> M:
        values = list(row)
        for position, functions, expression in compiled.converters:
            value = values[position]
            for convert in functions:
                value = convert(value, expression, connection)
            values[position] = value
        start, end = compiled.model_columns
        instance = compiled.model.from_db(alias, list(compiled.init_list), values[start:end])
        for populator in compiled.related_populators:
            populator.populate(values, instance)
        return instance  # type: ignore[return-value]


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    fields: tuple[Field, ...]
    returning: tuple[Field, ...]


class PreparedInsert(Generic[M]):
    """``PreparedInsert(AuditEvent).insert(event)``: what ``event.save()`` does for a new
    row of a plain model, with the INSERT the ORM compiled once per connection.

    For append-only rows written on every request (the audit entry of each record view):
    `Model.save` built its INSERT anew each time. The values are prepared by each field as
    the ORM prepares them (``pre_save``, then ``get_db_prep_save``) and the database's
    generated columns come back by RETURNING, as they do from `save`. No signals are sent:
    only for models that have none (a model with receivers is refused), and only new
    rows (an instance with a primary key is refused)."""

    def __init__(self, model: type[M]) -> None:
        self._model = model
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _CompiledInsert] = (
            weakref.WeakKeyDictionary()
        )

    def insert(self, instance: M) -> None:
        if instance.pk is not None or type(instance) is not self._model:
            raise ValueError("PreparedInsert writes new rows of its own model only")
        if _has_save_receivers(self._model):
            raise ValueError(f"{self._model.__name__} has save signal receivers: use save()")
        alias = router.db_for_write(self._model, instance=instance)
        connection = connections[alias]
        if not connection.features.can_return_columns_from_insert:
            instance.save(using=alias)
            return
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection, alias)
        params = [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in compiled.fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            returned = cursor.fetchone()
        for value, field in zip(returned, compiled.returning, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding, instance._state.db = False, alias

    def _compile(self, connection: BaseDatabaseWrapper, alias: str) -> _CompiledInsert:
        meta = self._model._meta
        fields = tuple(
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        )
        returning = tuple(meta.db_returning_fields)
        query = django_sql.InsertQuery(self._model)
        query.insert_values(fields, [self._model()])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = list(returning)
        statements = compiler.as_sql()
        if len(statements) != 1 or statements[0][0].count("%s") != len(fields):
            raise ValueError(f"No plain INSERT for {self._model.__name__}")
        return _CompiledInsert(sql=statements[0][0], fields=fields, returning=returning)


def _has_save_receivers(model: type[Model]) -> bool:
    return any(signal.has_listeners(model) for signal in (signals.pre_save, signals.post_save))
