"""The ORM -> facts adapter feeds the pure eligibility engine the record as it stands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marrowtrack.intake import facts as f
from marrowtrack.intake import selectors
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.intake.tests.factories import LabValueFactory, PriorFactory
from marrowtrack.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    WeightFactory,
)

pytestmark = pytest.mark.django_db


def test_patient_facts_take_the_latest_weight_and_platelet_count(patient):
    WeightFactory(patient=patient, weight_kg=Decimal("80.0"), measured_on=MONDAY - timedelta(30))
    WeightFactory(patient=patient, weight_kg=Decimal("78.5"), measured_on=MONDAY - timedelta(2))
    LabValueFactory(patient=patient, value=90, taken_on=MONDAY - timedelta(40))
    LabValueFactory(patient=patient, value=150, taken_on=MONDAY - timedelta(3))
    facts = selectors.patient_facts(patient, on=MONDAY)
    assert facts.weight == f.Weight(Decimal("78.5"), MONDAY - timedelta(2))
    assert facts.platelets == f.PlateletCount(150, MONDAY - timedelta(3))


def test_patient_facts_leave_out_archived_entries_and_inr(patient):
    LabValueFactory(patient=patient, test="inr", value=1, unit="ratio", taken_on=MONDAY)
    MedicationFactory(patient=patient, archived_at=at(MONDAY, 6))
    facts = selectors.patient_facts(patient, on=MONDAY)
    assert facts.platelets is None
    assert facts.medications == ()


def test_patient_facts_convert_allergies_medications_and_conditions(patient):
    AllergyFactory(patient=patient, category="local_anaesthetic", substance="Lidocaine")
    MedicationFactory(patient=patient, name="Apixaban", drug_class="anticoagulant")
    ConditionFactory(patient=patient, kind="bleeding_disorder", cleared_by_haematology=True)
    facts = selectors.patient_facts(patient, on=MONDAY)
    assert facts.allergies == (f.Allergy(f.AllergyCategory.LOCAL_ANAESTHETIC, "Lidocaine"),)
    assert facts.medications[0].drug_class == f.DrugClass.ANTICOAGULANT
    assert facts.conditions[0].cleared_by_haematology is True
    assert facts.conditions[0].site is None


def test_plan_facts_turn_prior_injections_into_washout_facts(make_plan):
    plan = make_plan()
    PriorFactory(plan=plan, given_on=MONDAY - timedelta(20))
    PriorFactory(plan=plan, kind="physiotherapy", drug="", given_on=MONDAY)
    facts = selectors.plan_facts(plan)
    assert facts.treatment == f.Treatment.BMAC
    assert facts.planned_date is None
    assert facts.prior_injections == (
        f.PriorInjection(
            MONDAY - timedelta(20), f.InjectedDrug.CORTICOSTEROID, f.Target.KNEE, f.Laterality.LEFT
        ),
    )
