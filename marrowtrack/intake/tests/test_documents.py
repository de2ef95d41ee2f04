"""Pre-procedure instructions as PDF and .ics, computed from the booked appointment."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from marrowtrack.intake import documents
from marrowtrack.intake.models import ConsentDocument
from marrowtrack.intake.services import booking
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.testing.factories import MedicationFactory

pytestmark = pytest.mark.django_db
PROCEDURE_DAY = MONDAY + timedelta(days=14)


@pytest.fixture
def booked(approved_plan, facility):
    MedicationFactory(patient=approved_plan.patient, name="Naproxen", drug_class="nsaid")
    approved_plan.anticoagulant_plan = "Aspirin 81 mg: continue (prescriber, 2026-03-01)."
    approved_plan.save()
    booking.appointment_book(
        plan=approved_plan, by=facility.nurse, starts_at=at(PROCEDURE_DAY, 9), team=facility.team()
    )
    return documents.plan_instructions(approved_plan)


def test_instructions_need_a_booked_appointment(approved_plan):
    assert documents.plan_instructions(approved_plan) is None


def test_instructions_count_nsaid_dates_from_the_appointment(booked):
    assert booked.computed.nsaid_stop_on == date(2026, 3, 9)
    assert booked.computed.nsaid_restart_on == date(2026, 3, 24)
    assert booked.computed.medications[0].name == "Naproxen"


def test_the_instructions_pdf_has_the_dates_medicines_and_blood_thinner_plan(booked):
    pdf = documents.instructions_pdf(booked)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Monday 9 March 2026" in text
    assert "Naproxen" in text
    assert "Aspirin 81 mg: continue" in text


def test_the_ics_has_the_appointment_and_the_nsaid_hold_and_restart_days(booked):
    calendar = Calendar.from_ical(documents.instructions_ics(booked))
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    visit = next(e for s, e in events.items() if "BMAC procedure" in s)
    assert visit.decoded("dtstart") == at(PROCEDURE_DAY, 9)
    assert visit.decoded("dtend") == at(PROCEDURE_DAY, 12)
    starts = {s: e.decoded("dtstart") for s, e in events.items()}
    assert date(2026, 3, 9) in starts.values()
    assert date(2026, 3, 24) in starts.values()


# --- consent version 2 (issue 8 item 15) ----------------------------------------------------


def _body(treatment: str, version: int = 2) -> str:
    return ConsentDocument.objects.get(treatment=treatment, version=version).body


@pytest.mark.parametrize("treatment", ["bmac", "bmac_prp"])
def test_the_bmac_consent_says_it_is_not_fda_approved_and_claims_no_compliance(treatment):
    body = _body(treatment)
    assert (
        "is not approved by the US Food and Drug Administration (FDA) for any orthopaedic or "
        "pain condition" in body
    )
    assert "makes no claim about the treatment's regulatory status" in body


def test_the_rheumatoid_arthritis_benefit_sentence_is_replaced() -> None:
    assert "only short-term benefit has been reported" in _body("bmac", 1)
    body = _body("bmac")
    assert "only short-term benefit" not in body
    assert "There are no trials of bone marrow concentrate in rheumatoid arthritis" in body


@pytest.mark.parametrize("treatment", ["bmac", "bmac_prp", "csi", "nerve_block", "prp"])
def test_every_consent_for_a_possible_spinal_injection_names_the_spinal_risks(treatment):
    body = _body(treatment)
    for risk in (
        "dural puncture",
        "worse when you sit or stand",
        "nerve root",
        "blood vessel",
        "discitis",
    ):
        assert risk in body, risk


@pytest.mark.parametrize("treatment", ["bmac", "bmac_prp"])
def test_the_harvest_consent_says_no_injection_is_given_if_the_product_fails(treatment):
    body = _body(treatment)
    assert "too little marrow can be drawn" in body
    assert "does not pass our laboratory checks" in body
    assert "nothing is injected that day" in body


def test_the_cortisone_consent_adds_fat_thinning_and_tendon_weakening() -> None:
    body = _body("csi")
    assert "Thinning of the fat under the skin" in body
    assert "Weakening of a tendon" in body


@pytest.mark.parametrize("treatment", ["bmac", "csi", "ha"])
def test_the_consent_call_back_list_is_complete_with_the_emergency_number(treatment):
    body = _body(treatment)
    for trigger in (
        "38.0 °C",
        "red streaks",
        "10 to 15 minutes",
        "hot, swollen joint",
        "numbness between the legs",
        "worse when you sit or stand up",
        "calf",
        "hives",
        "Call your emergency number straight away for chest pain, shortness of breath or collapse",
    ):
        assert trigger in body, trigger


def test_version_2_is_the_current_document_and_version_1_is_kept() -> None:
    from marrowtrack.intake.services.consent import current_document

    for treatment in ("bmac", "bmac_prp", "csi", "nerve_block", "prp", "ha", "exercise"):
        current = current_document(treatment)
        assert current is not None and current.version == 2
        assert ConsentDocument.objects.filter(treatment=treatment, version=1).exists()
