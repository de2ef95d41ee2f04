"""Optimistic concurrency (decision 0021): the conditional update, the edit form's hidden
version, and a stale edit shown on the form that made it."""

from __future__ import annotations

import pytest

from marrowtrack.core.exceptions import StaleEdit
from marrowtrack.core.forms import NO_VERSION, apply_errors, form_status
from marrowtrack.core.versioning import version_update
from marrowtrack.patients.forms import PatientForm
from marrowtrack.patients.models import Patient

pytestmark = pytest.mark.django_db


def _posted(patient: Patient, **changes: str) -> dict[str, str]:
    form = PatientForm(instance=patient)
    data = {name: form[name].value() for name in form.fields}
    return {k: "" if v is None else str(v) for k, v in {**data, **changes}.items()}


def test_an_update_from_the_current_version_writes_and_raises_the_version(patient) -> None:
    patient.phone = "555 0100"
    assert version_update(patient, expected=1, fields=["phone"])
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.phone, stored.version, patient.version) == ("555 0100", 2, 2)


def test_an_update_from_an_older_version_writes_nothing(patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(version=2)
    before = Patient.objects.get(pk=patient.pk).phone
    patient.phone = "555 0100"
    assert not version_update(patient, expected=1, fields=["phone"])
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.phone, stored.version, patient.version) == (before, 2, 1)


def test_an_edit_form_carries_the_records_version_hidden_and_a_new_one_does_not(patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(version=4)
    patient.refresh_from_db()
    edit = PatientForm(instance=patient)
    assert edit["version"].is_hidden and edit["version"].value() == 4
    assert "version" not in PatientForm().fields


def test_an_edit_form_without_its_version_is_refused_with_the_reason(patient) -> None:
    data = _posted(patient)
    del data["version"]
    form = PatientForm(data, instance=patient)
    assert not form.is_valid()
    assert form.errors["version"] == [NO_VERSION]


def test_a_stale_edit_lists_what_differs_keeps_the_entries_and_carries_the_new_version(
    patient,
) -> None:
    form = PatientForm(_posted(patient, phone="555 0100"), instance=patient)
    assert form.is_valid()
    current = {"phone": "555 0199", "family_name": patient.family_name, "sex": "male"}
    apply_errors(
        form, StaleEdit("Changed by Dr Ana Ruiz.", current={**current, "version": 3}, version=3)
    )
    assert form_status(form) == 409
    assert form.non_field_errors() == ["Changed by Dr Ana Ruiz."]
    sex = dict(Patient.Sex.choices)
    assert form.conflicts == [
        ("Phone", "555 0199", "555 0100"),
        ("Sex", sex["male"], sex[patient.sex]),
    ]
    assert form.data["version"] == "3" and form.data["phone"] == "555 0100"


def test_a_form_that_is_not_stale_answers_200(patient) -> None:
    form = PatientForm(_posted(patient), instance=patient)
    assert form.is_valid() and form_status(form) == 200
