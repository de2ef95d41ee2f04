"""Booking: conflicts, working hours, exceptions, unapproved plans, reschedule, cancel."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import Appointment, ResourceException
from marrowtrack.intake.services import booking
from marrowtrack.intake.services.calendar import resource_exception_add, working_hours_set
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.intake.tests.factories import CentrifugeFactory, RoomFactory
from marrowtrack.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _book(plan, facility, hour=9, **team):
    return booking.appointment_book(
        plan=plan, by=facility.nurse, starts_at=at(MONDAY, hour), team=facility.team(**team)
    )


def test_a_bmac_procedure_is_booked_for_180_minutes(approved_plan, facility):
    appointment = _book(approved_plan, facility)
    assert appointment.kind == Appointment.Kind.PROCEDURE
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=180)


def test_a_comparator_gets_the_shorter_appointment_without_lab_or_centrifuge(make_plan, facility):
    plan = make_plan(
        status="approved",
        treatment="csi",
        injectate_drug="Triamcinolone",
        dose_mg=40,
        volume_ml=5,
        guidance="us",
    )
    appointment = _book(plan, facility, room=facility.plain_room, centrifuge=None, lab_tech=None)
    assert appointment.kind == Appointment.Kind.COMPARATOR
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    assert appointment.centrifuge is None


def test_an_unapproved_plan_cannot_be_booked(make_plan, facility):
    with pytest.raises(booking.BookingRefused, match="approve eligibility"):
        _book(make_plan(), facility)


def test_a_taken_room_is_refused_with_the_reason(approved_plan, make_plan, facility, clinic):
    _book(approved_plan, facility)
    other = make_plan(status="approved", laterality="right", patient=PatientFactory(clinic=clinic))
    second_team = {"centrifuge": CentrifugeFactory(clinic=clinic)}
    with pytest.raises(booking.BookingRefused, match="Fluoro room is unavailable: already booked"):
        _book(other, facility, hour=11, **second_team)


def test_a_taken_physician_is_refused_even_in_another_room(
    approved_plan, make_plan, facility, clinic
):
    _book(approved_plan, facility)
    other = make_plan(status="approved", laterality="right", patient=PatientFactory(clinic=clinic))
    team = {"room": RoomFactory(clinic=clinic), "centrifuge": CentrifugeFactory(clinic=clinic)}
    with pytest.raises(booking.BookingRefused, match=facility.physician.printed_name):
        _book(other, facility, hour=10, **team)


def test_back_to_back_bookings_do_not_conflict(approved_plan, make_plan, facility, clinic):
    _book(approved_plan, facility, hour=8)
    other = make_plan(status="approved", laterality="right", patient=PatientFactory(clinic=clinic))
    assert _book(other, facility, hour=11).starts_at == at(MONDAY, 11)


def test_a_booking_outside_working_hours_is_refused(approved_plan, facility):
    with pytest.raises(booking.BookingRefused, match="not working"):
        _book(approved_plan, facility, hour=15)  # would end at 18:00


def test_a_resource_with_its_own_hours_uses_them(approved_plan, facility, clinic):
    working_hours_set(
        clinic=clinic,
        by=facility.physician,
        resource=facility.lab_tech,
        weekday=0,
        hours=[(time(12, 0), time(17, 0))],
    )
    with pytest.raises(booking.BookingRefused, match=facility.lab_tech.printed_name):
        _book(approved_plan, facility, hour=9)


def test_a_booking_during_maintenance_is_refused(approved_plan, facility, clinic):
    resource_exception_add(
        clinic=clinic,
        by=facility.physician,
        resource=facility.centrifuge,
        kind=ResourceException.Kind.MAINTENANCE,
        starts_at=at(MONDAY, 10),
        ends_at=at(MONDAY, 11),
        reason="rotor service",
    )
    with pytest.raises(booking.BookingRefused, match="rotor service"):
        _book(approved_plan, facility)


def test_a_clinic_holiday_closes_every_resource(approved_plan, facility, clinic):
    resource_exception_add(
        clinic=clinic,
        by=facility.physician,
        resource=None,
        kind="holiday",
        starts_at=at(MONDAY, 0),
        ends_at=at(MONDAY + timedelta(1), 0),
        reason="public holiday",
    )
    with pytest.raises(booking.BookingRefused, match="The clinic is unavailable"):
        _book(approved_plan, facility)


def test_a_harvest_needs_a_fluoroscopy_room_and_a_lab_technologist(approved_plan, facility):
    with pytest.raises(ValidationFailed) as error:
        _book(approved_plan, facility, room=facility.plain_room, lab_tech=None)
    assert {"room", "lab_tech"} <= set(error.value.errors)


def test_staff_must_hold_the_role_they_are_booked_for(approved_plan, facility):
    with pytest.raises(ValidationFailed) as error:
        _book(approved_plan, facility, physician=facility.nurse)
    assert "physician" in error.value.errors


def test_a_booking_in_the_past_is_refused(approved_plan, facility):
    with pytest.raises(ValidationFailed):
        booking.appointment_book(
            plan=approved_plan, by=facility.nurse, starts_at=at(MONDAY, 6), team=facility.team()
        )


def test_reschedule_moves_the_booking_and_keeps_the_old_one_with_its_reason(
    approved_plan, facility
):
    old = _book(approved_plan, facility, hour=9)
    new = booking.appointment_reschedule(
        appointment=old, by=facility.nurse, starts_at=at(MONDAY, 10), reason="Patient asked"
    )
    old.refresh_from_db()
    assert old.status == Appointment.Status.RESCHEDULED
    assert old.rescheduled_to == new
    assert old.status_reason == "Patient asked"
    assert new.starts_at == at(MONDAY, 10)


def test_cancel_needs_a_reason_and_frees_the_slot(approved_plan, make_plan, facility):
    appointment = _book(approved_plan, facility)
    with pytest.raises(ValidationFailed):
        booking.appointment_cancel(appointment=appointment, by=facility.nurse, reason=" ")
    booking.appointment_cancel(appointment=appointment, by=facility.nurse, reason="Unwell")
    with pytest.raises(DomainError):
        booking.appointment_cancel(appointment=appointment, by=facility.nurse, reason="again")
    assert _book(make_plan(status="approved", laterality="right"), facility).pk
