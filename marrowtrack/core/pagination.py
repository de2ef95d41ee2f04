"""One list envelope and keyset (cursor) paging for every list, in the API and the pages
(ADR 0030).

A page is ``{"items": [...], "count": int | null, "next": cursor | null}``. ``next`` names the
last row shown by the values of its sort keys, so the following page is "rows after these
values" (an index range) and costs the same at page 1 and page 10,000: no OFFSET that
scans and throws rows away. ``count`` is exact when it costs nothing (the whole list fits on
this page, or the list is already in memory) and ``null`` otherwise, unless the caller asks
for it (``count=true``, one COUNT query): counting a large table on every page view is the
cost keyset paging exists to avoid.
"""

from __future__ import annotations

import binascii
import json
import operator
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Field as ModelField
from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

from marrowtrack.core.exceptions import ValidationFailed

MAX_OFFSET = 1_000_000_000
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
BAD_CURSOR = "Not a page cursor this list gave out; start again without it."

T = TypeVar("T")


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Kept for ninja's default setting; every list of ours uses `PageQuery` instead."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageQuery(Schema):
    """The query parameters every list endpoint takes."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")
    cursor: str = Field(
        "", max_length=600, description="The `next` value of the previous page; empty: page 1."
    )
    count: bool = Field(
        False,
        description="Also count every matching row (one more query). Without it `count` is "
        "null whenever the list runs past this page.",
    )


class Page(Schema, Generic[T]):
    """The one envelope of every API list."""

    items: list[T]
    count: int | None = Field(
        description="Every matching row; null when the list runs past this page and "
        "`count=true` was not asked for (counting a large list on every page is what keyset "
        "paging avoids)."
    )
    next: str | None = Field(
        description="Cursor of the following page (pass it as `cursor`); null on the last page."
    )


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str  # "" on the last page
    count: int | None = None

    def envelope(self) -> dict[str, Any]:
        return {"items": self.items, "count": self.count, "next": self.next_cursor or None}


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str)
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed({"cursor": [BAD_CURSOR]}) from None
    if not isinstance(values, list):
        raise ValidationFailed({"cursor": [BAD_CURSOR]})
    return values


def sort_keys(queryset: QuerySet[Any]) -> list[str]:
    """The queryset's order with the primary key appended as the tie-breaker, so every row
    has a distinct position (two rows created in the same microsecond still page apart)."""
    order = [str(name) for name in (queryset.query.order_by or queryset.model._meta.ordering)]
    if not order:
        raise ValueError("Keyset paging needs an ordered queryset.")
    if order[-1].lstrip("-") not in ("pk", "id", "public_id"):
        order.append("-pk" if order[-1].startswith("-") else "pk")
    return order


def _model_field(model: type[Model], path: str) -> ModelField[Any, Any]:
    field: Any = None
    for part in path.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        model = field.related_model or model
    return field


def _value(row: Any, path: str) -> Any:
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _after(queryset: QuerySet[Any], order: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ...
    with a redundant bound on the first key (a >= x), which the database can use as an
    index range, so it starts reading at the cursor instead of filtering from the top."""
    if len(values) != len(order):
        raise ValidationFailed({"cursor": [BAD_CURSOR]})
    try:
        typed = [
            _model_field(queryset.model, name.lstrip("-")).to_python(value)
            for name, value in zip(order, values, strict=True)
        ]
    except Exception:  # noqa: BLE001 - any value a field refuses is a foreign cursor
        raise ValidationFailed({"cursor": [BAD_CURSOR]}) from None
    after = Q(pk__in=[])
    equal = Q()
    for name, value in zip(order, typed, strict=True):
        key = name.lstrip("-")
        beyond = "lt" if name.startswith("-") else "gt"
        after |= equal & Q(**{f"{key}__{beyond}": value})
        equal &= Q(**{key: value})
    first = order[0].lstrip("-")
    bound = "lte" if order[0].startswith("-") else "gte"
    return Q(**{f"{first}__{bound}": typed[0]}) & after


