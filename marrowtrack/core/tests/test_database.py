"""Planner statistics after a bulk load: the tables are analysed."""

from __future__ import annotations

import pytest
from django.db import connection

from marrowtrack.core.database import planned_for_their_values, planner_statistics_refresh
from marrowtrack.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _patients_analysed() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'patients_patient'")
            return bool(cursor.fetchone()[0])
        # PostgreSQL: a table never analysed has reltuples -1 (version 14 and later).
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'patients_patient'")
        return cursor.fetchone()[0] >= 1


def test_refreshing_the_statistics_analyses_the_patient_table() -> None:
    PatientFactory.create_batch(3)
    planner_statistics_refresh()
    assert _patients_analysed()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_also_vacuums_so_index_only_scans_skip_the_table():
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM and the visibility map are PostgreSQL's")
    PatientFactory.create_batch(3)
    planner_statistics_refresh()
    with connection.cursor() as cursor:
        # VACUUM records how many pages it found all-visible (ANALYZE alone leaves 0).
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'patients_patient'")
        assert cursor.fetchone()[0] >= 1


def _prepared_statements_naming(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"]
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_statements_planned_for_their_values_are_not_prepared() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    threshold = connection.connection.prepare_threshold
    assert threshold is not None  # settings: repeated statements are prepared
    with planned_for_their_values(), connection.cursor() as cursor:
        for value in range(threshold + 2):
            cursor.execute("SELECT %s::int AS planned_per_value_probe", [value])
    assert _prepared_statements_naming("planned_per_value_probe") == 0
    assert connection.connection.prepare_threshold == threshold  # put back afterwards
