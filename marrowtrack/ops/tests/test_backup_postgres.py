"""The PostgreSQL round trip: pg_dump, change everything, pg_restore, every table equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from marrowtrack.ops.backup import backup_create, backup_restore, table_counts
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import AllergyFactory, PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        found = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            found[table] = [tuple(map(str, row)) for row in cursor.fetchall()]
    return found


def test_pg_dump_and_pg_restore_give_back_every_row(clinic, tmp_path: Path, settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL round trip (the SQLite one is in test_backup.py)")
    settings.MARROWTRACK_AUDIT_ANCHOR = tmp_path / "anchor.log"
    AllergyFactory(patient=PatientFactory(clinic=clinic))
    before = _rows()
    result = backup_create(directory=tmp_path / "backup")
    assert result.engine == "postgresql" and (tmp_path / "backup" / "database.pgdump").exists()

    Patient.objects.update(family_name="Changed")
    PatientFactory(clinic=clinic)
    backup_restore(directory=tmp_path / "backup")

    assert _rows() == before
    assert table_counts() == {name: len(rows) for name, rows in before.items()}
