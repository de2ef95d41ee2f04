"""Patient views: the role matrix, the outsider, the forms' error paths and the list budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marrowtrack.accounts.roles import Role, role_permissions
from marrowtrack.audit.models import AuditEvent
from marrowtrack.patients.models import (
    Allergy,
    Condition,
    Medication,
    Patient,
    WeightMeasurement,
)
from marrowtrack.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    WeightFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in Role]
LOGIN_URL = reverse("accounts:login")

PATIENT_DATA = {
    "family_name": "Okoye",
    "given_name": "Ada",
    "date_of_birth": "1958-03-09",
    "sex": "female",
    "preferred_language": "en",
}
ENTRY_DATA = {
    "weights": {"weight_kg": "81.0", "measured_on": "2024-03-01"},
    "allergies": {"category": "latex", "substance": "Latex gloves", "severity": "mild"},
    "medications": {
        "name": "Apixaban",
        "drug_class": "anticoagulant",
        "agent": "apixaban",
        "dose": "5 mg",
    },
    "conditions": {"kind": "bleeding_disorder", "detail": "von Willebrand type 1"},
}
ENTRY_EDIT_DATA = {  # each edit names the version of the record it was made from
    "medications": {"name": "Ibuprofen", "drug_class": "nsaid", "dose": "200 mg", "version": "1"},
    "conditions": {"kind": "pregnancy", "detail": "Second trimester", "version": "1"},
}


@dataclass(frozen=True)
class Records:
    patient: Patient
    entries: dict[str, Any]


@dataclass(frozen=True)
class View:
    name: str
    perm: str
    url: Callable[[Records], str]
    post: dict[str, str] | None = None

    @property
    def about_a_patient(self) -> bool:
        return self.name not in ("list", "register")


def _entry_views() -> list[View]:
    views = []
    for kind, data in ENTRY_DATA.items():
        views.append(
            View(
                f"{kind}-add",
                "patients.change_clinical_record",
                lambda r, k=kind: reverse("patients:entry-add", args=[r.patient.public_id, k]),
                data,
            )
        )
        views.append(
            View(
                f"{kind}-archive",
                "patients.change_clinical_record",
                lambda r, k=kind: reverse(
                    "patients:entry-archive", args=[k, r.entries[k].public_id]
                ),
                {"reason": "Entered in error"},
            )
        )
    for kind, data in ENTRY_EDIT_DATA.items():
        views.append(
            View(
                f"{kind}-edit",
                "patients.change_clinical_record",
                lambda r, k=kind: reverse("patients:entry-edit", args=[k, r.entries[k].public_id]),
                data,
            )
        )
    return views


VIEWS = [
    View("list", "patients.view_patient", lambda r: reverse("patients:list")),
    View("register", "patients.add_patient", lambda r: reverse("patients:register"), PATIENT_DATA),
    View(
        "detail",
        "patients.view_patient",
        lambda r: reverse("patients:detail", args=[r.patient.public_id]),
    ),
    View(
        "edit",
        "patients.change_patient",
        lambda r: reverse("patients:edit", args=[r.patient.public_id]),
        {**PATIENT_DATA, "family_name": "Núñez García", "given_name": "Rosa", "version": "1"},
    ),
    View(
        "archive",
        "patients.archive_patient",
        lambda r: reverse("patients:archive", args=[r.patient.public_id]),
        {"reason": "Duplicate record"},
    ),
    *_entry_views(),
]
POST_VIEWS = [view for view in VIEWS if view.post is not None]
PATIENT_VIEWS = [view for view in VIEWS if view.about_a_patient]


def _allowed(role: str, perm: str) -> bool:
    return perm in role_permissions()[role]


def _matrix(views: list[View]) -> list[Any]:
    return [pytest.param(view, role, id=f"{view.name}-{role}") for view in views for role in ROLES]


def _views(views: list[View]) -> list[Any]:
    return [pytest.param(view, id=view.name) for view in views]


def _counts() -> dict[str, int]:
    models = (Patient, WeightMeasurement, Allergy, Medication, Condition, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


def _archived_or_changed(records: Records) -> tuple[Any, ...]:
    """A snapshot of everything a patient view can change, to compare before and after."""
    patient = Patient.objects.get(pk=records.patient.pk)
    entries = [type(e).objects.get(pk=e.pk) for e in records.entries.values()]
    return (
        patient.family_name,
        patient.archived_at,
        *[(e.archived_at, getattr(e, "dose", None), getattr(e, "detail", None)) for e in entries],
    )


@pytest.fixture
def records(patient: Patient) -> Records:
    entries = {
        "weights": WeightFactory(patient=patient),
        "allergies": AllergyFactory(patient=patient),
        "medications": MedicationFactory(patient=patient),
        "conditions": ConditionFactory(patient=patient),
    }
    return Records(patient=patient, entries=entries)


@pytest.mark.parametrize(("view", "role"), _matrix(VIEWS))
def test_each_role_may_open_a_page_only_with_its_permission(
    view: View, role: str, records: Records, staff, client_for
) -> None:
    response = client_for(staff[role]).get(view.url(records))
    assert response.status_code == (200 if _allowed(role, view.perm) else 403)


@pytest.mark.parametrize(("view", "role"), _matrix(POST_VIEWS))
def test_each_role_may_submit_a_page_only_with_its_permission(
    view: View, role: str, records: Records, staff, client_for
) -> None:
    client = client_for(staff[role])
    # A refusal is audited as "denied"; only an allowed write adds another entry.
    entries = AuditEvent.objects.filter(actor=staff[role]).exclude(action="denied")
    events_before = entries.count()
    response = client.post(view.url(records), view.post)
    written = entries.count() - events_before
    if _allowed(role, view.perm):
        assert response.status_code == 302
        assert written == 1
    else:
        assert response.status_code == 403
        assert written == 0


@pytest.mark.parametrize("role", ROLES)
def test_htmx_search_returns_only_the_results_partial_to_roles_that_may_search(
    role: str, patient: Patient, staff, client_for
) -> None:
    response = client_for(staff[role]).get(
        reverse("patients:list"), {"q": "nunez"}, headers={"HX-Request": "true"}
    )
    if not _allowed(role, "patients.view_patient"):
        assert response.status_code == 403
        return
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="results"')
    assert "<html" not in content
    assert patient.mrn in content


@pytest.mark.parametrize(
    ("view", "method"),
    [pytest.param(p, "get", id=f"{p.name}-get") for p in VIEWS]
    + [pytest.param(p, "post", id=f"{p.name}-post") for p in POST_VIEWS],
)
def test_anonymous_visitors_are_sent_to_log_in(view: View, method: str, records: Records) -> None:
    before = _counts()
    url = view.url(records)
    response = getattr(Client(), method)(url, view.post or {})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    assert _counts() == before


@pytest.mark.parametrize("view", _views(PATIENT_VIEWS))
def test_another_clinics_user_gets_404_for_this_clinics_patient(
    view: View, records: Records, outsider, client_for
) -> None:
    response = client_for(outsider).get(view.url(records))
    assert response.status_code == 404


@pytest.mark.parametrize("view", _views([p for p in POST_VIEWS if p.about_a_patient]))
def test_another_clinics_user_cannot_change_this_clinics_patient(
    view: View, records: Records, outsider, client_for
) -> None:
    client = client_for(outsider)
    before, snapshot = _counts(), _archived_or_changed(records)
    response = client.post(view.url(records), view.post)
    assert response.status_code == 404
    assert _counts() == before
    assert _archived_or_changed(records) == snapshot


def test_another_clinics_user_does_not_find_this_clinics_patients(
    patient: Patient, outsider, client_for
) -> None:
    mine = PatientFactory(clinic=outsider.clinic, family_name="Nunez", given_name="Lola")
    response = client_for(outsider).get(reverse("patients:list"), {"q": "nunez"})
    assert response.status_code == 200
    assert list(response.context["patients"]) == [mine]
    assert str(patient.public_id) not in response.content.decode()


def test_another_clinics_user_registers_into_their_own_clinic(clinic, outsider, client_for) -> None:
    response = client_for(outsider).post(reverse("patients:register"), PATIENT_DATA)
    created = Patient.objects.get(family_name="Okoye")
    assert response.status_code == 302
    assert created.clinic == outsider.clinic
    assert not Patient.objects.filter(clinic=clinic).exists()


@pytest.mark.parametrize("kind", ["weights", "allergies"])
def test_weights_and_allergies_are_archived_and_re_entered_not_edited(
    kind: str, records: Records, staff, client_for
) -> None:
    url = reverse("patients:entry-edit", args=[kind, records.entries[kind].public_id])
    assert client_for(staff["nurse"]).get(url).status_code == 404


def test_an_unknown_kind_of_entry_is_404(patient: Patient, staff, client_for) -> None:
    url = reverse("patients:entry-add", args=[patient.public_id, "tattoos"])
    assert client_for(staff["nurse"]).get(url).status_code == 404


def test_registering_creates_the_patient_in_the_users_clinic_and_opens_the_record(
    clinic, staff, client_for
) -> None:
    response = client_for(staff["front_desk"]).post(reverse("patients:register"), PATIENT_DATA)
    created = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert (created.clinic, created.family_name, created.mrn) == (clinic, "Okoye", "MT0000001")
    assert AuditEvent.objects.filter(action="create", entity_id=str(created.public_id)).exists()


def test_adding_a_medication_stores_it_on_the_patient(patient: Patient, staff, client_for) -> None:
    url = reverse("patients:entry-add", args=[patient.public_id, "medications"])
    response = client_for(staff["nurse"]).post(url, ENTRY_DATA["medications"])
    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()
    assert list(patient.medications.values_list("name", "drug_class")) == [
        ("Apixaban", "anticoagulant")
    ]


def test_archiving_a_patient_keeps_the_row_and_records_the_reason(
    patient: Patient, staff, client_for
) -> None:
    url = reverse("patients:archive", args=[patient.public_id])
    client_for(staff["clinic_admin"]).post(url, {"reason": "Duplicate record"})
    patient.refresh_from_db()
    assert patient.archived_at is not None
    assert patient.archive_reason == "Duplicate record"


@pytest.mark.parametrize(
    ("url_for", "data", "field", "message"),
    [
        pytest.param(
            lambda p: reverse("patients:register"),
            {**PATIENT_DATA, "family_name": ""},
            "family_name",
            "This field is required.",
            id="empty-family-name",
        ),
        pytest.param(
            lambda p: reverse("patients:register"),
            {**PATIENT_DATA, "date_of_birth": "2026-11-25"},
            "date_of_birth",
            "This date is in the future.",
            id="future-birth-date",
        ),
        pytest.param(
            lambda p: reverse("patients:edit", args=[p.public_id]),
            {**PATIENT_DATA, "date_of_birth": "2026-11-25"},
            "date_of_birth",
            "This date is in the future.",
            id="edit-future-birth-date",
        ),
        pytest.param(
            lambda p: reverse("patients:entry-add", args=[p.public_id, "weights"]),
            {**ENTRY_DATA["weights"], "weight_kg": "-3"},
            "weight_kg",
            "Weight must be at least 2 kg.",
            id="negative-weight",
        ),
        pytest.param(
            lambda p: reverse("patients:entry-add", args=[p.public_id, "medications"]),
            {**ENTRY_DATA["medications"], "drug_class": "magic_beans"},
            "drug_class",
            "Select a valid choice. magic_beans is not one of the available choices.",
            id="unknown-medication-class",
        ),
        pytest.param(
            lambda p: reverse("patients:archive", args=[p.public_id]),
            {"reason": ""},
            "reason",
            "This field is required.",
            id="archive-without-reason",
        ),
    ],
)
@time_machine.travel("2026-11-24 15:00Z", tick=False)
def test_invalid_input_re_renders_the_form_with_the_field_message_and_stores_nothing(
    url_for, data, field, message, patient: Patient, staff, client_for
) -> None:
    client = client_for(staff["physician"])
    before = _counts()
    response = client.post(url_for(patient), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert _counts() == before
    patient.refresh_from_db()
    assert (patient.family_name, patient.archived_at) == ("Núñez", None)


def test_opening_a_record_logs_who_read_it(patient: Patient, staff, client_for) -> None:
    nurse = staff["nurse"]
    response = client_for(nurse).get(reverse("patients:detail", args=[patient.public_id]))
    reads = AuditEvent.objects.filter(action="read", patient_id=str(patient.public_id))
    assert response.status_code == 200
    assert [(e.actor, e.entity, e.extra) for e in reads] == [
        (nurse, "patients.patient", {"viewed": "record"})
    ]


def test_a_refused_read_is_not_logged_as_a_read(patient: Patient, staff, outsider, client_for):
    client_for(staff["researcher"]).get(reverse("patients:detail", args=[patient.public_id]))
    client_for(outsider).get(reverse("patients:detail", args=[patient.public_id]))
    assert not AuditEvent.objects.filter(action="read").exists()


def test_the_record_shows_current_entries_but_not_archived_ones(
    records: Records, staff, client_for
) -> None:
    archived = MedicationFactory(patient=records.patient, name="Warfarin", drug_class="other")
    Medication.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    response = client_for(staff["nurse"]).get(records.patient.get_absolute_url())
    content = response.content.decode()
    assert "Ibuprofen" in content
    assert "Warfarin" not in content


def test_the_list_shows_thirty_patients_within_the_query_budget(
    clinic, staff, client_for, django_assert_max_num_queries
) -> None:
    PatientFactory.create_batch(30, clinic=clinic)
    client = client_for(staff["front_desk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert len(response.context["patients"]) == 30


def test_searching_by_name_finds_the_patient_regardless_of_accents(
    patient: Patient, clinic, staff, client_for
) -> None:
    PatientFactory(clinic=clinic, family_name="Smith", given_name="John")
    response = client_for(staff["front_desk"]).get(reverse("patients:list"), {"q": "nunez ro"})
    assert list(response.context["patients"]) == [patient]


def test_a_weight_typed_in_pounds_asks_for_confirmation_on_the_form(
    patient: Patient, staff, client_for
) -> None:
    WeightFactory(patient=patient, weight_kg=Decimal("75.0"), measured_on=date(2024, 2, 1))
    url = reverse("patients:entry-add", args=[patient.public_id, "weights"])
    client = client_for(staff["nurse"])
    refused = client.post(url, {"weight_kg": "165.3", "measured_on": "2024-03-01"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Was it typed in pounds? 165.3 lb is 75.0 kg." in page
    assert patient.weights.count() == 1
    confirmed = client.post(
        url, {"weight_kg": "165.3", "measured_on": "2024-03-01", "confirmed": "on"}
    )
    assert confirmed.status_code == 302
    record = client.get(patient.get_absolute_url()).content.decode()
    assert "confirmed after a plausibility check" in record


def test_the_record_shows_height_bmi_and_where_a_condition_is(
    patient: Patient, staff, client_for
) -> None:
    patient.height_cm = Decimal("165")
    patient.save(update_fields=["height_cm"])
    WeightFactory(patient=patient, weight_kg=Decimal("120"), measured_on=date(2024, 3, 1))
    ConditionFactory(patient=patient, kind="implant", site="knee", side="left", detail="TKR 2019")
    page = client_for(staff["nurse"]).get(patient.get_absolute_url()).content.decode()
    assert "165.0 cm" in page and "BMI <strong>44.1</strong>" in page
    assert "Left knee · TKR 2019" in page
