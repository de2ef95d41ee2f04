"""Check-ins and harvests at the same moment on PostgreSQL (issue 11 items 5 and 6):
exactly one procedure day opens for a plan and exactly one harvest is recorded; every other
request is answered 409 with what happened, never 500. The plan's row lock queues the
check-ins and the database constraint ``one_open_encounter_per_plan`` holds the rule even
where a lock does not; the encounter's row lock and the one-to-one harvest do the same for
the harvest."""

from __future__ import annotations

import pytest

from marrowtrack.procedures.models import HarvestRecord, ProcedureEncounter
from marrowtrack.procedures.services import encounter as encounter_service
from marrowtrack.procedures.states import ProcedureState as S
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


def _check_in_race(plan, staff) -> list[tuple[int, str]]:
    clients = [Api(staff["nurse"]) for _ in range(3)]
    answers: list[tuple[int, str]] = []

    def call(client: Api):  # noqa: ANN202
        response = client.post("/procedures/encounters", _body(plan))
        answers.append((response.status_code, response.json().get("message", "")))
        return response

    race(*(lambda c=c: call(c) for c in clients))
    return sorted(answers)


def test_three_check_ins_at_once_open_one_procedure_day(plan, staff) -> None:
    answers = _check_in_race(plan, staff)
    assert [status for status, _ in answers] == [201, 409, 409]
    assert all("already checked in" in message for status, message in answers if status == 409)
    assert ProcedureEncounter.objects.filter(plan=plan).count() == 1


def test_the_constraint_alone_holds_when_the_check_is_raced_past(plan, staff, monkeypatch) -> None:
    # Without the service's own check, the database is what stops the second open day.
    monkeypatch.setattr(encounter_service, "open_encounter_exists", lambda plan: False)
    answers = _check_in_race(plan, staff)
    assert [status for status, _ in answers] == [201, 409, 409]
    assert ProcedureEncounter.objects.filter(plan=plan).count() == 1


def test_two_harvests_at_once_record_one(encounter, walk, staff) -> None:
    walk(encounter, S.LOCAL_ANESTHESIA)
    encounter_service.encounter_transition(
        encounter=encounter, to=S.HARVESTING, by=staff["physician"]
    )
    body = {k: str(v) for k, v in scenario.harvest_data().items()}
    path = f"/procedures/encounters/{encounter.public_id}/harvest"
    clients = [Api(staff["physician"]) for _ in range(2)]
    assert race(*(lambda c=c: c.post(path, body) for c in clients)) == [201, 409]
    assert HarvestRecord.objects.count() == 1
    assert encounter.containers.filter(kind="aspirate").count() == 1
