"""Pre-procedure instructions as PDF and .ics, computed from the booked appointment."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from marrowtrack.intake import documents
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
