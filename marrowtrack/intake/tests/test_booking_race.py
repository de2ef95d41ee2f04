"""Two front-desk clerks book the last slot at the same moment: exactly one wins.

Runs in CI's PostgreSQL pass (DATABASE_URL set): row locks (SELECT ... FOR UPDATE) on the
resources are what serialise the two bookings, and SQLite would serialise them anyway.
"""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection, connections

from marrowtrack.core.exceptions import DomainError
from marrowtrack.intake.models import Appointment
from marrowtrack.intake.services import booking


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_for_the_last_slot_exactly_one_wins(make_plan, facility, clinic):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    from marrowtrack.intake.clinictime import clinic_tz

    start = datetime.combine(
        datetime.now(clinic_tz(clinic)).date() + timedelta(days=7), time(9), clinic_tz(clinic)
    )
    while start.weekday() > 4:
        start += timedelta(days=1)
    plans = [make_plan(status="approved", laterality=side) for side in ("left", "right")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(plan) -> None:
        try:
            barrier.wait(timeout=10)
            booking.appointment_book(
                plan=plan, by=facility.nurse, starts_at=start, team=facility.team()
            )
            outcomes.append("booked")
        except DomainError as error:
            outcomes.append(f"refused: {error.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["booked", "refused"], outcomes
    assert Appointment.objects.filter(status="booked").count() == 1