def keyset_page(
    rows: QuerySet[Any] | Sequence[Any],
    *,
    cursor: str = "",
    limit: int = DEFAULT_LIMIT,
    with_count: bool = False,
    branches: Sequence[QuerySet[Any]] = (),
) -> KeysetPage[Any]:
    """One page of an ordered queryset by keyset, or of an in-memory list by position.

    Reads `limit + 1` rows to know whether another page follows (no COUNT). Sort keys must
    be non-null columns of the row itself or its to-one relations.

    `branches`: querysets of the same model whose union is `rows` (a search that matches
    one column or another). See `first_rows_of_branches` for why and where they are used.
    """
    if not isinstance(rows, QuerySet):
        return _list_page(list(rows), cursor=cursor, limit=limit)
    order = sort_keys(rows)
    after = _after(rows, order, _decode(cursor)) if cursor else Q()
    if branches:
        page = first_rows_of_branches(rows, branches, order, after, limit + 1)
    else:
        page = rows.order_by(*order).filter(after)[: limit + 1]
    return _page_from(
        list(page), order, limit, cursor=cursor, count=rows.count if with_count else None
    )


def first_page_from(fetched: list[Any], order: Sequence[str], limit: int) -> KeysetPage[Any]:
    """The first page of a list from its first `limit + 1` rows in `order`, read by the
    caller (a prepared query): what `keyset_page` returns for them without a cursor."""
    return _page_from(fetched, order, limit, cursor="", count=None)


def _page_from(
    fetched: list[Any],
    order: Sequence[str],
    limit: int,
    *,
    cursor: str,
    count: Callable[[], int] | None,
) -> KeysetPage[Any]:
    items = fetched[:limit]
    more = len(fetched) > limit
    next_cursor = _encode([_value(items[-1], key.lstrip("-")) for key in order]) if more else ""
    total: int | None = None
    if count is not None:
        total = count()
    elif not more and not cursor:
        total = len(items)
    return KeysetPage(items, next_cursor, total)


def first_rows_of_branches(
    rows: QuerySet[Any], branches: Sequence[QuerySet[Any]], order: list[str], after: Q, n: int
) -> QuerySet[Any]:
    """The first `n` rows after the cursor, found among the first `n` of each branch.

    Both databases plan an OR of two indexed columns by reading every match from both
    indexes and then sorting them all to find the page (thousands of rows for a two-letter
    name prefix at 100,000 patients). Read separately, a branch can walk an index in the
    list's order and stop after `n` rows; the page is among those `len(branches) * n` rows,
    so only they are sorted. The outer query keeps `rows`' own filter, so a branch can
    never widen the list.

    The shape differs by database (docs/performance.md, "Lists", has both plans):
    PostgreSQL takes `id IN ((SELECT ... LIMIT n) UNION (SELECT ... LIMIT n))` as a join
    on the few ids, but runs `id IN (...) OR id IN (...)` as a filter over every match;
    SQLite cannot limit inside a UNION and runs the OR form as one primary-key lookup per
    id of each subquery.
    """
    firsts = [branch.order_by(*order).filter(after).values("pk")[:n] for branch in branches]
    if connections[rows.db].features.supports_slicing_ordering_in_compound:
        among = Q(pk__in=firsts[0].union(*firsts[1:]))  # UNION: a row in two branches once
    else:
        among = reduce(operator.or_, (Q(pk__in=first) for first in firsts))
    return rows.order_by(*order).filter(among)[:n]


def _list_page(rows: list[Any], *, cursor: str, limit: int) -> KeysetPage[Any]:
    # Already in memory (computed rows, a short fixed list): the cursor is a position.
    start = 0
    if cursor:
        values = _decode(cursor)
        if len(values) != 1 or not isinstance(values[0], int) or values[0] < 0:
            raise ValidationFailed({"cursor": [BAD_CURSOR]})
        start = values[0]
    end = start + limit
    return KeysetPage(rows[start:end], _encode([end]) if end < len(rows) else "", len(rows))


def api_page(rows: QuerySet[Any] | Sequence[Any], page: PageQuery) -> dict[str, Any]:
    """The envelope an API list endpoint returns."""
    found = keyset_page(rows, cursor=page.cursor, limit=page.limit, with_count=page.count)
    return found.envelope()


def cursor_after(rows: QuerySet[Any], row: Any) -> str:
    """The cursor of the page that starts right after `row` in `rows`' order (for links
    that jump into a list, and for benchmarks of deep pages)."""
    return _encode([_value(row, key.lstrip("-")) for key in sort_keys(rows)])
