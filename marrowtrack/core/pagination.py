"""Limit/offset paging whose numbers are bounded, so a huge value is a 422, not a database
overflow (SQLite integers are 64-bit; PostgreSQL's OFFSET is bigint)."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
