"""Booking respects the holds (issue 9 item 3): a date that leaves less than the hold for
the patient's NSAIDs (healing-response treatments) or blood thinners (every needle) is
refused and the refusal is audited, unless the prescriber's hold plan is signed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import SafetyRefusal
from marrowtrack.intake.models import Appointment
from marrowtrack.intake.services import booking
from marrowtrack.intake.services.holds import medication_hold_record
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db
CSI = {
    "status": "approved",
    "treatment": "csi",
    "injectate_drug": "Triamcinolone",
    "dose_mg": 40,
    "volume_ml": 5,
    "guidance": "us",
}


def _book(plan, facility, day: date, **team):
    return booking.appointment_book(
        plan=plan, by=facility.nurse, starts_at=at(day, 9), team=facility.team(**team)
    )


def _ibuprofen(patient):
    return MedicationFactory(patient=patient, name="Ibuprofen", drug_class="nsaid")


def _apixaban(patient):
    return MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )


@pytest.mark.parametrize(("days_ahead", "refused"), [(7, True), (8, False)])
def test_a_bmac_day_is_refused_inside_the_7_day_nsaid_hold(
    approved_plan, facility, days_ahead: int, refused: bool
) -> None:
    # Today is Monday 2 March; ibuprofen is taken today, so 7 NSAID-free days end on day 8.
    _ibuprofen(approved_plan.patient)
    day = MONDAY + timedelta(days=days_ahead)
    if refused:
        with pytest.raises(booking.HoldTooShort) as refusal:
            _book(approved_plan, facility, day)
        assert "Ibuprofen needs 7 NSAID-free days" in refusal.value.message
        assert "the earliest date that allows it is Tuesday 10 March 2026" in refusal.value.message
        assert not Appointment.objects.exists()
    else:
        assert _book(approved_plan, facility, day).plan == approved_plan


def test_the_refusal_is_audited_as_a_safety_refusal(approved_plan, facility) -> None:
    _ibuprofen(approved_plan.patient)
    with pytest.raises(SafetyRefusal):
        _book(approved_plan, facility, MONDAY + timedelta(days=3))
    event = AuditEvent.objects.get(action="refused")
    assert event.entity_id == str(approved_plan.public_id)
    assert "Ibuprofen" in event.reason
    assert event.actor == facility.nurse


def test_apixaban_before_a_harvest_needs_3_days_and_a_signed_hold_plan_lets_it_through(
    approved_plan, facility, staff
) -> None:
    apixaban = _apixaban(approved_plan.patient)
    day = MONDAY + timedelta(days=3)  # last dose would have to be before today
    with pytest.raises(booking.HoldTooShort, match="Apixaban needs 3 drug-free days"):
        _book(approved_plan, facility, day)
    medication_hold_record(
        plan=approved_plan,
        by=staff["physician"],
        medication=apixaban,
        last_dose_on=MONDAY,
        restart_on=day + timedelta(days=1),
        prescriber="Dr A. Mensah, cardiology",
        password=PASSWORD,
        procedure_on=day,
    )
    assert _book(approved_plan, facility, day).status == Appointment.Status.BOOKED


def test_a_cortisone_injection_has_no_nsaid_hold(make_plan, facility) -> None:
    plan = make_plan(**CSI)
    _ibuprofen(plan.patient)
    appointment = _book(
        plan,
        facility,
        MONDAY + timedelta(days=1),
        room=facility.plain_room,
        centrifuge=None,
        lab_tech=None,
    )
    assert appointment.kind == Appointment.Kind.COMPARATOR


def test_a_disc_cortisone_injection_is_refused_inside_the_apixaban_hold(make_plan, facility):
    plan = make_plan(**CSI, target="disc", target_level="L4-L5", laterality="midline")
    _apixaban(plan.patient)
    with pytest.raises(booking.HoldTooShort, match="before a procedure at high bleeding risk"):
        _book(
            plan,
            facility,
            MONDAY + timedelta(days=2),
            room=facility.plain_room,
            centrifuge=None,
            lab_tech=None,
        )


def test_rescheduling_into_the_hold_is_refused_and_the_old_booking_stays(
    approved_plan, facility
) -> None:
    appointment = _book(approved_plan, facility, MONDAY + timedelta(days=14))
    _ibuprofen(approved_plan.patient)
    with pytest.raises(booking.HoldTooShort):
        booking.appointment_reschedule(
            appointment=appointment,
            by=facility.nurse,
            starts_at=at(MONDAY + timedelta(days=2), 9),
            reason="Patient asked for an earlier date",
        )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert AuditEvent.objects.filter(action="refused").count() == 1


def test_a_medicine_stopped_early_enough_does_not_block(approved_plan, facility) -> None:
    MedicationFactory(
        patient=approved_plan.patient,
        name="Ibuprofen",
        drug_class="nsaid",
        stopped_on=MONDAY - timedelta(days=10),
    )
    assert _book(approved_plan, facility, MONDAY + timedelta(days=1)).plan == approved_plan


def test_the_hold_problems_are_shown_before_booking(approved_plan) -> None:
    _ibuprofen(approved_plan.patient)
    assert booking.hold_problems(approved_plan, MONDAY + timedelta(days=20)) == []
    (problem,) = booking.hold_problems(approved_plan, MONDAY + timedelta(days=2))
    assert problem.startswith("Ibuprofen needs 7 NSAID-free days")
