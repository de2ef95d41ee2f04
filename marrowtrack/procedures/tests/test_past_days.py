"""The day does not end at midnight (issue 9 item 6): open encounters and products stay on the
board and in the lab queue until closed; past days are reachable from the board's date
picker, the patient record and the plan; a treated patient's booking shows Done."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from marrowtrack.intake.models import Appointment
from marrowtrack.procedures import selectors
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

EVENING = "2026-03-10 21:00:00+00:00"  # clinic time zone of the factory clinic: UTC


@pytest.fixture
def yesterdays(patient, staff):
    """A BMAC day checked in yesterday evening and left in processing overnight."""
    with time_machine.travel(EVENING, tick=False):
        plan = scenario.approved_plan(patient, by=staff["physician"])
        encounter = scenario.check_in(plan, staff["nurse"])
        scenario.walk_to(encounter, S.PROCESSING, staff, PASSWORD)
    return encounter


def test_an_open_day_from_yesterday_stays_on_todays_board_and_in_the_lab_queue(
    yesterdays, clinic, client_for, staff
) -> None:
    with time_machine.travel("2026-03-11 08:00:00+00:00", tick=False):
        rows = selectors.board_rows(clinic=clinic)
        assert [r.encounter for r in rows] == [yesterdays]
        assert yesterdays in selectors.lab_queue(clinic=clinic)["processing"]
        page = client_for(staff["nurse"]).get("/procedures/").content.decode()
        assert "Open since 2026-03-10" in page


def test_a_closed_day_leaves_todays_board_but_its_date_shows_it(
    patient, clinic, client_for, staff
) -> None:
    with time_machine.travel("2026-03-10 14:00:00+00:00", tick=False):
        plan = scenario.approved_comparator_plan(patient, by=staff["physician"])
        encounter = scenario.check_in(plan, staff["nurse"])
        scenario.comparator_walk_to(encounter, S.DISCHARGED, staff, PASSWORD)
    with time_machine.travel("2026-03-11 08:00:00+00:00", tick=False):
        assert selectors.board_rows(clinic=clinic) == []
        client = client_for(staff["nurse"])
        today = client.get("/procedures/").content.decode()
        assert encounter.patient.mrn not in today
        past = client.get("/procedures/?day=2026-03-10").content.decode()
        assert encounter.patient.mrn in past and "Discharged" in past
        assert "Check a patient in" not in past
        # A day that is not a date falls back to today rather than failing.
        assert client.get("/procedures/?day=yesterday").status_code == 200


def test_the_board_of_a_past_day_does_not_show_other_days_open_encounters(
    yesterdays, clinic
) -> None:
    with time_machine.travel("2026-03-12 08:00:00+00:00", tick=False):
        assert selectors.board_rows(clinic=clinic, day=yesterdays.day - timedelta(days=1)) == []


def test_past_days_are_reachable_from_the_patient_record_and_the_plan(
    yesterdays, client_for, staff
) -> None:
    url = yesterdays.get_absolute_url()
    with time_machine.travel("2026-03-20 08:00:00+00:00", tick=False):
        client = client_for(staff["nurse"])
        record = client.get(yesterdays.patient.get_absolute_url()).content.decode()
        plan_page = client.get(yesterdays.plan.get_absolute_url()).content.decode()
        assert url in record and url in plan_page
        assert client.get(url).status_code == 200


def test_another_patients_days_are_not_on_the_record(yesterdays, clinic, client_for, staff):
    other = PatientFactory(clinic=clinic)
    page = client_for(staff["nurse"]).get(other.get_absolute_url()).content.decode()
    assert yesterdays.get_absolute_url() not in page


def test_a_treated_patients_booking_shows_done_on_the_schedule(patient, client_for, staff) -> None:
    with time_machine.travel("2026-03-10 14:00:00+00:00", tick=False):
        plan = scenario.approved_comparator_plan(patient, by=staff["physician"])
        encounter = scenario.check_in(plan, staff["nurse"])
        scenario.comparator_walk_to(encounter, S.INJECTED, staff, PASSWORD)
        booking = plan.appointments.get()
        assert booking.status == Appointment.Status.COMPLETED
        page = client_for(staff["front_desk"]).get("/plans/schedule/?day=2026-03-10")
        assert "Done" in page.content.decode()
