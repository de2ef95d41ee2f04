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
from django.db.models import Field, ForeignObjectRel, Model, QuerySet
from django.db.models import query as django_query

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Position in `params` of each named value, and the field that prepares it for the
    # database (as the ORM would: a UUID is text on SQLite, a uuid on PostgreSQL).
    slots: tuple[tuple[int, str, Field], ...]
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


def _stand_in(field: Field, name: str) -> Any:
    """A value no real query passes, of the type the field prepares."""
    target = getattr(field, "target_field", field)
    internal = target.get_internal_type()
    if internal == "UUIDField":
        return uuid.uuid5(uuid.NAMESPACE_OID, f"marrowtrack.prepared.{name}")
    if internal in {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField",
                    "PositiveIntegerField", "PositiveBigIntegerField", "SmallIntegerField",
                    "PositiveSmallIntegerField", "SmallAutoField"}:  # fmt: skip
        return -(7_340_000_000_000 + sum(map(ord, name)))
    return f"\x00marrowtrack.prepared.{name}\x00"


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
        slots = []
        for name, field in self._fields.items():
            prepared = field.get_db_prep_value(stand_ins[name], connection)
            found = [i for i, value in enumerate(params) if value == prepared]
            if not found:
                raise ValueError(f"The query does not use its parameter {name!r}")
            slots += [(i, name, field) for i in found]
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        columns = klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            model=klass_info["model"],
            model_columns=(start, end),
            init_list=tuple(s[0].target.attname for s in select[start:end]),
            related_populators=tuple(_related_populators(klass_info, select, alias)),
            converters=tuple((i, tuple(c), e) for i, (c, e) in converters.items()),
        )

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
