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
