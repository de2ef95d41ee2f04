"""Races on PostgreSQL: a check-in answered twice at once (portal and phone) is triaged
once with one task; a sign-in link clicked twice at once signs in once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections

from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.notifications.links import link_token
from marrowtrack.portal.models import PortalSession
from marrowtrack.portal.services import link_send, link_use
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.recovery.tests.factories import treated_course

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls: Callable[[], object]) -> list[str]:
    barrier, outcomes = threading.Barrier(len(calls)), []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(f"refused: {error.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(o.split(":")[0] for o in outcomes)


def test_a_check_in_answered_twice_at_once_is_triaged_once(patient, staff, clinic):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    clinic.phone = "555-010-1000"
    clinic.save()
    course = treated_course(patient, staff["physician"], on=clock.today(clinic) - timedelta(days=2))
    checkin = course.checkins.get(day=2)
    fever = {"treated_pain": "6", "harvest_pain": "2", "temperature": "38.5"}
    outcomes = _race(
        lambda: checkin_submit(checkin=checkin, data=fever),
        lambda: checkin_submit(checkin=checkin, data=fever, by=staff["nurse"]),
    )
    assert outcomes == ["done", "refused"]
    assert NurseTask.objects.filter(checkin=checkin).count() == 1


def test_a_link_clicked_twice_at_once_signs_in_once(patient):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    patient.email = "rosa@example.org"
    patient.save()
    token = link_token(link_send(patient=patient, by=None))
    assert _race(lambda: link_use(token=token), lambda: link_use(token=token)) == [
        "done",
        "refused",
    ]
    assert PortalSession.objects.count() == 1
