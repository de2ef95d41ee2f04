"""The re-check on the procedure day (issue 8 item 10): the screening re-runs on today's
record with today's temperature, a screening older than the clinic allows is refused,
fever stops the day, anything the physician has not seen stops it, refusals are audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.intake import gates
from marrowtrack.intake.models import IntakeSettings, Screening
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services import screening as svc
from marrowtrack.intake.tests.conftest import MONDAY, NY, at
from marrowtrack.intake.tests.factories import LabValueFactory
from marrowtrack.testing.factories import PASSWORD, MedicationFactory, WeightFactory

pytestmark = pytest.mark.django_db


def _ready(plan, staff) -> None:
    """Screened, approved and consented today, as intake leaves a plan for its day."""
    svc.screening_run(plan=plan, by=staff["nurse"])
    svc.eligibility_decide(plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD)
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    plan.refresh_from_db()


@pytest.fixture
def ready(make_plan, staff):
    plan = make_plan()
    _ready(plan, staff)
    return plan


def _check(plan, staff, temperature: object = "36.8") -> Screening:
    return svc.screening_day_check_audited(plan=plan, by=staff["nurse"], temperature_c=temperature)


def test_a_clean_day_check_is_kept_as_a_day_of_screening(ready, staff) -> None:
    screening = _check(ready, staff)
    assert screening.kind == Screening.Kind.DAY_OF
    assert screening.temperature_c == Decimal("36.8")
    assert screening.facts["patient"]["temperature_c"] == "36.8"
    assert AuditEvent.objects.filter(entity="intake.screening", action="create").count() == 2


@pytest.mark.parametrize("temperature", [None, ""])
def test_the_temperature_is_required(ready, staff, temperature: object) -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(ready, staff, temperature)
    assert "temperature_c" in error.value.errors
    assert not Screening.objects.filter(kind="day_of").exists()


@pytest.mark.parametrize("temperature", ["100.4", "29.9", "45.1", "warm"])
def test_a_temperature_that_is_not_celsius_is_refused_with_a_hint(ready, staff, temperature):
    with pytest.raises(ValidationFailed, match="temperature_c"):
        _check(ready, staff, temperature)


@pytest.mark.parametrize(("temperature", "refused"), [("37.9", False), ("38.0", True)])
def test_fever_of_38_or_more_stops_the_procedure(ready, staff, temperature, refused) -> None:
    if refused:
        with pytest.raises(svc.DayCheckRefused, match="Temperature 38.0 °C"):
            _check(ready, staff, temperature)
        refusal = AuditEvent.objects.get(action="refused")
        assert "fever" in refusal.reason.lower() or "38.0" in refusal.reason
        # The day's screening is kept as evidence even though the day is refused.
        assert Screening.objects.get(kind="day_of").outcome == "not_eligible"
    else:
        assert _check(ready, staff, temperature).outcome == "eligible"


@pytest.mark.parametrize(("days_later", "refused"), [(30, False), (31, True)])
def test_a_screening_older_than_30_days_must_be_repeated(ready, staff, days_later, refused):
    with time_machine.travel(at(MONDAY + timedelta(days=days_later), 8), tick=False):
        WeightFactory(patient=ready.patient, measured_on=MONDAY + timedelta(days=days_later))
        if refused:
            with pytest.raises(svc.DayCheckRefused, match=r"31 days old; the clinic accepts up"):
                _check(ready, staff)
        else:
            _check(ready, staff)


def test_the_screening_age_limit_is_the_clinics_setting(ready, staff, clinic) -> None:
    IntakeSettings.objects.create(clinic=clinic, screening_max_age_days=7)
    with time_machine.travel(at(MONDAY + timedelta(days=8), 8), tick=False):
        blockers = gates.procedure_blockers(ready)
    assert any("8 days old; the clinic accepts up to 7" in b for b in blockers)


def test_a_new_medicine_since_the_decision_stops_the_day_until_a_physician_reviews(
    ready, staff
) -> None:
    MedicationFactory(patient=ready.patient, name="Methotrexate", drug_class="immunosuppressant")
    with pytest.raises(svc.DayCheckRefused, match="New since the decision of 2026-03-02"):
        _check(ready, staff)
    # The physician screens and decides again on today's record: the day can go ahead.
    svc.screening_run(plan=ready, by=staff["nurse"])
    svc.eligibility_decide(plan=ready, by=staff["physician"], verdict="approve", password=PASSWORD)
    assert _check(ready, staff).outcome == "needs_review"


def test_a_new_low_platelet_count_is_a_hard_stop_today(ready, staff) -> None:
    LabValueFactory(patient=ready.patient, taken_on=MONDAY, value=80)
    with pytest.raises(svc.DayCheckRefused, match="Hard stop today: Platelet count 80"):
        _check(ready, staff)


def test_a_hard_stop_the_physician_overrode_does_not_stop_the_day(make_plan, staff) -> None:
    plan = make_plan()
    LabValueFactory(patient=plan.patient, taken_on=MONDAY, value=90)
    svc.screening_run(plan=plan, by=staff["nurse"])
    svc.eligibility_decide(
        plan=plan,
        by=staff["physician"],
        verdict="approve",
        password=PASSWORD,
        override_reason="Repeat count was 140; this one clumped.",
    )
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    plan.refresh_from_db()
    assert _check(plan, staff).outcome == "not_eligible"


def test_an_unapproved_plan_is_refused_on_the_day(make_plan, staff) -> None:
    plan = make_plan(status="approved")  # approved in the data, but no decision on record
    with pytest.raises(svc.DayCheckRefused) as refusal:
        _check(plan, staff)
    message = refusal.value.message
    assert "no signed and witnessed consent" in message
    assert "no physician's approval on record" in message


def test_the_day_check_uses_the_clinics_own_date(ready, staff) -> None:
    # 23:30 in New York is already the next day in UTC; the clinic's day is what counts.
    late = at(MONDAY, 23, 30)
    assert late.astimezone(NY).date() == MONDAY
    with time_machine.travel(late, tick=False):
        assert _check(ready, staff).screened_on == MONDAY
