"""The lab's part of the day, driven by procedures: processing is recorded at its step,
and the release and the RELEASED step commit together, or not at all with the refusal kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal
from marrowtrack.lab import services as lab
from marrowtrack.procedures import services
from marrowtrack.procedures.services import encounter as encounter_module
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD


def _recorded_run(encounter, walk, staff):
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic)
    return services.processing_record(encounter=encounter, by=staff["lab_tech"], data=data)


def _release(run, staff):
    return scenario.release(run, staff, PASSWORD)


@pytest.mark.django_db
def test_processing_is_recorded_only_at_the_processing_step(encounter, walk, staff) -> None:
    walk(encounter, S.IN_TRANSIT)
    data = scenario.run_data(encounter.clinic)
    with pytest.raises(DomainError, match="at the Processing step, not In transit"):
        services.processing_record(encounter=encounter, by=staff["lab_tech"], data=data)
    with pytest.raises(PermissionDenied):
        services.processing_record(encounter=encounter, by=staff["nurse"], data=data)


@pytest.mark.django_db
def test_the_release_moves_the_day_to_released(encounter, walk, staff) -> None:
    run = _release(_recorded_run(encounter, walk, staff), staff)
    encounter.refresh_from_db()
    assert (run.status, encounter.current) == ("released", S.RELEASED)


@pytest.mark.django_db
def test_the_labs_release_alone_leaves_moving_the_day_to_procedures(encounter, walk, staff) -> None:
    run = _recorded_run(encounter, walk, staff)
    lab.run_release(
        run=run,
        by=staff["lab_tech"],
        password=PASSWORD,
        verifier=staff["nurse"],
        verifier_password=PASSWORD,
        scans=scenario.label_scans(run),
    )
    encounter.refresh_from_db()
    assert (run.status, encounter.current) == ("released", S.PROCESSING)


@pytest.mark.django_db(transaction=True)
def test_a_product_past_its_hold_limit_is_refused_and_the_refusal_survives_the_rollback(
    encounter, walk, staff
) -> None:
    run = _recorded_run(encounter, walk, staff)
    run.syringes.update(expires_at=clock.now() - timedelta(minutes=1))
    with pytest.raises(SafetyRefusal, match="past its hold limit"):
        _release(run, staff)
    run.refresh_from_db()
    encounter.refresh_from_db()
    assert (run.status, encounter.current) == ("recorded", S.PROCESSING)
    refusal = AuditEvent.objects.get(action="refused")
    assert refusal.entity == "lab.processingrun" and "hold limit" in refusal.reason


@pytest.mark.django_db(transaction=True)
def test_a_hard_stop_in_a_step_taken_inside_a_larger_write_is_recorded_once_and_kept(
    encounter, walk, staff, monkeypatch
) -> None:
    # The injection takes the INJECTED step inside its own transaction; a refusal raised
    # by that step's gate must be recorded after the rollback, not inside the transaction.
    def refuse(*args):
        raise SafetyRefusal("STOP: test gate")

    monkeypatch.setitem(encounter_module.GATES, S.INJECTED, refuse)
    walk(encounter, S.BEDSIDE_VERIFIED)
    with pytest.raises(SafetyRefusal, match="test gate"):
        scenario.STEPS[S.INJECTED](encounter, staff, PASSWORD)
    encounter.refresh_from_db()
    assert encounter.current == S.BEDSIDE_VERIFIED and not encounter.injections.exists()
    refusals = AuditEvent.objects.filter(action="refused")
    assert [r.reason for r in refusals] == ["STOP: test gate"]
