from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import patient_search, patient_with_record
from marrowtrack.testing.factories import AllergyFactory, PatientFactory, WeightFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clinic, other_clinic):
    return {
        "rosa": PatientFactory(
            clinic=clinic,
            family_name="Núñez",
            given_name="Rosa",
            date_of_birth=date(1961, 2, 3),
            mrn="MT0000101",
        ),
        "john": PatientFactory(
            clinic=clinic,
            family_name="Smith",
            given_name="John",
            date_of_birth=date(1970, 7, 8),
            mrn="MT0000102",
        ),
        "jane": PatientFactory(
            clinic=clinic,
            family_name="Smithers",
            given_name="Jane",
            date_of_birth=date(1970, 7, 8),
            mrn="MT0000103",
        ),
        "elsewhere": PatientFactory(
            clinic=other_clinic,
            family_name="Smith",
            given_name="Zed",
            date_of_birth=date(1970, 7, 8),
            mrn="MT0000102",
        ),
    }


def test_name_search_ignores_accents_and_case(clinic, people) -> None:
    assert list(patient_search(clinic=clinic, query="nunez")) == [people["rosa"]]
    assert list(patient_search(clinic=clinic, query="NÚÑ")) == [people["rosa"]]


def test_several_words_must_each_start_a_name(clinic, people) -> None:
    assert list(patient_search(clinic=clinic, query="smi jo")) == [people["john"]]
    assert list(patient_search(clinic=clinic, query="Smith, Jane")) == [people["jane"]]


def test_search_by_mrn_and_by_date_of_birth(clinic, people) -> None:
    assert list(patient_search(clinic=clinic, query="mt0000102")) == [people["john"]]
    found = set(patient_search(clinic=clinic, query="1970-07-08"))
    assert found == {people["john"], people["jane"]}
    assert set(patient_search(clinic=clinic, query="07/08/1970")) == found


def test_search_never_returns_another_clinics_patients(clinic, people) -> None:
    assert people["elsewhere"] not in set(patient_search(clinic=clinic, query="smith"))


def test_archived_patients_are_left_out_unless_asked_for(clinic, people) -> None:
    from django.utils import timezone

    people["john"].archived_at = timezone.now()
    people["john"].save()
    assert people["john"] not in set(patient_search(clinic=clinic, query="smith"))
    assert people["john"] in set(
        patient_search(clinic=clinic, query="smith", include_archived=True)
    )


def _record_of(patient) -> tuple[list, list]:
    return (
        sorted(w.public_id for w in patient.weights.all()),
        sorted(a.public_id for a in patient.allergies.all()),
    )


def test_a_record_view_attaches_the_live_rows_without_reading_the_patient_again(
    patient,
) -> None:
    WeightFactory(patient=patient)
    AllergyFactory(patient=patient)
    AllergyFactory(patient=patient, archived_at=timezone.now(), archive_reason="entered twice")
    just_read = Patient.objects.select_related("clinic").get(pk=patient.pk)
    with CaptureQueriesContext(connection) as queries:
        shown = patient_with_record(just_read, reread=False)
        rows = _record_of(shown)
    assert shown is just_read
    assert not [q for q in queries if 'FROM "patients_patient"' in q["sql"]]
    assert len(queries) == 4  # weights, allergies, medications, conditions
    assert rows == _record_of(patient_with_record(patient))
    assert len(rows[1]) == 1  # the archived allergy is left out


def test_a_query_chained_onto_an_attached_list_keeps_its_conditions(patient, clinic) -> None:
    """The attached lists leave their WHERE clause unbuilt (a sixth of an API read's CPU,
    docs/performance.md); a query chained onto one must still ask for this patient's live
    rows only."""
    live = AllergyFactory(patient=patient)
    AllergyFactory(patient=patient, archived_at=timezone.now(), archive_reason="entered twice")
    AllergyFactory(patient=PatientFactory(clinic=clinic))
    shown = patient_with_record(Patient.objects.get(pk=patient.pk), reread=False)
    attached = shown.allergies.all()
    assert attached._deferred_filter is not None  # nothing built before it is needed
    assert [a.pk for a in attached] == [live.pk]
    assert [a.pk for a in attached.filter(pk__isnull=False)] == [live.pk]
    assert [a.pk for a in attached.exclude(pk=live.pk)] == []
    again = patient_with_record(shown, reread=False)  # attached twice: fresh lists
    assert [a.pk for a in again.allergies.all().filter(pk__isnull=False)] == [live.pk]


