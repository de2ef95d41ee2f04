"""Invariants over the patient's clinic-local day (ADR 0024), at booking and rescheduling:

- every medication hold of a needle procedure on day D is met, or a physician-signed hold
  plan exists for that patient and that day D (not another day, whichever plan);
- one needle procedure per patient and day, unless a physician confirms a second one with
  a written reason (kept on the appointment and audited).

Check-in holds the same invariants (``procedures/tests/test_patient_day_check_in.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.intake.models import Appointment
from marrowtrack.intake.services import booking
from marrowtrack.intake.services.holds import medication_hold_record
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.intake.tests.factories import CentrifugeFactory, RoomFactory
from marrowtrack.intake.tests.test_api import Api
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db
WEDNESDAY, THURSDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)


def _apixaban(patient):
    return MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )


def _hold(plan, physician, medication, day: date):
    return medication_hold_record(
        plan=plan,
        by=physician,
        medication=medication,
        last_dose_on=MONDAY,
        restart_on=day + timedelta(days=1),
        prescriber="Dr A. Mensah, cardiology",
        password=PASSWORD,
        procedure_on=day,
    )


def _book(plan, facility, day: date, hour: int = 9, by=None, reason: str = "", **team):
    return booking.appointment_book(
        plan=plan,
        by=by or facility.nurse,
        starts_at=at(day, hour),
        team=facility.team(**team),
        same_day_reason=reason,
    )


def _second_team(clinic) -> dict:
    return {"room": RoomFactory(clinic=clinic), "centrifuge": CentrifugeFactory(clinic=clinic)}


# --- 1. A hold plan is for one patient and one day ----------------------------------------


def test_a_hold_plan_signed_for_one_day_does_not_cover_a_reschedule_to_the_next(
    approved_plan, facility, staff
) -> None:
    _hold(approved_plan, staff["physician"], _apixaban(approved_plan.patient), WEDNESDAY)
    appointment = _book(approved_plan, facility, WEDNESDAY)
    with pytest.raises(booking.HoldTooShort, match="Apixaban needs 3 drug-free days"):
        booking.appointment_reschedule(
            appointment=appointment,
            by=facility.nurse,
            starts_at=at(THURSDAY, 9),
            reason="Room closed",
        )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert AuditEvent.objects.filter(action="refused", reason__contains="Apixaban").exists()


def test_a_new_hold_plan_for_the_new_day_lets_the_reschedule_through(
    approved_plan, facility, staff
) -> None:
    apixaban = _apixaban(approved_plan.patient)
    _hold(approved_plan, staff["physician"], apixaban, WEDNESDAY)
    appointment = _book(approved_plan, facility, WEDNESDAY)
    _hold(approved_plan, staff["physician"], apixaban, THURSDAY)
    moved = booking.appointment_reschedule(
        appointment=appointment, by=facility.nurse, starts_at=at(THURSDAY, 9), reason="Room"
    )
    assert moved.status == Appointment.Status.BOOKED


def test_the_days_hold_plan_covers_a_second_plan_of_the_patient_that_day_only(
    approved_plan, make_plan, facility, staff, clinic
) -> None:
    apixaban = _apixaban(approved_plan.patient)
    _hold(approved_plan, staff["physician"], apixaban, WEDNESDAY)
    _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    # Another day: the Wednesday hold plan does not count.
    with pytest.raises(booking.HoldTooShort, match="Apixaban"):
        _book(right, facility, THURSDAY, **_second_team(clinic))
    # The same day: it counts (and a physician confirms the second needle that day).
    second = _book(
        right,
        facility,
        WEDNESDAY,
        hour=12,
        by=staff["physician"],
        reason="Bilateral knees on one day, agreed with the patient",
        **_second_team(clinic),
    )
    assert second.status == Appointment.Status.BOOKED


def test_only_a_physician_signs_a_hold_plan(approved_plan, staff) -> None:
    with pytest.raises(PermissionDenied, match="physician"):
        _hold(approved_plan, staff["nurse"], _apixaban(approved_plan.patient), WEDNESDAY)


def test_a_hold_plan_needs_its_day(approved_plan, staff) -> None:
    from marrowtrack.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        medication_hold_record(
            plan=approved_plan,
            by=staff["physician"],
            medication=_apixaban(approved_plan.patient),
            last_dose_on=MONDAY,
            restart_on=None,
            prescriber="Dr A. Mensah",
            password=PASSWORD,
        )
    assert "procedure_on" in refused.value.errors


# --- 2. One needle procedure per patient and day --------------------------------------------


def test_a_second_needle_procedure_that_day_is_refused_naming_the_first(
    approved_plan, make_plan, facility, clinic
) -> None:
    _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    with pytest.raises(booking.SecondNeedleSameDay) as refused:
        _book(right, facility, WEDNESDAY, hour=12, **_second_team(clinic))
    assert "already has a needle procedure that day" in refused.value.message
    assert "at 08:00 on Wednesday 4 March 2026" in refused.value.message
    assert Appointment.objects.count() == 1
    assert AuditEvent.objects.filter(action="refused", reason__contains="08:00").exists()


def test_a_physicians_written_reason_books_it_and_is_audited(
    approved_plan, make_plan, facility, staff, clinic
) -> None:
    first = _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    reason = "Bilateral knees on one day, agreed with the patient"
    with pytest.raises(PermissionDenied):
        _book(right, facility, WEDNESDAY, hour=12, reason=reason, **_second_team(clinic))
    second = _book(
        right,
        facility,
        WEDNESDAY,
        hour=12,
        by=staff["physician"],
        reason=reason,
        **_second_team(clinic),
    )
    assert second.same_day_reason == reason
    assert second.same_day_confirmed_by == staff["physician"]
    event = AuditEvent.objects.get(entity_id=str(second.public_id), action="update")
    assert event.reason == reason and event.actor == staff["physician"]
    assert str(first.public_id) in str(event.changes)


def test_rescheduling_onto_a_day_with_another_needle_is_refused(
    approved_plan, make_plan, facility, clinic
) -> None:
    _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    later = _book(right, facility, THURSDAY, hour=8, **_second_team(clinic))
    with pytest.raises(booking.SecondNeedleSameDay, match="08:00 on Wednesday"):
        booking.appointment_reschedule(
            appointment=later, by=facility.nurse, starts_at=at(WEDNESDAY, 12), reason="Earlier"
        )
    later.refresh_from_db()
    assert later.status == Appointment.Status.BOOKED


def test_the_api_answers_409_naming_the_other_booking_and_201_with_a_reason(
    approved_plan, make_plan, facility, staff, clinic
) -> None:
    _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    team = _second_team(clinic)
    body = {
        "starts_at": at(WEDNESDAY, 12).isoformat(),
        "room": str(team["room"].public_id),
        "centrifuge": str(team["centrifuge"].public_id),
        "physician": str(facility.physician.public_id),
        "nurse": str(facility.nurse.public_id),
        "lab_tech": str(facility.lab_tech.public_id),
    }
    path = f"/plans/{right.public_id}/appointments"
    refused = Api(staff["nurse"]).post(path, body)
    assert refused.status_code == 409, refused.content
    assert "08:00 on Wednesday 4 March 2026" in refused.json()["message"]
    reason = "Bilateral knees on one day, agreed with the patient"
    booked = Api(staff["physician"]).post(path, {**body, "same_day_reason": reason})
    assert booked.status_code == 201, booked.content
    assert booked.json()["same_day_reason"] == reason


def test_the_booking_page_shows_the_refusal_with_the_other_booking(
    client_for, approved_plan, make_plan, facility, staff, clinic
) -> None:
    _book(approved_plan, facility, WEDNESDAY, hour=8)
    right = make_plan(status="approved", laterality="right")
    team = _second_team(clinic)
    url = reverse("intake:appointment-book", args=[right.public_id])
    data = {
        "day": str(WEDNESDAY),
        "time": "12:00",
        "room": team["room"].pk,
        "centrifuge": team["centrifuge"].pk,
        "physician": facility.physician.pk,
        "nurse": facility.nurse.pk,
        "lab_tech": facility.lab_tech.pk,
    }
    page = client_for(staff["nurse"]).post(url, data).content.decode()
    assert "already has a needle procedure that day" in page
    assert Appointment.objects.filter(plan=right).count() == 0
    reason = "Bilateral knees on one day, agreed with the patient"
    response = client_for(staff["physician"]).post(url, {**data, "same_day_reason": reason})
    assert response.status_code == 302
    assert Appointment.objects.get(plan=right).same_day_reason == reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_plans_of_one_patient_booked_at_once_on_one_day_book_one(
    approved_plan, make_plan, facility, clinic, monkeypatch
) -> None:
    """Two clerks book the patient's two knees on one day at the same moment, at different
    hours and rooms: the plans' row locks do not meet, the patient's row lock does. After
    its check each booking waits (up to 3 s) for the other to have checked too, which only
    happens when nothing serialises them (without the lock both would be booked)."""
    import threading

    from django.db import connection, connections

    from marrowtrack.core.exceptions import DomainError

    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    right = make_plan(status="approved", laterality="right")
    check = booking.same_day_needle_appointments
    both_checked = threading.Barrier(2)

    def check_then_meet(*args, **kwargs):  # noqa: ANN202
        found = check(*args, **kwargs)
        try:
            both_checked.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass  # the other is waiting for the patient's row: that is the point
        return found

    monkeypatch.setattr(booking, "same_day_needle_appointments", check_then_meet)
    bookings = [
        (approved_plan, 8, {}),
        (right, 12, _second_team(clinic)),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(plan, hour, team) -> None:
        try:
            barrier.wait(timeout=10)
            _book(plan, facility, WEDNESDAY, hour=hour, **team)
            outcomes.append("booked")
        except DomainError as error:
            outcomes.append(f"refused: {error.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=args) for args in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["booked", "refused"], outcomes
    assert "needle procedure that day" in next(o for o in outcomes if o.startswith("refused"))
    assert Appointment.objects.filter(status="booked").count() == 1
