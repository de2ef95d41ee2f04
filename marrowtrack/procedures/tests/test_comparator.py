"""A comparator is a procedure too (issue 9 item 5, ADR 0019): cortisone, HA, PRP and nerve
blocks are procedure days with check-in, time-out, a checked injection, recovery and
discharge; never recorded before their booking; after-care and follow-ups as for BMAC."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.models import Appointment, TreatmentPlan
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.procedures.models import ComparatorInjection, EncounterKind
from marrowtrack.procedures.services import encounter_transition
from marrowtrack.procedures.services.comparator import comparator_injection_record
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

NOON = "2026-03-10 12:00:00+00:00"


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def csi_plan(patient, staff):
    return scenario.approved_comparator_plan(patient, by=staff["physician"])


@pytest.fixture
def day(csi_plan, staff):
    return scenario.check_in(csi_plan, staff["nurse"])


def _to_timeout(encounter, staff):
    return scenario.comparator_walk_to(encounter, S.TIMEOUT_1, staff, PASSWORD)


def test_a_cortisone_plan_checks_in_as_a_comparator_day_with_its_own_slot(day) -> None:
    assert day.kind == EncounterKind.COMPARATOR and day.state == S.CHECKED_IN
    assert day.planned_minutes == 30


def test_a_cortisone_day_walks_check_in_time_out_injection_recovery_discharge(day, staff) -> None:
    scenario.comparator_walk_to(day, S.DISCHARGED, staff, PASSWORD)
    steps = list(day.steps.values_list("to_state", flat=True))
    assert steps == [
        "checked_in",
        "pre_assessed",
        "timeout_1",
        "injected",
        "recovery",
        "discharged",
    ]
    assert day.timeouts.get().signatures.count() == 2
    record = day.comparator_injection
    assert (record.drug, record.dose_mg, record.lot) == ("triamcinolone", Decimal("40"), "LOT-4471")
    assert record.performed_by == staff["physician"]


def test_the_injection_marks_the_plan_treated_and_starts_after_care_and_follow_ups(
    day, staff, csi_plan
) -> None:
    _to_timeout(day, staff)
    comparator_injection_record(
        encounter=day, by=staff["physician"], data=scenario.comparator_injection_data(day)
    )
    csi_plan.refresh_from_db()
    assert csi_plan.status == TreatmentPlan.Status.TREATED
    assert csi_plan.treated_on == clock.today()
    assert csi_plan.recovery_course.treated_on == clock.today()
    assert csi_plan.followups.exists()
    booking = csi_plan.appointments.get()
    assert booking.status == Appointment.Status.COMPLETED


def test_a_comparator_day_has_no_harvest_or_lab_steps(day, staff) -> None:
    _to_timeout(day, staff)
    with pytest.raises(DomainError, match="no harvest, lab or bedside steps"):
        encounter_transition(encounter=day, to=S.LOCAL_ANESTHESIA, by=staff["physician"], data={})


def test_the_injected_step_needs_the_injection_record(day, staff) -> None:
    _to_timeout(day, staff)
    with pytest.raises(ValidationFailed, match="injection"):
        encounter_transition(encounter=day, to=S.INJECTED, by=staff["physician"], data={})


def test_the_injection_is_not_recorded_before_the_time_out(day, staff) -> None:
    with pytest.raises(DomainError, match="after the time-out"):
        comparator_injection_record(
            encounter=day, by=staff["physician"], data=scenario.comparator_injection_data(day)
        )
    assert not ComparatorInjection.objects.exists()


def test_a_nurse_cannot_record_the_injection(day, staff) -> None:
    _to_timeout(day, staff)
    with pytest.raises(PermissionDenied):
        comparator_injection_record(
            encounter=day, by=staff["nurse"], data=scenario.comparator_injection_data(day)
        )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"laterality": "left"}, "not the plan's"),
        ({"target": "hip"}, "not the plan's"),
        ({"lot_expires_on": "yesterday"}, "expired"),
    ],
)
def test_a_wrong_site_or_an_expired_lot_is_a_hard_stop_audited_and_nothing_stored(
    day, staff, csi_plan, override, message
) -> None:
    _to_timeout(day, staff)
    if override.get("lot_expires_on") == "yesterday":
        override = {"lot_expires_on": clock.today() - timedelta(days=1)}
    with pytest.raises(SafetyRefusal, match=message):
        comparator_injection_record(
            encounter=day,
            by=staff["physician"],
            data=scenario.comparator_injection_data(day, **override),
        )
    day.refresh_from_db()
    csi_plan.refresh_from_db()
    assert day.state == S.TIMEOUT_1 and csi_plan.status == TreatmentPlan.Status.APPROVED
    assert not ComparatorInjection.objects.exists()
    assert AuditEvent.objects.filter(action="refused", reason__contains=message).exists()


def test_a_drug_of_another_treatment_and_missing_fields_are_named(day, staff) -> None:
    _to_timeout(day, staff)
    data = scenario.comparator_injection_data(day, drug="hylan", lot="", guidance="")
    with pytest.raises(ValidationFailed) as caught:
        comparator_injection_record(encounter=day, by=staff["physician"], data=data)
    assert set(caught.value.errors) == {"drug", "lot", "guidance"}


def test_a_dose_other_than_the_plan_needs_a_reason(day, staff) -> None:
    _to_timeout(day, staff)
    data = scenario.comparator_injection_data(day, dose_mg=Decimal("20"))
    with pytest.raises(ValidationFailed, match="reason"):
        comparator_injection_record(encounter=day, by=staff["physician"], data=data)
    data["dose_reason"] = "Small joint effusion; lower dose agreed with patient"
    record = comparator_injection_record(encounter=day, by=staff["physician"], data=data)
    assert record.dose_mg == Decimal("20")


def test_a_nerve_block_above_the_bupivacaine_label_limit_is_refused(patient, staff) -> None:
    plan = scenario.approved_comparator_plan(
        patient, by=staff["physician"], treatment="nerve_block", target="knee"
    )
    encounter = scenario.check_in(plan, staff["nurse"])
    _to_timeout(encounter, staff)
    data = scenario.comparator_injection_data(encounter, dose_mg=Decimal("200"), dose_reason="test")
    with pytest.raises(SafetyRefusal, match="175"):
        comparator_injection_record(encounter=encounter, by=staff["physician"], data=data)


def test_the_local_anaesthetic_mixed_in_is_dose_checked_and_recorded(day, staff) -> None:
    _to_timeout(day, staff)
    data = scenario.comparator_injection_data(
        day, anaesthetic_percent=Decimal("1"), anaesthetic_ml=Decimal("4")
    )
    comparator_injection_record(encounter=day, by=staff["physician"], data=data)
    entry = day.anaesthetics.get()
    assert entry.mixed_into_injectate and entry.mg == Decimal("40")


def test_the_local_anaesthetic_over_the_weight_limit_stops_the_injection(day, staff) -> None:
    _to_timeout(day, staff)
    data = scenario.comparator_injection_data(
        day, anaesthetic_percent=Decimal("2"), anaesthetic_ml=Decimal("20")
    )
    with pytest.raises(SafetyRefusal):
        comparator_injection_record(encounter=day, by=staff["physician"], data=data)
    assert not ComparatorInjection.objects.exists() and not day.anaesthetics.exists()


def test_a_treatment_booked_for_a_later_day_cannot_be_checked_in(patient, staff) -> None:
    plan = scenario.approved_comparator_plan(
        patient, by=staff["physician"], booked_at=clock.now() + timedelta(days=3)
    )
    with pytest.raises(DomainError, match="cannot be recorded before its booking"):
        scenario.check_in(plan, staff["nurse"])
    assert not plan.encounters.exists()


def test_a_treatment_without_a_booking_cannot_be_checked_in(csi_plan, staff) -> None:
    csi_plan.appointments.all().delete()
    with pytest.raises(DomainError, match="book it first"):
        scenario.check_in(csi_plan, staff["nurse"])


def test_an_injected_comparator_is_not_marked_treated_from_the_plan_page(csi_plan, staff) -> None:
    with pytest.raises(DomainError, match="procedure day"):
        plan_mark_treated(plan=csi_plan, by=staff["physician"], on=clock.today())


def test_an_injection_time_before_check_in_is_refused(day, staff) -> None:
    _to_timeout(day, staff)
    data = scenario.comparator_injection_data(day, given_at=day.checked_in_at - timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="before the check-in"):
        comparator_injection_record(encounter=day, by=staff["physician"], data=data)


# Pages and API


def _injection_form(encounter: Any, **overrides: Any) -> dict[str, Any]:
    data = scenario.comparator_injection_data(encounter)
    form = {k: ("" if v is None else str(v)) for k, v in data.items()}
    return {**form, **overrides}


def test_the_encounter_page_offers_the_injection_form_after_the_time_out(
    client_for, staff, day
) -> None:
    _to_timeout(day, staff)
    client = client_for(staff["physician"])
    page = client.get(f"/procedures/{day.public_id}/").content.decode()
    assert "Record the injection" in page and "Triamcinolone acetonide" in page
    response = client.post(
        f"/procedures/{day.public_id}/comparator-injection/", _injection_form(day)
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.state == S.INJECTED
    page = client.get(f"/procedures/{day.public_id}/").content.decode()
    assert "LOT-4471" in page


def test_the_injection_page_refuses_a_wrong_side_loudly(client_for, staff, day) -> None:
    _to_timeout(day, staff)
    client = client_for(staff["physician"])
    response = client.post(
        f"/procedures/{day.public_id}/comparator-injection/",
        _injection_form(day, laterality="left"),
    )
    assert response.status_code == 409 and "STOP" in response.content.decode()


def test_an_outsider_cannot_record_a_comparator_injection(client_for, outsider, staff, day):
    _to_timeout(day, staff)
    response = client_for(outsider).post(
        f"/procedures/{day.public_id}/comparator-injection/", _injection_form(day)
    )
    assert response.status_code == 404


def test_the_check_in_page_lists_comparator_plans(client_for, staff, csi_plan) -> None:
    page = client_for(staff["front_desk"]).get("/procedures/check-in/").content.decode()
    assert str(csi_plan.public_id) in page


class Api:
    def __init__(self, user: Any) -> None:
        _, secret = api_token_issue(user=user)
        self.client, self.headers = Client(), {"Authorization": f"Bearer {secret}"}

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", headers=self.headers
        )


def _api_body(encounter: Any, **overrides: Any) -> dict[str, Any]:
    data = scenario.comparator_injection_data(encounter, **overrides)
    return {k: (v if v is None else str(v)) for k, v in data.items()}


def test_the_api_records_a_comparator_injection(staff, day) -> None:
    _to_timeout(day, staff)
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{day.public_id}/comparator-injection", _api_body(day)
    )
    assert response.status_code == 201, response.content
    assert response.json()["drug"] == "triamcinolone"
    day.refresh_from_db()
    assert day.state == S.INJECTED


def test_the_api_refuses_a_wrong_side_with_the_error_shape(staff, day) -> None:
    _to_timeout(day, staff)
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{day.public_id}/comparator-injection",
        _api_body(day, laterality="left"),
    )
    assert response.status_code in (409, 422)
    assert "not the plan's" in response.content.decode()


def test_the_api_hides_a_comparator_day_from_an_outsider(staff, outsider, day) -> None:
    _to_timeout(day, staff)
    response = Api(outsider).post(
        f"/procedures/encounters/{day.public_id}/comparator-injection", _api_body(day)
    )
    assert response.status_code == 404
