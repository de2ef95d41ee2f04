"""A demo a clinician believes (issue 9 item 10): treated at the referral's target, screened
before, nobody treated twice in a week, past days recorded as days (comparators too), and
the summary's counts add up."""

from __future__ import annotations

import pytest
from django.db import transaction

from marrowtrack.demo.intake import TARGETS
from marrowtrack.demo.loader import demo_load
from marrowtrack.intake.models import Appointment
from marrowtrack.procedures.models import EncounterKind, ProcedureEncounter

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo clinic, loaded once for this module inside a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        ctx = demo_load(patients=80, seed=5)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def encounters(demo):
    return list(
        ProcedureEncounter.objects.filter(clinic=demo.clinic).select_related("plan", "patient")
    )


def test_every_procedure_day_treats_a_target_of_the_referral(encounters) -> None:
    for e in encounters:
        allowed = {(t, s) for t, s, _ in TARGETS[e.patient.referral_condition or "other"]}
        assert (e.plan.target, e.plan.laterality) in allowed, e


def test_every_past_day_was_screened_before(demo, encounters) -> None:
    for e in encounters:
        if e.day < demo.today:
            assert e.plan.screenings.filter(screened_on__lt=e.day).exists(), e


def test_nobody_is_treated_twice_in_a_week(encounters) -> None:
    days: dict[int, list] = {}
    for e in encounters:
        days.setdefault(e.patient_id, []).append(e.day)
    for dates in days.values():
        dates.sort()
        assert all((b - a).days >= 7 for a, b in zip(dates, dates[1:], strict=False)), dates


def test_comparator_days_are_recorded_as_encounters(encounters) -> None:
    comparators = [e for e in encounters if e.kind == EncounterKind.COMPARATOR]
    assert comparators
    for e in comparators:
        assert e.comparator_injection.target == e.plan.target
        assert e.timeouts.get().signatures.count() == 2
        assert e.plan.appointments.get().status == Appointment.Status.COMPLETED


def test_a_done_booking_has_its_day_recorded(demo) -> None:
    done = Appointment.objects.filter(clinic=demo.clinic, status="completed")
    assert done.exists()
    for booking in done.select_related("plan"):
        assert booking.plan.encounters.exists(), booking


def test_the_summary_counts_the_days_it_wrote(demo, encounters) -> None:
    line = next(entry for entry in demo.log if entry.startswith("procedure days"))
    past = [e for e in encounters if e.day < demo.today]
    comparators = sum(1 for e in past if e.kind == EncounterKind.COMPARATOR)
    assert f"{len(past)} completed on earlier days" in line
    assert f"{comparators} comparator injections" in line
