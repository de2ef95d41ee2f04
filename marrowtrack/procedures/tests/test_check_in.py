"""Check-in re-checks eligibility on the day (issue 8 item 10), one open procedure day per
plan is a database rule (issue 11 item 5), a step that does not exist is invalid input
(issue 11 item 12), and the harvest's typed times are bounded (issue 11 items 2 and 11)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake import rules
from marrowtrack.intake.models import IntakeSettings, Screening
from marrowtrack.intake.services.screening import clinic_ruleset_publish
from marrowtrack.procedures import services
from marrowtrack.procedures.models import HarvestRecord, ProcedureEncounter
from marrowtrack.procedures.services import encounter as encounter_service
from marrowtrack.procedures.services import harvest as harvest_service
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import MedicationFactory, WeightFactory

pytestmark = pytest.mark.django_db


def _check_in(plan, staff, temperature: object = "36.8") -> ProcedureEncounter:
    return scenario.check_in(plan, staff["nurse"], temperature_c=temperature)


# --- A: the re-check on the day -----------------------------------------------------------


def test_check_in_re_screens_today_and_keeps_the_result_on_the_day(plan, staff) -> None:
    encounter = _check_in(plan, staff, "37.9")
    screening = encounter.day_screening
    assert screening.kind == Screening.Kind.DAY_OF and screening.screened_on == clock.today()
    assert screening.temperature_c == Decimal("37.9")
    step = encounter.steps.get()
    assert step.checklist["temperature_c"] == "37.9"
    assert step.checklist["day_screening"] == str(screening.public_id)


@pytest.mark.parametrize("temperature", [None, ""])
def test_check_in_needs_todays_temperature(plan, staff, temperature) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _check_in(plan, staff, temperature)
    assert "temperature_c" in refused.value.errors
    assert not ProcedureEncounter.objects.exists()


@pytest.mark.parametrize(("temperature", "checked_in"), [("37.9", True), ("38.0", False)])
def test_a_fever_of_38_stops_the_check_in_and_is_audited(
    plan, staff, temperature, checked_in
) -> None:
    if checked_in:
        assert _check_in(plan, staff, temperature).current == S.CHECKED_IN
        assert not AuditEvent.objects.filter(action="refused").exists()
        return
    with pytest.raises(SafetyRefusal, match=r"Temperature 38\.0 °C"):
        _check_in(plan, staff, temperature)
    assert not ProcedureEncounter.objects.exists()
    refusal = AuditEvent.objects.get(action="refused")
    assert "38.0" in refusal.reason and refusal.patient_id == str(plan.patient.public_id)
    # The day's screening is kept as the record of why the day did not start.
    assert Screening.objects.get(kind="day_of").outcome == "not_eligible"


def test_fever_stops_the_day_even_when_the_clinics_rules_leave_it_out(plan, staff, clinic) -> None:
    without_fever = rules.RuleSet(
        "2026.test-no-fever",
        tuple(r for r in rules.DEFAULT_RULESET.rules if r.code != "fever"),
    )
    clinic_ruleset_publish(
        clinic=clinic, by=staff["clinic_admin"], text=rules.ruleset_to_json(without_fever)
    )
    scenario.approve(plan, by=staff["physician"])  # decided on the clinic's own rules
    with pytest.raises(SafetyRefusal, match=r"temperature 38\.0 °C is a fever"):
        _check_in(plan, staff, "38.0")
    assert AuditEvent.objects.filter(action="refused").count() == 1
    assert _check_in(plan, staff, "37.9").current == S.CHECKED_IN


def test_a_new_medicine_since_the_approval_stops_the_check_in(plan, staff) -> None:
    MedicationFactory(patient=plan.patient, name="Methotrexate", drug_class="immunosuppressant")
    with pytest.raises(SafetyRefusal, match="New since the decision"):
        _check_in(plan, staff)
    assert AuditEvent.objects.filter(action="refused").exists()
    scenario.approve(plan, by=staff["physician"])  # the physician reviews it
    assert _check_in(plan, staff).day_screening.outcome in {"needs_review", "not_eligible"}


@pytest.mark.parametrize(("days_later", "refused"), [(30, False), (31, True)])
def test_a_screening_older_than_30_days_must_be_repeated_before_check_in(
    plan, staff, days_later, refused
) -> None:
    with time_machine.travel(clock.now() + timedelta(days=days_later)):
        WeightFactory(patient=plan.patient, measured_on=clock.today())
        if not refused:
            assert _check_in(plan, staff).current == S.CHECKED_IN
            return
        with pytest.raises(SafetyRefusal, match="31 days old; the clinic accepts up to 30"):
            _check_in(plan, staff)
    assert not ProcedureEncounter.objects.exists()
    assert "screen again" in AuditEvent.objects.get(action="refused").reason


def test_the_screening_age_limit_at_check_in_is_the_clinics_setting(plan, staff, clinic) -> None:
    IntakeSettings.objects.create(clinic=clinic, screening_max_age_days=7)
    with time_machine.travel(clock.now() + timedelta(days=8)):
        with pytest.raises(SafetyRefusal, match="8 days old; the clinic accepts up to 7"):
            _check_in(plan, staff)


def test_the_check_in_page_asks_for_the_temperature_and_shows_the_refusal(
    client_for, staff, plan
) -> None:
    client = client_for(staff["nurse"])
    form = {
        "plan": str(plan.public_id),
        "typed_name": plan.patient.full_name,
        "typed_dob": str(plan.patient.date_of_birth),
    }
    page = client.get("/procedures/check-in/").content.decode()
    assert "Temperature today (°C)" in page
    missing = client.post("/procedures/check-in/", form)
    assert missing.status_code == 200 and not ProcedureEncounter.objects.exists()
    fever = client.post("/procedures/check-in/", {**form, "temperature_c": "38.0"})
    text = fever.content.decode()
    assert fever.status_code == 409
    assert "is a fever" in text or "fever (from 38.0 °C)" in text
    assert "Re-check on the day" in text and "Hard stop" in text
    ok = client.post("/procedures/check-in/", {**form, "temperature_c": "37.9"})
    assert ok.status_code == 302
    detail = client.get(ok.url).content.decode()
    assert "Re-check on the day" in detail and "37.9 °C" in detail


def test_the_check_in_endpoint_needs_the_temperature_and_refuses_a_fever(staff, plan) -> None:
    nurse = Api(staff["nurse"])
    body = {
        "plan_id": str(plan.public_id),
        "typed_name": plan.patient.full_name,
        "typed_dob": str(plan.patient.date_of_birth),
    }
    assert nurse.post("/procedures/encounters", body).status_code == 422
    fever = nurse.post("/procedures/encounters", {**body, "temperature_c": "38.0"})
    assert fever.status_code == 409 and "38.0" in fever.json()["message"]
    ok = nurse.post("/procedures/encounters", {**body, "temperature_c": "37.9"})
    assert ok.status_code == 201


def test_an_outsider_cannot_check_in_another_clinics_patient(outsider, plan) -> None:
    body = {
        "plan_id": str(plan.public_id),
        "typed_name": plan.patient.full_name,
        "typed_dob": str(plan.patient.date_of_birth),
        "temperature_c": "36.8",
    }
    assert Api(outsider).post("/procedures/encounters", body).status_code == 404
    assert not Screening.objects.filter(kind="day_of").exists()


# --- B: one open procedure day per plan, held by the database ------------------------------


def test_the_database_refuses_a_second_open_day_for_one_plan(encounter) -> None:
    duplicate = {
        "clinic_id": encounter.clinic_id,
        "patient": encounter.patient,
        "plan": encounter.plan,
        "day": encounter.day,
        "state_entered_at": encounter.checked_in_at,
        "checked_in_at": encounter.checked_in_at,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureEncounter.objects.create(state=S.PRE_ASSESSED.value, **duplicate)
    # Closed days do not count: an aborted day may be followed by a new one.
    ProcedureEncounter.objects.create(state=S.ABORTED.value, **duplicate)
    assert ProcedureEncounter.objects.filter(plan=encounter.plan).count() == 2


def test_a_plan_can_be_checked_in_again_after_its_day_was_aborted(plan, staff) -> None:
    first = _check_in(plan, staff)
    with pytest.raises(DomainError, match="already checked in"):
        _check_in(plan, staff)
    services.encounter_transition(
        encounter=first, to=S.ABORTED, by=staff["nurse"], data={"reason": "Patient unwell"}
    )
    assert _check_in(plan, staff).current == S.CHECKED_IN


def test_a_check_in_that_loses_to_the_constraint_is_a_conflict_not_a_crash(
    plan, staff, monkeypatch
) -> None:
    # What a concurrent check-in sees when the other one commits between its check and
    # its insert: the database constraint answers, and the service turns it into a 409.
    _check_in(plan, staff)
    monkeypatch.setattr(encounter_service, "open_encounter_exists", lambda plan: False)
    with pytest.raises(DomainError, match="already checked in"):
        _check_in(plan, staff)
    assert ProcedureEncounter.objects.filter(plan=plan).count() == 1
    response_like = Api(staff["nurse"]).post(
        "/procedures/encounters",
        {
            "plan_id": str(plan.public_id),
            "typed_name": plan.patient.full_name,
            "typed_dob": str(plan.patient.date_of_birth),
            "temperature_c": "36.8",
        },
    )
    assert response_like.status_code == 409
    assert "already checked in" in response_like.json()["message"]


# --- C: a duplicate harvest is a conflict ------------------------------------------------


def _harvesting(encounter, walk, staff) -> None:
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])


def _harvest_body() -> dict[str, str]:
    return {k: str(v) for k, v in scenario.harvest_data().items()}


def test_a_second_harvest_for_the_day_is_409(encounter, walk, staff) -> None:
    _harvesting(encounter, walk, staff)
    doctor = Api(staff["physician"])
    path = f"/procedures/encounters/{encounter.public_id}/harvest"
    assert doctor.post(path, _harvest_body()).status_code == 201
    again = doctor.post(path, _harvest_body())
    assert again.status_code == 409 and "already recorded" in again.json()["message"]


def test_a_harvest_that_loses_to_the_database_is_409_not_500(
    encounter, walk, staff, monkeypatch
) -> None:
    # The race's loser passes the check before the winner commits; the one-to-one
    # harvest row then fails in the database: the answer is the domain's conflict.
    _harvesting(encounter, walk, staff)
    doctor = Api(staff["physician"])
    path = f"/procedures/encounters/{encounter.public_id}/harvest"
    assert doctor.post(path, _harvest_body()).status_code == 201
    monkeypatch.setattr(harvest_service, "_check_open_for_harvest", lambda encounter: None)
    again = doctor.post(path, _harvest_body())
    assert again.status_code == 409 and "already recorded" in again.json()["message"]
    assert HarvestRecord.objects.count() == 1


# --- harvest times are bounded by the server's clock ----------------------------------------


@pytest.mark.parametrize(
    ("field", "shift", "message"),
    [
        ("ended_at", timedelta(hours=48), "cannot end in the future"),
        ("started_at", -timedelta(minutes=31), "cannot start before the check-in"),
    ],
)
def test_harvest_times_are_bounded_by_the_check_in_and_now(
    encounter, walk, staff, field, shift, message
) -> None:
    _harvesting(encounter, walk, staff)
    data = scenario.harvest_data()
    if field == "ended_at":
        data["ended_at"] = clock.now() + shift
        data["started_at"] = data["ended_at"] - timedelta(minutes=20)
    else:
        data["started_at"] = encounter.checked_in_at + shift
    with pytest.raises(ValidationFailed, match=message):
        services.harvest_record(encounter=encounter, by=staff["physician"], data=data)
    assert not HarvestRecord.objects.exists()


def test_a_harvest_dated_in_2000_is_refused_through_the_api(encounter, walk, staff) -> None:
    _harvesting(encounter, walk, staff)
    body = {**_harvest_body(), "started_at": "2000-01-01T10:00", "ended_at": "2000-01-01T10:20"}
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{encounter.public_id}/harvest", body
    )
    assert response.status_code == 422
    assert "started_at" in response.json()["errors"]


# --- D: a step that does not exist is invalid input ------------------------------------------


@pytest.mark.parametrize("to", ["", "   ", "no-such-state", "x" * 500])
def test_a_transition_to_an_empty_or_unknown_step_is_422(encounter, staff, to) -> None:
    response = Api(staff["nurse"]).post(
        f"/procedures/encounters/{encounter.public_id}/transitions", {"to": to}
    )
    assert response.status_code == 422
    assert "to" in response.json()["errors"]
    assert len(json.dumps(response.json())) < 2000  # the unknown name is not echoed in full


def test_the_step_page_answers_an_unknown_step_as_invalid(client_for, staff, encounter) -> None:
    client = client_for(staff["nurse"])
    response = client.post(f"/procedures/{encounter.public_id}/step/no-such-state/", {})
    assert response.status_code == 422
    assert "is not a step of the procedure day" in response.content.decode()
    formless = client.post(f"/procedures/{encounter.public_id}/step/injected/", {})
    assert formless.status_code == 422
    encounter.refresh_from_db()
    assert encounter.current == S.CHECKED_IN
