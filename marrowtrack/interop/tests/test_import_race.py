"""On PostgreSQL, the same patients imported twice at the same moment are registered once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marrowtrack.interop.services.imports import patients_import
from marrowtrack.patients.models import Patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TEXT = "\n".join(
    json.dumps(
        {
            "resourceType": "Patient",
            "identifier": [{"system": "https://hospital.example.org/mrn", "value": f"H-{n}"}],
            "name": [{"family": f"Racer{n}", "given": ["Ada"]}],
            "birthDate": "1970-01-01",
        }
    )
    for n in range(5)
)


def _import(user) -> int:
    try:
        return len(patients_import(user=user, text=TEXT).created)
    finally:
        connection.close()


def test_concurrent_imports_of_the_same_file_register_each_patient_once(staff):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(_import, [staff["front_desk"]] * 4))
    assert sorted(created) == [0, 0, 0, 5]
    assert Patient.objects.filter(family_name__startswith="Racer").count() == 5