def test_the_first_page_of_a_name_search_is_the_general_pages(clinic, other_clinic) -> None:
    """The first page of a name search runs a prepared query (issue 17, ADR 0033): it must
    give the rows, next cursor and count the general keyset page gives, for one word, two
    and three, LIKE's special characters, archived patients in or out, and any page size."""
    from marrowtrack.core.pagination import keyset_page
    from marrowtrack.patients import selectors

    names = [
        ("Harris", "Ann"), ("Harrison", "John"), ("Harper", "Ann Marie"), ("Smith", "John"),
        ("Johnson", "Harry"), ("Ha_rt", "Al%an"), ("Hart", "Alban"), ("O'Brien", "Jo"),
    ]  # fmt: skip
    for family, given in names:
        PatientFactory(clinic=clinic, family_name=family, given_name=given)
    PatientFactory(clinic=other_clinic, family_name="Harris", given_name="Ann")
    gone = PatientFactory(clinic=clinic, family_name="Harriet", given_name="Ann")
    Patient.objects.filter(pk=gone.pk).update(archived_at=timezone.now(), archive_reason="x")

    def general(query: str, limit: int, archived: bool):
        rows = selectors.patient_search_ordered(
            clinic=clinic, query=query, include_archived=archived
        )
        scope = selectors._in_scope(clinic, archived)
        words = selectors._name_words(query)
        branches = [scope.filter(b) for b in selectors._name_branches(words)]
        return keyset_page(rows, limit=limit, branches=branches)

    seen = 0
    for query in ("har", "ha_", "al%", "hart al", "john harry", "ann ha ma", "o'b", "zq"):
        for limit in (1, 2, 50):
            for archived in (False, True):
                fast = selectors.patient_search_page(
                    clinic=clinic, query=query, limit=limit, include_archived=archived
                )
                slow = general(query, limit, archived)
                assert [p.pk for p in fast.items] == [p.pk for p in slow.items], query
                assert (fast.next_cursor, fast.count) == (slow.next_cursor, slow.count), query
                seen += len(fast.items)
    assert seen  # the queries found patients
    found = selectors.patient_search_page(clinic=clinic, query="ha_", limit=50).items
    assert [p.family_name for p in found] == ["Ha_rt"]  # "_" is a character, not a wildcard


def _page_plans(clinic, query: str, cursor: str = "") -> list[str]:
    """EXPLAIN QUERY PLAN of the query that reads a name-search page (the one with LIMIT)."""
    from marrowtrack.patients.selectors import patient_search_page

    with CaptureQueriesContext(connection) as queries:
        patient_search_page(clinic=clinic, query=query, cursor=cursor, limit=2)
    page = [q["sql"] for q in queries if "LIMIT" in q["sql"] and "COUNT" not in q["sql"]]
    with connection.cursor() as cursor_:
        cursor_.execute(f"EXPLAIN QUERY PLAN {page[-1]}")
        return [row[-1] for row in cursor_.fetchall()]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan of the given branch")
def test_a_common_given_name_start_walks_the_list_order_on_sqlite(
    clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many given names start 'jo': SQLite walks `patient_name_order` and stops at the page
    instead of reading and sorting every 'jo' from `patient_given_key`; few ('zo': one)
    keeps that index, so a rare start never walks the whole clinic (docs/performance.md)."""
    from marrowtrack.patients import selectors

    monkeypatch.setattr(selectors, "GIVEN_WALK_FROM", 3)
    for given in ("John", "Joan", "Josef", "Joseph", "Zoe"):
        PatientFactory(clinic=clinic, family_name="Abbot", given_name=given)
    first = selectors.patient_search_page(clinic=clinic, query="jo", limit=2)
    for cursor in ("", first.next_cursor):
        common = " ".join(_page_plans(clinic, "jo", cursor))
        assert "patient_given_key" not in common and "patient_name_order" in common, common
    rare = " ".join(_page_plans(clinic, "zo"))
    assert "patient_given_key" in rare, rare


def test_a_walked_given_name_branch_finds_the_same_pages(
    clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marrowtrack.patients import selectors

    names = [("Abbot", "John"), ("Jones", "Ann"), ("Baker", "Joan"), ("Cole", "Jo"),
             ("Joyce", "Jo"), ("Dunn", "Mary"), ("Evans", "Josef")]  # fmt: skip
    for family, given in names:
        PatientFactory(clinic=clinic, family_name=family, given_name=given)

    def pages(query: str) -> list[list[int]]:
        found, cursor, shown = None, "", []
        while found is None or cursor:
            found = selectors.patient_search_page(
                clinic=clinic, query=query, cursor=cursor, limit=2
            )
            shown.append([p.pk for p in found.items])
            cursor = found.next_cursor
        return shown

    indexed = {query: pages(query) for query in ("jo", "j", "ma")}
    monkeypatch.setattr(selectors, "GIVEN_WALK_FROM", 1)
    assert {query: pages(query) for query in indexed} == indexed
    assert sum(len(page) for page in indexed["jo"]) == 6
