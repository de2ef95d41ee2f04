"""Reads of staff accounts."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import QuerySet

from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.core.models import Clinic
from marrowtrack.core.pagination import KeysetPage, first_page_from, keyset_page
from marrowtrack.core.prepared import PreparedSelect


def staff_of_clinic(*, clinic: Clinic) -> QuerySet[User]:
    """Every account of the clinic, inactive ones too (old records still name them)."""
    return User.objects.filter(clinic=clinic).order_by("pk")


TOKEN_ORDER = ["-created_at", "-id"]  # newest first


def tokens_of(owner: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=owner).select_related("user").order_by(*TOKEN_ORDER)


@lru_cache(maxsize=16)
def _prepared_first_tokens(n: int) -> PreparedSelect[ApiToken]:
    """A user's first `n` tokens, newest first, built once per page size (core.prepared)."""
    return PreparedSelect(
        lambda user_id: (
            ApiToken.objects.filter(user_id=user_id)
            .select_related("user")
            .order_by(*TOKEN_ORDER)[:n]
        ),
        user_id=ApiToken._meta.get_field("user"),
    )


def tokens_page(owner: User, *, cursor: str, limit: int, with_count: bool) -> KeysetPage[ApiToken]:
    """A keyset page of the owner's tokens. The first page (no cursor, no count) comes from
    a prepared query: `GET /auth/tokens` is the smallest authenticated request, and building
    its page's query was 40 % of it (docs/performance.md). The same rows and cursor as
    `keyset_page` (test_tokens compares them)."""
    if cursor or with_count:
        return keyset_page(tokens_of(owner), cursor=cursor, limit=limit, with_count=with_count)
    fetched = _prepared_first_tokens(limit + 1).fetch(user_id=owner.pk)
    return first_page_from(fetched, TOKEN_ORDER, limit)
