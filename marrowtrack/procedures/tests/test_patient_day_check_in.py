"""Check-in holds the invariants over the patient's clinic-local day (ADR 0024): every
medication hold met or covered by a physician-signed hold plan for today, and no second
needle procedure today unless a physician confirmed both with a reason on the booking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import SafetyRefusal
from marrowtrack.intake.services.holds import medication_hold_record
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db


def _body(plan) -> dict[str, str]:
    return {
        "plan_id": str(plan.public_id),
        "typed_name": plan.patient.full_name,
        "typed_dob": str(plan.patient.date_of_birth),
        "temperature_c": "36.8",
    }


@pytest.fixture
def on_apixaban(patient, staff):
    apixaban = MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    return apixaban, scenario.approved_plan(patient, by=staff["physician"])


def _hold_for(plan, staff, medication, day):
    return medication_hold_record(
        plan=plan,
        by=staff["physician"],
        medication=medication,
        last_dose_on=clock.today(plan.patient.clinic) - timedelta(days=1),
        restart_on=None,
        prescriber="Dr A. Mensah, cardiology",
        password=PASSWORD,
        procedure_on=day,
    )


def test_check_in_inside_a_hold_without_todays_hold_plan_is_refused(on_apixaban, staff) -> None:
    apixaban, plan = on_apixaban
    tomorrow = clock.today(plan.patient.clinic) + timedelta(days=1)
    _hold_for(plan, staff, apixaban, tomorrow)  # signed for another day: it does not count
    with pytest.raises(SafetyRefusal, match="Inside a medication hold today: Apixaban"):
        scenario.check_in(plan, staff["nurse"])
    assert not ProcedureEncounter.objects.exists()
    assert AuditEvent.objects.filter(action="refused", reason__contains="Apixaban").exists()


def test_todays_signed_hold_plan_lets_the_check_in_through(on_apixaban, staff) -> None:
    apixaban, plan = on_apixaban
    _hold_for(plan, staff, apixaban, clock.today(plan.patient.clinic))
    assert scenario.check_in(plan, staff["nurse"]).plan == plan


def test_the_api_check_in_inside_a_hold_is_409(on_apixaban, staff) -> None:
    _, plan = on_apixaban
    response = Api(staff["nurse"]).post("/procedures/encounters", _body(plan))
    assert response.status_code == 409
    assert "Inside a medication hold today" in response.json()["message"]


@pytest.fixture
def two_needles(plan, patient, staff):
    """The BMAC day checked in, and a cortisone injection booked today for the same patient."""
    first = scenario.check_in(plan, staff["nurse"])
    second = scenario.approved_comparator_plan(patient, by=staff["physician"])
    return first, second


def test_a_second_needle_procedure_today_is_refused_naming_the_first(two_needles, staff) -> None:
    first, second = two_needles
    with pytest.raises(SafetyRefusal) as refused:
        scenario.check_in(second, staff["nurse"])
    message = refused.value.message
    assert "already has a needle procedure today" in message
    assert "checked in at" in message and first.plan.target_label in message
    assert ProcedureEncounter.objects.filter(plan=second).count() == 0


def test_a_physicians_reason_on_the_booking_lets_the_second_check_in_through(
    two_needles, staff
) -> None:
    _, second = two_needles
    booking = second.appointments.get()
    booking.same_day_reason = "Cortisone to the other knee today, agreed with the patient"
    booking.same_day_confirmed_by = staff["physician"]
    booking.save(update_fields=["same_day_reason", "same_day_confirmed_by"])
    assert scenario.check_in(second, staff["nurse"]).plan == second


def test_the_web_check_in_page_shows_the_refusal(two_needles, staff, client_for) -> None:
    from django.urls import reverse

    _, second = two_needles
    response = client_for(staff["nurse"]).post(
        reverse("procedures:check-in"),
        {
            "plan": str(second.public_id),
            "typed_name": second.patient.full_name,
            "typed_dob": str(second.patient.date_of_birth),
            "temperature_c": "36.8",
        },
    )
    assert response.status_code == 409
    assert "already has a needle procedure today" in response.content.decode()


def test_an_abort_before_the_first_needle_does_not_count(two_needles, staff) -> None:
    from marrowtrack.procedures import services
    from marrowtrack.procedures.states import ProcedureState as S

    first, second = two_needles
    services.encounter_transition(
        encounter=first, to=S.ABORTED, by=staff["nurse"], data={"reason": "Patient left"}
    )
    assert scenario.check_in(second, staff["nurse"]).plan == second
