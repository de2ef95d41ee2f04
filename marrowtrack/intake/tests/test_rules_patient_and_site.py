"""Rules added in 2026.2 (issue 8 items 7-10) at and around their thresholds: age, BMI,
implants, the harvest site, heparin, contrast, Kellgren-Lawrence, the steroid cap and
neighbouring compartments, cancer and steroid over-triggering, immunosuppressants, fever."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marrowtrack.intake.facts import (
    Allergy,
    AllergyCategory,
    BodySite,
    Condition,
    ConditionKind,
    DrugClass,
    InjectedDrug,
    Laterality,
    Medication,
    PriorInjection,
    Target,
    Treatment,
    Weight,
)
from marrowtrack.intake.rules import Outcome, Severity
from marrowtrack.intake.tests.builders import (
    ON,
    PLANNED,
    codes,
    days,
    messages,
    patient,
    plan,
    screen,
)

CSI = {"treatment": Treatment.CSI, "harvest_side": None, "harvest_anticoagulant": ""}


# --- age (minimum 18) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "stopped"),
    [
        (date(2008, 4, 7), True),  # 18 the day after the procedure
        (date(2008, 4, 6), False),  # 18th birthday on the procedure day
        (date(2011, 3, 2), True),  # the case: 15 years old
    ],
)
def test_the_minimum_age_is_18_on_the_procedure_day(born: date, stopped: bool) -> None:
    result = screen(patient(date_of_birth=born))
    assert ("age_below_minimum" in codes(result)) is stopped


def test_a_15_year_old_is_not_eligible_for_any_injection() -> None:
    for treatment in (Treatment.BMAC, Treatment.CSI):
        extra = CSI if treatment == Treatment.CSI else {}
        result = screen(patient(date_of_birth=date(2011, 3, 2)), plan(**extra))
        assert result.outcome == Outcome.NOT_ELIGIBLE
    assert messages(screen(patient(date_of_birth=date(2011, 3, 2))), "age_below_minimum") == [
        "Aged 15 on 2026-04-06 (born 2011-03-02): the minimum age is 18."
    ]


# --- height and BMI -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kg", "flagged"),
    # 165 cm: BMI 39.93 (shown 39.9), 39.96 (shown 40.0), 44.1. The BMI is compared as shown.
    [("108.7", False), ("108.8", True), ("120", True)],
)
def test_a_bmi_of_40_or_more_is_flagged(kg: str, flagged: bool) -> None:
    facts = patient(weight=Weight(Decimal(kg), ON), height_cm=Decimal("165"))
    result = screen(facts)
    assert ("bmi_high" in codes(result)) is flagged
    if flagged:
        assert result.outcome == Outcome.NEEDS_REVIEW


def test_the_bmi_flag_names_the_weight_its_date_and_the_height() -> None:
    facts = patient(weight=Weight(Decimal("120"), ON), height_cm=Decimal("165"))
    assert messages(screen(facts), "bmi_high") == [
        "BMI 44.1 (120 kg on 2026-03-02, 165 cm) is at or above 40.0: plan needle length, "
        "positioning and the harvest approach."
    ]


def test_a_missing_height_is_flagged_for_a_harvest() -> None:
    assert "height_missing" in codes(screen(patient(height_cm=None)))
    assert "height_missing" not in codes(screen(patient(height_cm=None), plan(**CSI)))


# --- prosthesis or hardware at the target ----------------------------------------------------


def _implant(site: BodySite, side: Laterality, resolved_on: date | None = None) -> Condition:
    return Condition(ConditionKind.IMPLANT, date(2015, 1, 1), resolved_on, site, side=side)


@pytest.mark.parametrize(
    ("implant", "stopped"),
    [
        (_implant(BodySite.KNEE, Laterality.LEFT), True),
        (_implant(BodySite.KNEE, Laterality.RIGHT), False),
        (_implant(BodySite.HIP, Laterality.LEFT), False),
        (_implant(BodySite.KNEE, Laterality.LEFT, resolved_on=date(2020, 1, 1)), False),
    ],
)
def test_a_prosthesis_or_hardware_in_the_target_joint_is_a_hard_stop(
    implant: Condition, stopped: bool
) -> None:
    result = screen(patient(conditions=(implant,)))
    assert ("prosthesis_at_target" in codes(result)) is stopped


def test_hardware_in_the_lumbar_spine_stops_a_facet_injection() -> None:
    rods = _implant(BodySite.LUMBAR, Laterality.MIDLINE)
    result = screen(patient(conditions=(rods,)), plan(target=Target.FACET, **CSI))
    assert "prosthesis_at_target" in codes(result)


# --- the harvest site ---------------------------------------------------------------------------


def _at_crest(kind: ConditionKind, side: Laterality | None, **kw: object) -> Condition:
    return Condition(kind, date(2018, 1, 1), site=BodySite.ILIAC_CREST, side=side, **kw)


@pytest.mark.parametrize(
    ("condition", "stopped"),
    [
        (Condition(ConditionKind.PELVIC_IRRADIATION, date(2019, 1, 1)), True),
        (_at_crest(ConditionKind.BONE_GRAFT_HARVEST, Laterality.RIGHT), True),
        (_at_crest(ConditionKind.BONE_GRAFT_HARVEST, Laterality.LEFT), False),  # other side
        (_at_crest(ConditionKind.IMPLANT, Laterality.RIGHT), True),
        (_at_crest(ConditionKind.SKIN_DISEASE, Laterality.RIGHT), True),
        (
            _at_crest(ConditionKind.SKIN_DISEASE, Laterality.RIGHT, resolved_on=date(2019, 1, 1)),
            False,
        ),
        (_at_crest(ConditionKind.SKIN_DISEASE, Laterality.LEFT), False),
    ],
)
def test_harvest_site_problems_on_the_planned_side_are_a_hard_stop(
    condition: Condition, stopped: bool
) -> None:
    # builders.plan harvests from the right posterior iliac crest
    result = screen(patient(conditions=(condition,)))
    assert ("harvest_site_contraindication" in codes(result)) is stopped


def test_with_no_side_chosen_either_crest_counts() -> None:
    graft = _at_crest(ConditionKind.BONE_GRAFT_HARVEST, Laterality.LEFT)
    result = screen(patient(conditions=(graft,)), plan(harvest_side=None))
    assert "harvest_site_contraindication" in codes(result)


def test_a_comparator_has_no_harvest_site_to_check() -> None:
    irradiated = Condition(ConditionKind.PELVIC_IRRADIATION, date(2019, 1, 1))
    assert "harvest_site_contraindication" not in codes(
        screen(patient(conditions=(irradiated,)), plan(**CSI))
    )


# --- heparin, contrast ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anticoagulant", "stopped"), [("heparin", True), ("", True), ("acd_a", False)]
)
def test_heparin_allergy_or_hit_stops_a_heparin_harvest(anticoagulant: str, stopped: bool):
    hit = Allergy(AllergyCategory.HEPARIN, "heparin-induced thrombocytopenia")
    result = screen(patient(allergies=(hit,)), plan(harvest_anticoagulant=anticoagulant))
    assert ("allergy_heparin_harvest" in codes(result)) is stopped


@pytest.mark.parametrize(
    ("target", "guidance", "flagged"),
    [
        (Target.FACET, "fluoro", True),
        (Target.DISC, "", True),
        (Target.FACET, "us", False),
        (Target.KNEE, "fluoro", False),
    ],
)
def test_a_contrast_allergy_is_flagged_for_fluoroscopic_spinal_targets(
    target: Target, guidance: str, flagged: bool
) -> None:
    iodine = Allergy(AllergyCategory.CONTRAST, "iohexol")
    result = screen(patient(allergies=(iodine,)), plan(target=target, guidance=guidance))
    assert ("allergy_contrast_spinal" in codes(result)) is flagged


# --- Kellgren-Lawrence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "grade", "expected"),
    [
        (Target.KNEE, 4, {"kl_grade_4"}),
        (Target.HIP, 4, {"kl_grade_4"}),
        (Target.KNEE, 3, set()),
        (Target.KNEE, None, {"kl_grade_missing"}),
        (Target.HIP, None, {"kl_grade_missing"}),
        (Target.SUBACROMIAL, None, set()),
    ],
)
def test_kl_grade_4_and_a_missing_grade_are_flagged_for_knee_and_hip(
    target: Target, grade: int | None, expected: set[str]
) -> None:
    result = screen(plan_facts=plan(target=target, kellgren_lawrence_grade=grade))
    assert codes(result) & {"kl_grade_4", "kl_grade_missing"} == expected


# --- steroid injections: neighbours, every source, the yearly cap (items 7, 8) ------------------


def _steroid(
    on: date, target: Target, side: Laterality = Laterality.LEFT, here: bool = False
) -> PriorInjection:
    return PriorInjection(on, InjectedDrug.CORTICOSTEROID, target, side, given_here=here)


def test_a_subacromial_steroid_3_weeks_before_a_rotator_cuff_bmac_is_a_hard_stop() -> None:
    injection = _steroid(PLANNED - days(21), Target.SUBACROMIAL)
    result = screen(
        plan_facts=plan(
            target=Target.ROTATOR_CUFF, kellgren_lawrence_grade=None, prior_injections=(injection,)
        )
    )
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert messages(result, "steroid_injection_same_target") == [
        "Corticosteroid injected into the left subacromial on 2026-03-16: inside the 12-week "
        "washout for 2026-04-06; earliest date outside it 2026-06-08."
    ]


@pytest.mark.parametrize(
    ("prior", "planned", "stopped"),
    [
        (Target.GLENOHUMERAL, Target.SUBACROMIAL, True),
        (Target.EPIDURAL, Target.FACET, True),
        (Target.SI_JOINT, Target.FACET, True),
        (Target.FACET, Target.DISC, True),
        (Target.KNEE, Target.HIP, False),
        (Target.SUBACROMIAL, Target.FACET, False),
    ],
)
def test_neighbouring_compartments_count_as_the_same_target(
    prior: Target, planned: Target, stopped: bool
) -> None:
    injection = _steroid(PLANNED - days(30), prior, Laterality.MIDLINE)
    facts = plan(target=planned, kellgren_lawrence_grade=None, prior_injections=(injection,))
    assert ("steroid_injection_same_target" in codes(screen(plan_facts=facts))) is stopped


def test_a_steroid_the_clinic_gave_itself_counts_and_says_so() -> None:
    given = _steroid(PLANNED - days(40), Target.KNEE, here=True)
    result = screen(plan_facts=plan(prior_injections=(given,)))
    assert "left knee (given here)" in messages(result, "steroid_injection_same_target")[0]


@pytest.mark.parametrize(("earlier", "stopped"), [(2, False), (3, True)])
def test_a_fourth_cortisone_injection_in_a_year_exceeds_the_cap_of_3(earlier: int, stopped: bool):
    injections = tuple(_steroid(PLANNED - days(100 * (i + 1)), Target.KNEE) for i in range(earlier))
    result = screen(plan_facts=plan(**CSI, prior_injections=injections))
    assert ("steroid_injections_yearly_cap" in codes(result)) is stopped


@pytest.mark.parametrize(("days_before", "counted"), [(364, True), (365, False)])
def test_an_injection_a_full_year_before_no_longer_counts_for_the_cap(
    days_before: int, counted: bool
) -> None:
    injections = (
        _steroid(PLANNED - days(100), Target.KNEE),
        _steroid(PLANNED - days(200), Target.SUBACROMIAL, Laterality.BILATERAL),
        _steroid(PLANNED - days(days_before), Target.KNEE),
    )
    # The subacromial injection is another region (shoulder): it does not count for the knee.
    result = screen(plan_facts=plan(**CSI, prior_injections=injections))
    assert "steroid_injections_yearly_cap" not in codes(result)
    three = (*injections, _steroid(PLANNED - days(150), Target.KNEE, Laterality.BILATERAL))
    assert (
        "steroid_injections_yearly_cap"
        in codes(screen(plan_facts=plan(**CSI, prior_injections=three)))
    ) is counted


# --- over-triggering (item 9) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", [ConditionKind.SKIN_CANCER_NON_MELANOMA, ConditionKind.CARCINOMA_IN_SITU]
)
def test_non_melanoma_skin_cancer_and_carcinoma_in_situ_do_not_stop(kind: ConditionKind):
    cancer = Condition(kind, ON - days(200), detail="basal cell carcinoma, excised")
    assert screen(patient(conditions=(cancer,))).outcome == Outcome.ELIGIBLE


def _pred(mg: str, started: date, stopped: date | None = None) -> Medication:
    return Medication(
        "prednisolone",
        DrugClass.SYSTEMIC_CORTICOSTEROID,
        started,
        stopped,
        steroid_mg_per_day=Decimal(mg),
    )


RA = Condition(ConditionKind.RHEUMATIC_DISEASE, date(2010, 1, 1), detail="rheumatoid arthritis")


@pytest.mark.parametrize(
    ("mg", "started_days_before", "expected"),
    [
        ("5", 400, "ra_maintenance_steroid"),
        ("7.5", 90, "ra_maintenance_steroid"),
        ("7.6", 400, "systemic_corticosteroid"),  # above the low dose
        ("5", 89, "systemic_corticosteroid"),  # not yet stable for 90 days
    ],
)
def test_stable_low_dose_maintenance_steroid_in_ra_is_a_flag_not_a_stop(
    mg: str, started_days_before: int, expected: str
) -> None:
    steroid = _pred(mg, PLANNED - days(started_days_before))
    result = screen(patient(medications=(steroid,), conditions=(RA,)))
    found = codes(result) & {"ra_maintenance_steroid", "systemic_corticosteroid"}
    assert found == {expected}


def test_a_maintenance_dose_without_rheumatic_disease_still_stops() -> None:
    result = screen(patient(medications=(_pred("5", date(2020, 1, 1)),)))
    assert "systemic_corticosteroid" in codes(result)


def test_the_ra_plan_condition_alone_makes_a_maintenance_steroid_a_flag() -> None:
    result = screen(
        patient(medications=(_pred("5", date(2020, 1, 1)),)),
        plan(condition="ra", kellgren_lawrence_grade=None),
    )
    assert result.outcome == Outcome.NEEDS_REVIEW
    assert messages(result, "ra_maintenance_steroid")[0].startswith(
        "prednisolone 5 mg a day since 2020-01-01: a stable low-dose maintenance steroid"
    )


# --- immunosuppressants and fever ---------------------------------------------------------------


@pytest.mark.parametrize(("stopped_days_before", "flagged"), [(90, True), (91, False)])
def test_an_immunosuppressant_taken_in_the_last_90_days_is_flagged(
    stopped_days_before: int, flagged: bool
) -> None:
    mtx = Medication(
        "methotrexate", DrugClass.IMMUNOSUPPRESSANT, None, PLANNED - days(stopped_days_before)
    )
    assert ("immunosuppressant_medication" in codes(screen(patient(medications=(mtx,))))) is (
        flagged
    )


@pytest.mark.parametrize(("temperature", "stopped"), [("37.9", False), ("38.0", True)])
def test_a_temperature_of_38_or_more_stops_the_procedure(temperature: str, stopped: bool):
    result = screen(patient(temperature_c=Decimal(temperature)), plan(planned_date=ON))
    assert ("fever" in codes(result)) is stopped
    if stopped:
        assert result.hard_stops[0].severity == Severity.HARD_STOP
