"""The patient facts eligibility needs (issue 8 items 2, 5, 7, 9): confirmed weights, the
dose panel's weight and date, height, blood-thinner agents, condition sites."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.patients import selectors, services
from marrowtrack.patients.models import WeightMeasurement
from marrowtrack.testing.factories import WeightFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
TODAY = date(2026, 3, 2)


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-02 15:00Z", tick=False):
        yield


def _weigh(patient, staff, kg: str, **kw):
    return services.weight_record(
        patient=patient, by=staff["nurse"], weight_kg=Decimal(kg), measured_on=TODAY, **kw
    )


def test_a_weight_typed_in_pounds_is_refused_until_confirmed_and_stores_nothing(patient, staff):
    WeightFactory(patient=patient, weight_kg=Decimal("75.0"), measured_on=TODAY - timedelta(20))
    with pytest.raises(ValidationFailed) as error:
        _weigh(patient, staff, "165.3")
    assert "Was it typed in pounds?" in " ".join(error.value.errors["weight_kg"])
    assert "confirmed" in error.value.errors
    assert WeightMeasurement.objects.count() == 1


def test_a_confirmed_implausible_weight_is_kept_with_what_was_questioned(patient, staff):
    WeightFactory(patient=patient, weight_kg=Decimal("75.0"), measured_on=TODAY - timedelta(20))
    weight = _weigh(patient, staff, "90", confirmed=True)
    assert weight.plausibility_confirmed is True
    assert "differs by +20 %" in weight.plausibility_note
    event = AuditEvent.objects.get(entity="patients.weightmeasurement", action="create")
    assert event.changes["plausibility_confirmed"] == {"old": None, "new": True}


def test_a_plausible_weight_needs_no_confirmation(patient, staff):
    WeightFactory(patient=patient, weight_kg=Decimal("75.0"), measured_on=TODAY - timedelta(20))
    weight = _weigh(patient, staff, "77.5")
    assert (weight.plausibility_confirmed, weight.plausibility_note) == (False, "")


def test_a_back_dated_weight_is_compared_with_the_one_before_it(patient, staff):
    WeightFactory(patient=patient, weight_kg=Decimal("60.0"), measured_on=TODAY - timedelta(100))
    WeightFactory(patient=patient, weight_kg=Decimal("80.0"), measured_on=TODAY)
    weight = services.weight_record(
        patient=patient,
        by=staff["nurse"],
        weight_kg=Decimal("61"),
        measured_on=TODAY - timedelta(50),
    )
    assert weight.plausibility_confirmed is False


def test_the_dose_panel_gets_the_latest_weight_and_its_date(patient):
    assert selectors.weight_for_dosing(patient, on=TODAY) is None
    WeightFactory(patient=patient, weight_kg=Decimal("70.0"), measured_on=TODAY - timedelta(40))
    WeightFactory(patient=patient, weight_kg=Decimal("71.5"), measured_on=TODAY - timedelta(3))
    WeightFactory(patient=patient, weight_kg=Decimal("99.0"), measured_on=TODAY + timedelta(1))
    dosing = selectors.weight_for_dosing(patient, on=TODAY)
    assert (dosing.kg, dosing.measured_on, dosing.days_old) == (
        Decimal("71.5"),
        TODAY - timedelta(3),
        3,
    )


def test_height_is_on_the_record_and_gives_the_bmi(patient, staff):
    data = {"height_cm": Decimal("165")}
    patient = services.patient_update(patient=patient, by=staff["nurse"], data=data, version=1)
    WeightFactory(patient=patient, weight_kg=Decimal("120"), measured_on=TODAY)
    value, weight = selectors.patient_bmi(patient)
    assert value == Decimal("44.1") and weight.measured_on == TODAY


@pytest.mark.parametrize("cm", ["89.9", "250.1"])
def test_an_impossible_height_is_refused(patient, staff, cm):
    with pytest.raises(ValidationFailed, match="height_cm"):
        services.patient_update(
            patient=patient, by=staff["nurse"], data={"height_cm": Decimal(cm)}, version=1
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Apixaban", "drug_class": "anticoagulant"}, "agent"),
        ({"name": "Apixaban", "drug_class": "anticoagulant", "agent": "clopidogrel"}, "agent"),
        ({"name": "Ibuprofen", "drug_class": "nsaid", "agent": "aspirin"}, "agent"),
        (
            {"name": "Ibuprofen", "drug_class": "nsaid", "steroid_mg_per_day": Decimal("5")},
            "steroid_mg_per_day",
        ),
    ],
)
def test_a_blood_thinner_needs_its_agent_and_the_agent_must_fit_the_class(
    patient, staff, data, field
):
    with pytest.raises(ValidationFailed) as error:
        services.medication_add(patient=patient, by=staff["nurse"], data=data)
    assert field in error.value.errors


def test_an_immunosuppressant_is_a_medication_class(patient, staff):
    data = {"name": "Methotrexate", "drug_class": "immunosuppressant", "dose": "15 mg weekly"}
    assert services.medication_add(patient=patient, by=staff["nurse"], data=data).pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "infection_local"}, "site"),
        ({"kind": "implant", "site": "knee"}, "side"),
        ({"kind": "bone_graft_harvest", "site": "knee", "side": "left"}, "site"),
        ({"kind": "skin_disease"}, "site"),
    ],
)
def test_a_local_condition_needs_its_site_and_side(patient, staff, data, field):
    with pytest.raises(ValidationFailed) as error:
        services.condition_add(patient=patient, by=staff["nurse"], data=data)
    assert field in error.value.errors


def test_an_infection_elsewhere_needs_no_side(patient, staff):
    data = {"kind": "infection_local", "site": "elsewhere", "detail": "dental abscess"}
    assert services.condition_add(patient=patient, by=staff["nurse"], data=data).site == "elsewhere"


def test_the_record_pages_bmi_uses_the_weights_the_page_attached(patient, staff):
    """The record page reads the live weights once (`patient_with_record`): its BMI comes
    from them (newest first, archived ones out), not from another query (issue 17)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    data = {"height_cm": Decimal("165")}
    patient = services.patient_update(patient=patient, by=staff["nurse"], data=data, version=1)
    WeightFactory(patient=patient, weight_kg=Decimal("80"), measured_on=TODAY - timedelta(9))
    WeightFactory(patient=patient, weight_kg=Decimal("120"), measured_on=TODAY)
    WeightFactory(
        patient=patient, weight_kg=Decimal("60"), measured_on=TODAY, archived_at=timezone.now()
    )
    shown = selectors.patient_with_record(patient)
    with CaptureQueriesContext(connection) as queries:
        value, weight = selectors.patient_bmi(shown)
    assert len(queries) == 0
    assert (value, weight) == selectors.patient_bmi(patient)  # read by its own query
    assert value == Decimal("44.1")
