"""Discharge needs a minimum time in recovery (server time), vitals and the blood-thinner
restart date; the procedure note is one page and a signed PDF (issue 9, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.procedures import services
from marrowtrack.procedures.models import ProcedureNote
from marrowtrack.procedures.services.note import procedure_note_sign
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _discharge(encounter, staff, **data):
    services.encounter_transition(
        encounter=encounter,
        to=S.DISCHARGED,
        by=staff["nurse"],
        data={**scenario.DISCHARGE_DATA, **data},
    )


def test_discharge_before_the_minimum_recovery_time_is_refused_and_audited(
    encounter, walk, staff
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        walk(encounter, S.RECOVERY)
        traveller.shift(timedelta(minutes=29))
        with pytest.raises(SafetyRefusal, match=r"29 min in recovery; the minimum is 30 min"):
            _discharge(encounter, staff)
        assert AuditEvent.objects.filter(
            action=AuditAction.REFUSED, reason__contains="minimum is 30 min"
        ).exists()
        traveller.shift(timedelta(minutes=1))
        _discharge(encounter, staff)
    encounter.refresh_from_db()
    assert encounter.state == S.DISCHARGED
    step = encounter.steps.get(to_state=S.DISCHARGED.value)
    assert step.checklist["recovery_minutes"] == 30
    assert (step.checklist["blood_pressure"], step.checklist["pulse"]) == ("124/78", 72)


def test_the_minimum_recovery_time_is_configurable(encounter, walk, staff, clinic) -> None:
    # Per clinic since ADR 0024 (the installation's setting is a new clinic's default).
    clinic.min_recovery_minutes = 45
    clinic.save(update_fields=["min_recovery_minutes"])
    with time_machine.travel(START, tick=False) as traveller:
        walk(encounter, S.RECOVERY)
        traveller.shift(timedelta(minutes=40))
        with pytest.raises(SafetyRefusal, match="the minimum is 45 min"):
            _discharge(encounter, staff)


def test_discharge_needs_vital_signs(encounter, walk, staff) -> None:
    walk(encounter, S.RECOVERY)
    scenario.recovered(encounter)
    with pytest.raises(ValidationFailed) as missing:
        _discharge(encounter, staff, blood_pressure="", pulse=None)
    assert set(missing.value.errors) == {"blood_pressure", "pulse"}
    with pytest.raises(ValidationFailed, match="not plausible"):
        _discharge(encounter, staff, blood_pressure="400/20")


def test_a_patient_on_a_blood_thinner_is_discharged_with_the_restart_date(
    patient, encounter, walk, staff
) -> None:
    MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    walk(encounter, S.RECOVERY)
    scenario.recovered(encounter)
    with pytest.raises(ValidationFailed, match="restart date the prescriber gave for Apixaban"):
        _discharge(encounter, staff)
    restart = encounter.day + timedelta(days=1)
    _discharge(encounter, staff, anticoagulant_restart_on=restart)
    step = encounter.steps.get(to_state=S.DISCHARGED.value)
    assert step.checklist["anticoagulant_restart_on"] == f"Apixaban: restart {restart:%Y-%m-%d}"


def test_the_discharge_form_shows_the_earliest_time_and_the_restart_date(
    patient, encounter, walk, staff, client_for
) -> None:
    MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    walk(encounter, S.RECOVERY)
    text = client_for(staff["nurse"]).get(f"/procedures/{encounter.public_id}/").content.decode()
    assert "Minimum time in recovery: 30 min; discharge from" in text
    assert "no date in the prescriber's plan" in text
    assert "Blood pressure at discharge" in text


def test_the_note_page_shows_every_part_of_the_day(encounter, walk, staff, client_for) -> None:
    walk(encounter, S.DISCHARGED)
    text = client_for(staff["nurse"]).get(f"/procedures/{encounter.public_id}/note/").content
    html = text.decode()
    for part in (
        'id="note-vitals"',
        "BP 124/78",
        'id="note-timeout-1"',
        "skin prep agent <strong>Chlorhexidine 2 % in 70 % isopropyl alcohol</strong>",
        "lidocaine",
        'id="note-harvest"',
        'id="note-lab"',
        'id="note-product"',
        'id="note-injections"',
        "min in recovery",
    ):
        assert part in html, part


def test_a_physician_signs_the_note_and_the_signed_pdf_is_kept(
    encounter, walk, staff, client_for
) -> None:
    walk(encounter, S.INJECTED)
    with pytest.raises(DomainError, match="once the day is finished"):
        procedure_note_sign(encounter=encounter, by=staff["physician"], password=PASSWORD)
    walk(encounter, S.DISCHARGED)
    with pytest.raises(PermissionDenied):
        procedure_note_sign(encounter=encounter, by=staff["nurse"], password=PASSWORD)
    with pytest.raises(SignatureRefused):
        procedure_note_sign(encounter=encounter, by=staff["physician"], password="wrong")
    assert not ProcedureNote.objects.exists()
    client = client_for(staff["physician"])
    signed = client.post(f"/procedures/{encounter.public_id}/note/sign/", {"password": PASSWORD})
    assert signed.status_code == 302
    note = ProcedureNote.objects.get()
    assert bytes(note.pdf).startswith(b"%PDF")
    assert note.signature.signer == staff["physician"]
    pdf = client.get(f"/procedures/{encounter.public_id}/note.pdf")
    assert pdf.status_code == 200 and pdf.content == bytes(note.pdf)
    assert AuditEvent.objects.filter(action=AuditAction.PRINT).exists()
    with pytest.raises(DomainError, match="already signed"):
        procedure_note_sign(encounter=encounter, by=staff["physician"], password=PASSWORD)


def test_an_outsider_cannot_read_or_sign_the_note(
    encounter, walk, staff, outsider, client_for, make_user, other_clinic
) -> None:
    walk(encounter, S.DISCHARGED)
    client = client_for(outsider)
    assert client.get(f"/procedures/{encounter.public_id}/note/").status_code == 404
    assert client.get(f"/procedures/{encounter.public_id}/note.pdf").status_code == 404
    doctor = make_user("physician", at=other_clinic)
    path = f"/procedures/encounters/{encounter.public_id}/note/signature"
    assert Api(doctor).post(path, {"password": PASSWORD}).status_code == 404
    done = Api(staff["physician"]).post(path, {"password": PASSWORD})
    assert done.status_code == 201, done.json()
