"""A signed procedure note is locked; corrections are signed addenda shown on the note page
and in its PDF (web and API). The minimum recovery before discharge is the clinic's own,
edited by its administrator with the clinic's settings (ADR 0024)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.procedures import services
from marrowtrack.procedures.models import ProcedureNote, ProcedureNoteAddendum
from marrowtrack.procedures.services.note import (
    procedure_note_addendum_sign,
    procedure_note_sign,
)
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, ClinicFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TEXT = "Second pass through the same skin entry on the left crest; 8 mL more aspirate."
REASON = "Omitted from the harvest record"


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def signed_note(encounter, walk, staff):
    walk(encounter, S.DISCHARGED)
    return procedure_note_sign(encounter=encounter, by=staff["physician"], password=PASSWORD)


def _addendum(encounter, by, **over):
    values = {"text": TEXT, "reason": REASON, "password": PASSWORD, **over}
    return procedure_note_addendum_sign(encounter=encounter, by=by, **values)


def test_an_addendum_is_signed_audited_and_leaves_the_signed_note_as_it_was(
    encounter, signed_note, staff
) -> None:
    signed_pdf = bytes(signed_note.pdf)
    addendum = _addendum(encounter, staff["physician"])
    assert (addendum.author, addendum.text, addendum.reason) == (staff["physician"], TEXT, REASON)
    assert addendum.signature.signer == staff["physician"]
    signed_note.refresh_from_db()
    assert bytes(signed_note.pdf) == signed_pdf  # the signed note is locked
    assert TEXT in _pdf_text(bytes(addendum.pdf)).replace("\n", " ")
    event = AuditEvent.objects.get(entity="procedures.procedurenoteaddendum")
    assert event.action == AuditAction.CREATE and event.reason == REASON


def test_an_addendum_needs_a_signed_note_a_physician_its_fields_and_the_password(
    encounter, walk, staff
) -> None:
    walk(encounter, S.DISCHARGED)
    with pytest.raises(DomainError, match="not signed yet"):
        _addendum(encounter, staff["physician"])
    procedure_note_sign(encounter=encounter, by=staff["physician"], password=PASSWORD)
    with pytest.raises(PermissionDenied):
        _addendum(encounter, staff["nurse"])
    with pytest.raises(ValidationFailed) as bad:
        _addendum(encounter, staff["physician"], text=" ", reason="")
    assert set(bad.value.errors) == {"text", "reason"}
    with pytest.raises(SignatureRefused):
        _addendum(encounter, staff["physician"], password="wrong")
    assert not ProcedureNoteAddendum.objects.exists()


def test_the_note_page_and_pdf_show_the_addendum(encounter, signed_note, staff, client_for) -> None:
    client = client_for(staff["physician"])
    url = reverse("procedures:note-addendum", args=[encounter.public_id])
    bad = client.post(url, {"text": TEXT, "reason": "", "password": PASSWORD})
    assert bad.status_code == 422 and "reason" in bad.content.decode()
    assert (
        client.post(url, {"text": TEXT, "reason": REASON, "password": PASSWORD}).status_code == 302
    )
    page = client.get(reverse("procedures:note", args=[encounter.public_id])).content.decode()
    assert "Addenda to the signed note" in page and TEXT in page and REASON in page
    pdf = client.get(reverse("procedures:note-pdf", args=[encounter.public_id]))
    assert TEXT in _pdf_text(pdf.content).replace("\n", " ")
    original = client.get(
        reverse("procedures:note-pdf", args=[encounter.public_id]) + "?version=signed"
    )
    assert original.content == bytes(signed_note.pdf)
    assert client_for(staff["nurse"]).post(url, {"text": TEXT, "reason": REASON}).status_code == 403


def test_the_api_adds_an_addendum_and_refuses_the_outsider(
    encounter, signed_note, staff, make_user, other_clinic
) -> None:
    path = f"/procedures/encounters/{encounter.public_id}/note/addenda"
    body = {"text": TEXT, "reason": REASON, "password": PASSWORD}
    assert Api(make_user("physician", at=other_clinic)).post(path, body).status_code == 404
    assert Api(staff["nurse"]).post(path, body).status_code == 403
    done = Api(staff["physician"]).post(path, body)
    assert done.status_code == 201, done.json()
    assert done.json()["text"] == TEXT and done.json()["author"] == staff["physician"].printed_name
    assert ProcedureNote.objects.get().addenda.count() == 1


# --- The minimum recovery is per clinic --------------------------------------------------


def test_a_new_clinic_starts_from_the_installation_setting(settings) -> None:
    settings.MARROWTRACK_MIN_RECOVERY_MINUTES = 40
    assert ClinicFactory().min_recovery_minutes == 40


def test_each_clinic_discharges_after_its_own_minimum(encounter, walk, staff, clinic) -> None:
    clinic.min_recovery_minutes = 45
    clinic.save(update_fields=["min_recovery_minutes"])
    other = ClinicFactory()
    assert other.min_recovery_minutes == 30  # another clinic keeps its own
    with time_machine.travel(START, tick=False) as traveller:
        walk(encounter, S.RECOVERY)
        traveller.shift(timedelta(minutes=44))
        with pytest.raises(SafetyRefusal, match="the minimum is 45 min"):
            services.encounter_transition(
                encounter=encounter,
                to=S.DISCHARGED,
                by=staff["nurse"],
                data=scenario.DISCHARGE_DATA,
            )
        traveller.shift(timedelta(minutes=1))
        services.encounter_transition(
            encounter=encounter, to=S.DISCHARGED, by=staff["nurse"], data=scenario.DISCHARGE_DATA
        )


def test_the_clinic_administrator_sets_it_with_the_clinic_settings(
    clinic, staff, client_for
) -> None:
    client = client_for(staff["clinic_admin"])
    url = reverse("intake:settings")
    form = client.get(url).content.decode()
    assert "Minimum recovery before discharge (minutes)" in form
    data = {
        "arrival_lead_minutes": 30,
        "after_hours_phone": "",
        "screening_max_age_days": 30,
        "min_recovery_minutes": 50,
        "version": 1,
    }
    bad = client.post(url, {**data, "min_recovery_minutes": 500})
    assert "min_recovery_minutes" in bad.content.decode() or bad.status_code != 302
    assert Clinic.objects.get(pk=clinic.pk).min_recovery_minutes == 30
    assert client.post(url, data).status_code == 302
    assert Clinic.objects.get(pk=clinic.pk).min_recovery_minutes == 50
    event = AuditEvent.objects.get(entity="core.clinic", action=AuditAction.UPDATE)
    assert event.actor == staff["clinic_admin"]
    assert client_for(staff["nurse"]).post(url, data).status_code == 403
