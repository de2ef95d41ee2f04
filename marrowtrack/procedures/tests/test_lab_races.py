"""Two requests at the same moment on PostgreSQL: a duplicate processing run, a duplicate
injection of one syringe, a duplicate release, and two runs for the last kit of a lot.
Exactly one succeeds; the other is answered 409, never 500 (issue 11, item 6).

Row locks (SELECT ... FOR UPDATE on the aspirate, the encounter and the syringe, the run,
the kit lot) serialise them; SQLite would serialise them anyway, so these run on
PostgreSQL only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from marrowtrack.facilities.models import KitLot
from marrowtrack.lab.models import ProcessingRun
from marrowtrack.lab.tests.test_api import _run_body
from marrowtrack.procedures.models import Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.procedures.tests.test_bedside_api import _inject
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[int]:
    """Run the calls at the same moment; return their HTTP status codes, sorted."""
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def attempt(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(call().status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def test_a_duplicate_processing_run_is_409(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    body = _run_body(encounter)
    clients = [Api(staff["lab_tech"]) for _ in range(2)]
    statuses = race(*(lambda c=c: c.post("/lab/processing-runs", body) for c in clients))
    assert statuses == [201, 409]
    assert ProcessingRun.objects.count() == 1
    assert KitLot.objects.get().quantity_used == 1


def test_a_duplicate_injection_of_one_syringe_is_409(encounter, walk, staff) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    syringe = scenario.syringe(encounter)
    body = _inject(syringe, syringe.laterality)
    path = f"/procedures/encounters/{encounter.public_id}/injections"
    clients = [Api(staff["physician"]) for _ in range(2)]
    assert race(*(lambda c=c: c.post(path, body) for c in clients)) == [201, 409]
    assert Injection.objects.count() == 1


def test_a_duplicate_release_is_409(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    run = scenario.services.processing_record(
        encounter=encounter, by=staff["lab_tech"], data=scenario.run_data(encounter.clinic)
    )
    body = {
        "password": PASSWORD,
        "verifier_username": staff["nurse"].username,
        "verifier_password": PASSWORD,
        "scans": scenario.label_scans(run).split(),
    }
    path = f"/lab/processing-runs/{run.public_id}/release"
    clients = [Api(staff["lab_tech"]) for _ in range(2)]
    assert race(*(lambda c=c: c.post(path, body) for c in clients)) == [200, 409]
    encounter.refresh_from_db()
    assert encounter.current == S.RELEASED


def test_two_runs_for_the_last_kit_of_a_lot_one_is_refused(clinic, staff, walk) -> None:
    encounters = [
        walk(
            scenario.check_in(
                scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]),
                staff["nurse"],
            ),
            S.PROCESSING,
        )
        for _ in range(2)
    ]
    lot = scenario.kit_lot_for(clinic)
    KitLot.objects.filter(pk=lot.pk).update(quantity_used=lot.quantity_received - 1)
    bodies = [_run_body(e) for e in encounters]
    clients = [Api(staff["lab_tech"]) for _ in bodies]
    calls = [
        (lambda c=c, b=b: c.post("/lab/processing-runs", b))
        for c, b in zip(clients, bodies, strict=True)
    ]
    assert race(*calls) == [201, 409]
    assert KitLot.objects.get(pk=lot.pk).remaining == 0
