"""The ORM -> facts adapter feeds the pure eligibility engine the record as it stands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marrowtrack.core.exceptions import ValidationFailed
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


def test_patient_facts_carry_height_inr_agent_steroid_dose_and_condition_sites(patient):
    patient.height_cm = Decimal("172.5")
    patient.save(update_fields=["height_cm"])
    LabValueFactory(patient=patient, test="inr", value=Decimal("1.4"), taken_on=MONDAY)
    MedicationFactory(
        patient=patient, name="Warfarin", drug_class="anticoagulant", agent="warfarin"
    )
    MedicationFactory(
        patient=patient,
        name="Prednisolone",
        drug_class="systemic_corticosteroid",
        steroid_mg_per_day=Decimal("5"),
    )
    ConditionFactory(patient=patient, kind="infection_local", site="knee", side="right")
    facts = selectors.patient_facts(patient, on=MONDAY, temperature_c=Decimal("37.1"))
    assert facts.height_cm == Decimal("172.5")
    assert facts.inr == f.Inr(Decimal("1.4"), MONDAY)
    assert facts.temperature_c == Decimal("37.1")
    by_name = {m.name: m for m in facts.medications}
    assert by_name["Warfarin"].agent == f.Agent.WARFARIN
    assert by_name["Prednisolone"].steroid_mg_per_day == Decimal("5")
    assert (facts.conditions[0].site, facts.conditions[0].side) == (
        f.BodySite.KNEE,
        f.Laterality.RIGHT,
    )


def test_prior_injections_come_from_every_plan_and_from_the_clinics_own_steroids(make_plan):
    earlier = make_plan(
        treatment="csi",
        target="subacromial",
        status="treated",
        treated_on=MONDAY - timedelta(21),
        injectate_drug="Triamcinolone",
    )
    block = make_plan(
        treatment="nerve_block",
        target="facet",
        target_level="L4-L5",
        laterality="midline",
        status="treated",
        treated_on=MONDAY - timedelta(10),
        injectate_drug="Bupivacaine 0.25% with methylprednisolone 40 mg",
    )
    PriorFactory(
        plan=earlier, target="epidural", laterality="midline", given_on=MONDAY - timedelta(60)
    )
    plan = make_plan(target="rotator_cuff", kellgren_lawrence_grade=None)
    found = selectors.prior_injections(plan)
    assert [(i.target, i.given_here) for i in found] == [
        (f.Target.EPIDURAL, False),
        (f.Target.SUBACROMIAL, True),
        (f.Target.FACET, True),
    ]
    assert block.pk  # a nerve block counts because its injectate names a steroid


def test_a_nerve_block_without_a_steroid_is_not_a_steroid_injection(make_plan):
    make_plan(
        treatment="nerve_block",
        target="facet",
        target_level="L4-L5",
        laterality="midline",
        status="treated",
        treated_on=MONDAY - timedelta(10),
        injectate_drug="Bupivacaine 0.25%",
    )
    assert selectors.prior_injections(make_plan()) == ()


def test_the_same_injection_recorded_on_two_plans_counts_once(make_plan):
    first, second = make_plan(), make_plan()
    for plan in (first, second):
        PriorFactory(plan=plan, given_on=MONDAY - timedelta(20))
    assert len(selectors.prior_injections(second)) == 1


# --- the plans list: search, filters, keyset paging (issue 9 item 12) ---------------------


def test_the_plans_list_pages_by_keyset_newest_first_without_gaps_or_repeats(make_plan, clinic):
    made = [make_plan() for _ in range(7)]
    seen, after = [], ""
    while True:
        page = selectors.plans_for_clinic(clinic=clinic, after=after, limit=3)
        seen += page.plans
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert [p.pk for p in seen] == [
        p.pk for p in sorted(made, key=lambda p: (p.created_at, p.public_id), reverse=True)
    ]


def test_the_plans_list_filters_by_patient_status_treatment_target_and_override(make_plan, clinic):
    from marrowtrack.testing.factories import PatientFactory

    other = PatientFactory(clinic=clinic, family_name="Okafor", given_name="Ada")
    wanted = make_plan(
        patient=other, treatment="csi", target="hip", status="approved", hard_stop_overridden=True
    )
    make_plan(status="approved")
    make_plan(patient=other)

    def ids(**filters):
        page = selectors.plans_for_clinic(clinic=clinic, filters=selectors.PlanFilters(**filters))
        return [p.pk for p in page.plans]

    assert ids(q="okaf", treatment="csi") == [wanted.pk]
    assert ids(q=other.mrn, status="approved") == [wanted.pk]
    assert ids(target="hip") == [wanted.pk]
    assert ids(overridden=True) == [wanted.pk]
    assert len(ids()) == 3


def test_another_clinics_plans_never_appear(make_plan, other_clinic):
    make_plan()
    assert selectors.plans_for_clinic(clinic=other_clinic).plans == []


def test_a_cursor_that_is_not_ours_is_refused(clinic):
    with pytest.raises(ValidationFailed, match="cursor"):
        selectors.plans_for_clinic(clinic=clinic, after="not-a-cursor")


def test_the_plan_safety_summary_shows_the_thresholds_for_the_target(make_plan):
    disc = make_plan(
        treatment="csi",
        target="disc",
        target_level="L4-L5",
        laterality="midline",
        injectate_drug="Triamcinolone",
        harvest_side="",
        harvest_anticoagulant="",
    )
    safety = selectors.plan_safety(disc, today=MONDAY)
    assert (safety.risk, safety.platelet_floor, safety.inr_limit) == ("high", 50, Decimal("1.5"))
    assert safety.nsaid_days is None
    bmac = selectors.plan_safety(make_plan(), today=MONDAY)
    assert (bmac.risk, bmac.platelet_floor, bmac.nsaid_days) == ("low", 100, 7)
