"""Two people editing one patient record (details, a medication, a condition): the second
save, made from the older version, is refused with 409, names who changed the record and
when, shows the current values, and stores nothing (decision 0021)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.patients.entries import ENTRY_KINDS
from marrowtrack.patients.forms import PatientForm
from marrowtrack.patients.models import Medication, Patient
from marrowtrack.testing.factories import ConditionFactory, MedicationFactory

pytestmark = pytest.mark.django_db
SAVED_AT = "2026-03-02 10:14-05:00"  # the clinic's local time (America/New_York)


def _form_data(form: Any, **changes: str) -> dict[str, str]:
    data = {name: form[name].value() for name in form.fields}
    return {k: "" if v is None else str(v) for k, v in {**data, **changes}.items()}


def _api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)[1]}"})


def _patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/patients{path}", body, content_type="application/json")


def test_the_second_of_two_web_edits_of_a_patient_is_refused_with_who_and_when(
    patient, staff, client_for
) -> None:
    url = reverse("patients:edit", args=[patient.public_id])
    opened = _form_data(PatientForm(instance=patient))  # both open the page at version 1
    desk, nurse = client_for(staff["front_desk"]), client_for(staff["nurse"])
    with time_machine.travel(SAVED_AT, tick=False):
        first = desk.post(url, {**opened, "phone": "555 0100"})
    assert first.status_code == 302
    audit_before = AuditEvent.objects.exclude(action="read").count()

    second = nurse.post(url, {**opened, "phone": "555 0199", "address": "1 Mill Lane"})

    page = second.content.decode()
    assert second.status_code == 409
    assert "Not saved: someone else changed this record" in page
    assert f"changed by {staff['front_desk'].printed_name} at 2026-03-02 10:14" in page
    assert "<td>555 0100</td><td>555 0199</td>" in page  # now on record / your entry
    assert 'name="version" value="2"' in page and 'value="1 Mill Lane"' in page
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.phone, stored.address, stored.version) == ("555 0100", patient.address, 2)
    assert AuditEvent.objects.exclude(action="read").count() == audit_before


def test_saving_again_from_the_conflict_page_is_a_deliberate_overwrite(
    patient, staff, client_for
) -> None:
    url = reverse("patients:edit", args=[patient.public_id])
    opened = _form_data(PatientForm(instance=patient))
    client_for(staff["front_desk"]).post(url, {**opened, "phone": "555 0100"})
    nurse = client_for(staff["nurse"])
    refused = nurse.post(url, {**opened, "phone": "555 0199"})
    assert refused.status_code == 409
    again = nurse.post(url, {**opened, "phone": "555 0199", "version": "2"})
    assert again.status_code == 302
    assert Patient.objects.values_list("phone", "version").get(pk=patient.pk) == ("555 0199", 3)


def test_the_second_of_two_api_edits_of_a_patient_is_409_with_the_current_record(
    patient, staff
) -> None:
    with time_machine.travel(SAVED_AT, tick=False):
        first = _patch(
            _api(staff["physician"]), f"/{patient.public_id}", {"phone": "555 0100", "version": 1}
        )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = _patch(
        _api(staff["nurse"]), f"/{patient.public_id}", {"phone": "555 0199", "version": 1}
    )
    body = second.json()
    assert second.status_code == 409
    assert staff["physician"].printed_name in body["message"]
    assert body["errors"] == {"version": [body["message"]]}
    assert body["current"]["phone"] == "555 0100" and body["current"]["version"] == 2
    assert body["changed_by"] == staff["physician"].printed_name
    assert body["changed_at"].startswith("2026-03-02T15:14")
    assert Patient.objects.get(pk=patient.pk).phone == "555 0100"


def test_an_api_edit_without_a_version_is_refused_naming_the_field(patient, staff) -> None:
    response = _patch(_api(staff["nurse"]), f"/{patient.public_id}", {"phone": "555 0199"})
    assert response.status_code == 422 and "version" in response.json()["errors"]
    assert Patient.objects.get(pk=patient.pk).version == 1


def test_an_outsider_gets_404_even_with_the_right_version(patient, outsider) -> None:
    response = _patch(_api(outsider), f"/{patient.public_id}", {"phone": "1", "version": 1})
    assert response.status_code == 404


def test_the_second_of_two_api_edits_of_a_medication_is_refused(patient, staff) -> None:
    medication = MedicationFactory(patient=patient, started_on="2024-01-01")
    path = f"/medications/{medication.public_id}"
    nurse, doctor = _api(staff["nurse"]), _api(staff["physician"])
    assert _patch(nurse, path, {"dose": "5 mg", "version": 1}).status_code == 200
    second = _patch(doctor, path, {"stopped_on": "2024-06-30", "version": 1})
    assert second.status_code == 409 and second.json()["current"]["dose"] == "5 mg"
    stored = Medication.objects.get(pk=medication.pk)
    assert (stored.dose, stored.stopped_on, stored.version) == ("5 mg", None, 2)


@pytest.mark.parametrize(
    ("kind", "changes", "other"),
    [
        ("medications", {"dose": "5 mg"}, {"dose": "10 mg"}),
        ("conditions", {"detail": "type 1"}, {"detail": "type 2"}),
    ],
)
def test_the_second_of_two_web_edits_of_an_entry_is_refused(
    patient, staff, client_for, kind, changes, other
) -> None:
    entry_kind = ENTRY_KINDS[kind]
    entry = (
        MedicationFactory(patient=patient)
        if kind == "medications"
        else ConditionFactory(patient=patient, kind="bleeding_disorder")
    )
    url = reverse("patients:entry-edit", args=[kind, entry.public_id])
    opened = _form_data(entry_kind.form(instance=entry))
    assert client_for(staff["nurse"]).post(url, {**opened, **changes}).status_code == 302
    second = client_for(staff["physician"]).post(url, {**opened, **other})
    assert second.status_code == 409
    assert staff["nurse"].printed_name in second.content.decode()
    stored = entry_kind.model.objects.get(pk=entry.pk)
    assert {k: getattr(stored, k) for k in changes} == changes and stored.version == 2


def test_the_edit_page_shows_the_height_and_the_version_so_saving_it_keeps_both(
    patient, staff, client_for
) -> None:
    page = client_for(staff["nurse"]).get(reverse("patients:edit", args=[patient.public_id]))
    body = page.content.decode()
    assert 'name="height_cm"' in body and 'name="version" value="1"' in body
