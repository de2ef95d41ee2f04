"""Name search pages (issue 18 item 3): a name search is read as two index-ordered
branches (family name starts with..., given name starts with...), each limited to the page,
merged by UNION on PostgreSQL and by an OR of two id lists on SQLite (core.pagination).
Whatever the database, every page must be the one the single ordered query
(`patient_search_ordered`, the order the list has always had) gives, with ties, a name that
is one patient's family name and another's given name, accents and case, and cursors that
fall on either branch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from marrowtrack.core.models import Clinic
from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import patient_search_ordered, patient_search_page
from marrowtrack.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db

NAMES = [
    # (family, given): several ties on both keys, which only the id tells apart
    ("Jones", "Anna"),
    ("Jones", "Anna"),
    ("JONES", "anna"),
    ("Jönes", "Ánna"),
    # matches by given name only, with family names before and after the "jo" families
    ("Abbott", "John"),
    ("Zimmer", "Joan"),
    ("Abbott", "Jo"),
    # a family name that is another patient's given name
    ("Jo", "Zed"),
    ("Jo", "Abe"),
    # matches both branches (counted once)
    ("Johnson", "Joe"),
    ("Jorgensen", "Jorge"),
    # prefixes of each other
    ("Jo", "Jo"),
    ("Joh", "Anna"),
    # not matching "jo"
    ("Brown", "Mary"),
    ("Ajo", "Bjo"),
]

QUERIES = ["jo", "JO", "Jö", "jon", "anna", "jo anna", "anna jo", "Jones, Anna", "abb jo", "zz"]


@pytest.fixture
def people(clinic: Clinic, other_clinic: Clinic) -> list[Patient]:
    made = [PatientFactory(clinic=clinic, family_name=f, given_name=g) for f, g in NAMES]
    # never in the results: another clinic's patients, and archived ones unless asked for
    PatientFactory(clinic=other_clinic, family_name="Jones", given_name="Anna")
    PatientFactory(clinic=other_clinic, family_name="Abbott", given_name="John")
    archived = PatientFactory(clinic=clinic, family_name="Jones", given_name="Joan")
    archived.archived_at = timezone.now()
    archived.save()
    return made


def _all_pages(page: Callable[[str], Any]) -> list[list[Patient]]:
    pages, cursor = [], ""
    while True:
        found = page(cursor)
        pages.append(found.items)
        if not found.next_cursor:
            return pages
        cursor = found.next_cursor
        assert len(pages) < 100, "the cursor does not advance"


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_is_the_single_ordered_querys(clinic, people, query) -> None:
    for include_archived in (False, True):
        whole = list(
            patient_search_ordered(clinic=clinic, query=query, include_archived=include_archived)
        )
        for limit in (1, 2, 3, 5, 50):
            pages = _all_pages(
                lambda cursor, limit=limit, archived=include_archived: patient_search_page(
                    clinic=clinic,
                    query=query,
                    cursor=cursor,
                    limit=limit,
                    include_archived=archived,
                )
            )
            assert [p for page in pages for p in page] == whole, (limit, include_archived)
            assert all(len(page) == limit for page in pages[:-1])


def test_the_order_is_family_key_then_given_key_then_id(clinic, people) -> None:
    # An oracle independent of the database: the keys folded in Python, compared as code
    # points (letters only, so the database's collation orders them the same way).
    expected = sorted(
        (
            p
            for p in people
            if p.family_name_key.startswith("jo") or p.given_name_key.startswith("jo")
        ),
        key=lambda p: (p.family_name_key, p.given_name_key, p.pk),
    )
    found = patient_search_page(clinic=clinic, query="jo", limit=50)
    assert found.items == expected
    assert found.count == len(expected) == 13  # "Ajo"/"Bjo" and the archived one left out


def test_a_cursor_on_a_given_name_match_continues_with_the_family_name_matches(
    clinic, people
) -> None:
    # "Abbott, Jo" and "Abbott, John" come only from the given-name branch; the page after
    # them starts in the family-name branch ("Jo, Abe").
    first = patient_search_page(clinic=clinic, query="jo", limit=2)
    assert [(p.family_name, p.given_name) for p in first.items] == [
        ("Abbott", "Jo"),
        ("Abbott", "John"),
    ]
    second = patient_search_page(clinic=clinic, query="jo", limit=2, cursor=first.next_cursor)
    assert [(p.family_name, p.given_name) for p in second.items] == [("Jo", "Abe"), ("Jo", "Jo")]


def test_a_query_with_no_name_in_it_finds_nobody(clinic, people) -> None:
    # "," folds to no words at all (this used to fail with an IndexError: a server error)
    found = patient_search_page(clinic=clinic, query=" , ", limit=5)
    assert found.items == []
    assert not found.next_cursor


def test_the_count_is_every_match_when_asked(clinic, people) -> None:
    found = patient_search_page(clinic=clinic, query="jo", limit=2, with_count=True)
    assert found.count == patient_search_ordered(clinic=clinic, query="jo").count()


def _sql_of(read: Callable[[], Any]) -> list[str]:
    sql: list[str] = []

    def seen(execute: Callable[..., Any], query: str, *args: Any) -> Any:
        sql.append(query)
        return execute(query, *args)

    with connection.execute_wrapper(seen):
        read()
    return sql


def test_each_branch_stops_at_the_page_inside_the_one_query(clinic, people) -> None:
    *probe, page_sql = _sql_of(lambda: patient_search_page(clinic=clinic, query="jo", limit=3))
    # On SQLite a bounded count first picks how to read the given-name branch (selectors).
    assert len(probe) == (1 if connection.vendor == "sqlite" else 0)
    assert all("COUNT(*)" in sql and "LIMIT 1000" in sql for sql in probe), probe
    # each of the two branches limited to the page plus one (the "is there more" row),
    # and the outer query
    assert page_sql.count("LIMIT 4") == 3


@pytest.mark.postgres
def test_on_postgresql_the_branches_are_merged_by_union(clinic, people) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    (page_sql,) = _sql_of(lambda: patient_search_page(clinic=clinic, query="jo", limit=3))
    assert page_sql.count("UNION") == 1


@pytest.mark.postgres
def test_on_postgresql_search_statements_are_planned_for_each_word(clinic, people) -> None:
    """A common and a rare start of a name want different plans (ADR 0037): the search's
    statements are never prepared, however often the front desk runs them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for _ in range(connection.connection.prepare_threshold + 2):
        patient_search_page(clinic=clinic, query="jo", limit=3)
        patient_search_page(clinic=clinic, query="jo", limit=3, cursor="", with_count=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT%given_name_key%"],
        )
        assert cursor.fetchall() == []
