"""Two needle procedures of one patient started at the same moment on PostgreSQL (ADR 0024):
check-ins of two plans lock different plan rows, so only the patient's row lock makes the
second wait and see the first. The check before the transaction is taken out here, so the
check under the lock is what holds the invariant; after its check each check-in waits (up
to 3 s) for the other to have checked too, which only happens when nothing serialises them:
without the lock both would pass, with it the second checks after the first committed."""

from __future__ import annotations

import threading

import pytest

from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.services import encounter as encounter_service
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.procedures.tests.test_lab_races import race
from marrowtrack.testing import scenario

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _body(plan) -> dict[str, str]:
    return {
        "plan_id": str(plan.public_id),
        "typed_name": plan.patient.full_name,
        "typed_dob": str(plan.patient.date_of_birth),
        "temperature_c": "36.8",
    }


def test_two_check_ins_of_two_plans_of_one_patient_at_once_open_one_day(
    patient, staff, monkeypatch
) -> None:
    knee = scenario.approved_plan(patient, by=staff["physician"])
    cortisone = scenario.approved_comparator_plan(patient, by=staff["physician"])
    monkeypatch.setattr(encounter_service, "patient_day_blockers", lambda plan: [])
    check = encounter_service._other_needle_days
    both_checked = threading.Barrier(2)

    def check_then_meet(plan, day):  # noqa: ANN202
        found = check(plan, day)
        try:
            both_checked.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass  # the other is waiting for the patient's row: that is the point
        return found

    monkeypatch.setattr(encounter_service, "_other_needle_days", check_then_meet)
    clients = [(plan, Api(staff["nurse"])) for plan in (knee, cortisone)]
    statuses = race(
        *(lambda p=p, c=c: c.post("/procedures/encounters", _body(p)) for p, c in clients)
    )
    assert statuses == [201, 409]
    assert ProcedureEncounter.objects.filter(patient=patient).count() == 1
