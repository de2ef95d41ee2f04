"""The local anaesthetic dose guard (issue 8 items 1-4): the patient's day across
encounters, a recent and confirmed weight, other amides counted together, and the way
through an amide allergy. Each at and around its threshold, refusals audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.patients.models import Allergy, WeightMeasurement
from marrowtrack.procedures import services
from marrowtrack.procedures.models import AnaestheticEntry
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def give(encounter, staff, ml, *, agent="lidocaine", percent="1", epi=False):
    return services.anaesthetic_give(
        encounter=encounter,
        by=staff["physician"],
        agent=agent,
        percent=Decimal(percent),
        ml=Decimal(ml),
        with_epinephrine=epi,
        site="iliac crest",
    )


def refusals() -> int:
    return AuditEvent.objects.filter(action="refused").count()


def weigh(patient, kg: str, days_ago: int = 0, confirmed: bool = False) -> None:
    WeightMeasurement.objects.filter(patient=patient).delete()
    WeightMeasurement.objects.create(
        patient=patient,
        weight_kg=Decimal(kg),
        measured_on=clock.today() - timedelta(days=days_ago),
        plausibility_confirmed=confirmed,
    )


def abort(encounter, staff) -> None:
    services.encounter_transition(
        encounter=encounter,
        to=S.ABORTED,
        by=staff["physician"],
        data={"reason": "Dry tap after the local anaesthetic; rebooked for later today."},
    )


# Item 1: the patient's clinic-local day, across encounters ---------------------------------


def test_an_aborted_encounter_s_dose_counts_in_the_next_check_in_the_same_day(
    plan, encounter, walk, staff
) -> None:
    """70 kg: plain limit 300 mg. 20 mL of 1 % before a dry tap, then a new check-in."""
    walk(encounter, S.TIMEOUT_1)
    give(encounter, staff, "20")
    abort(encounter, staff)
    second = scenario.check_in(plan, staff["nurse"])
    walk(second, S.TIMEOUT_1)
    status = services.dose_status(second)
    assert (status.total_mg, status.other_encounters_mg) == (Decimal(200), Decimal(200))
    check = give(second, staff, "10")
    assert (check.total_mg, check.remaining_mg) == (Decimal(300), Decimal(0))
    before = refusals()
    with pytest.raises(SafetyRefusal, match="300 mg given so far today"):
        give(second, staff, "0.1")
    assert refusals() == before + 1
    assert AnaestheticEntry.objects.count() == 2


def test_a_second_plan_s_encounter_the_same_day_shares_the_limit(
    patient, encounter, walk, staff
) -> None:
    walk(encounter, S.TIMEOUT_1)
    give(encounter, staff, "25")
    other_plan = scenario.approved_plan(patient, by=staff["physician"], target="hip")
    scenario.second_needle_confirmed(other_plan, staff["physician"])
    second = scenario.check_in(other_plan, staff["nurse"])
    walk(second, S.TIMEOUT_1)
    with pytest.raises(SafetyRefusal, match="above the 300 mg limit"):
        give(second, staff, "5.1")
    assert give(second, staff, "5").total_mg == Decimal(300)


def test_only_the_clinic_local_day_counts(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    give(encounter, staff, "30")
    start, _ = clock.day_bounds(clock.today(encounter.clinic), encounter.clinic)
    AnaestheticEntry.objects.update(given_at=start - timedelta(microseconds=1))
    assert services.dose_status(encounter).total_mg == 0
    give(encounter, staff, "30")  # yesterday's 300 mg no longer counts
    AnaestheticEntry.objects.filter(given_at__lt=start).update(given_at=start)
    assert services.dose_status(encounter).total_mg == Decimal(600)


# Item 2: a recent, plausible weight ---------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "allowed"), [(0, True), (30, True), (31, False)])
def test_the_weight_must_be_at_most_30_days_old(encounter, walk, staff, days_ago, allowed) -> None:
    walk(encounter, S.TIMEOUT_1)
    weigh(encounter.patient, "70", days_ago)
    if allowed:
        assert give(encounter, staff, "1").total_mg == 10
        return
    before = refusals()
    with pytest.raises(SafetyRefusal, match=r"31 days ago\), more than 30 days"):
        give(encounter, staff, "1")
    assert refusals() == before + 1 and not AnaestheticEntry.objects.exists()


@override_settings(MARROWTRACK_DOSING_WEIGHT_MAX_AGE_DAYS=7)
def test_the_weight_age_is_configurable(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    weigh(encounter.patient, "70", 8)
    with pytest.raises(SafetyRefusal, match="more than 7 days"):
        give(encounter, staff, "1")
    weigh(encounter.patient, "70", 7)
    assert services.dose_status(encounter).weight_problem == ""


def test_no_weight_means_no_local_anaesthetic(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    WeightMeasurement.objects.all().delete()
    with pytest.raises(SafetyRefusal, match="No weight on record"):
        give(encounter, staff, "1")


def test_a_weight_in_pounds_cannot_set_the_limit_until_confirmed(encounter, walk, staff) -> None:
    """A 75 kg patient typed as 165: written without the recording service (an import)."""
    walk(encounter, S.TIMEOUT_1)
    patient = encounter.patient
    WeightMeasurement.objects.filter(patient=patient).update(
        weight_kg=Decimal(75), measured_on=clock.today() - timedelta(days=10)
    )
    WeightMeasurement.objects.create(patient=patient, weight_kg=165, measured_on=clock.today())
    status = services.dose_status(encounter)
    assert "typed in pounds" in status.weight_problem and status.weight_kg is None
    with pytest.raises(SafetyRefusal, match="has not been confirmed"):
        give(encounter, staff, "1")
    WeightMeasurement.objects.filter(weight_kg=165).update(plausibility_confirmed=True)
    assert give(encounter, staff, "30").remaining_mg == 0  # 165 kg: capped at 300 mg


@pytest.mark.parametrize(
    ("kg", "blocked"), [("35", False), ("34.9", True), ("250", False), ("250.1", True)]
)
def test_an_implausible_adult_weight_needs_confirming(encounter, walk, staff, kg, blocked) -> None:
    walk(encounter, S.TIMEOUT_1)
    weigh(encounter.patient, kg)
    assert bool(services.dose_status(encounter).weight_problem) is blocked


def test_the_panel_shows_the_weight_s_date(encounter, walk) -> None:
    weigh(encounter.patient, "70", 12)
    status = services.dose_status(encounter)
    assert status.weight.measured_on == clock.today() - timedelta(days=12)
    assert status.weight.days_old == 12 and status.weight_kg == 70


# Item 3: other amides, real strengths, additive toxicity -------------------------------------


def test_bupivacaine_and_lidocaine_add_up_to_exactly_the_maximum(encounter, walk, staff) -> None:
    """70 kg plain: lidocaine 300 mg, bupivacaine min(2 × 70, 175) = 140 mg. 150 mg of
    lidocaine is half; 70 mg of bupivacaine (28 mL of 0.25 %) is the other half."""
    walk(encounter, S.TIMEOUT_1)
    give(encounter, staff, "15")
    with pytest.raises(SafetyRefusal, match="Combined local anaesthetic limit exceeded"):
        give(encounter, staff, "28.01", agent="bupivacaine", percent="0.25")
    check = give(encounter, staff, "28", agent="bupivacaine", percent="0.25")
    assert (check.total_mg, check.limit_mg, check.fraction_used) == (70, 70, 1)
    assert services.dose_status(encounter).percent_used == 100
    with pytest.raises(SafetyRefusal):
        give(encounter, staff, "0.1", agent="ropivacaine", percent="0.2")


@pytest.mark.parametrize(
    ("agent", "percent", "epi"),
    [
        ("lidocaine", "0.1", False),
        ("bupivacaine", "1", False),
        ("ropivacaine", "1", False),
        ("ropivacaine", "0.5", True),
        ("mepivacaine", "1", True),
        ("procaine", "1", False),
    ],
)
def test_a_strength_the_product_does_not_come_in_is_refused(
    encounter, walk, staff, agent, percent, epi
) -> None:
    walk(encounter, S.TIMEOUT_1)
    with pytest.raises(ValidationFailed):
        give(encounter, staff, "1", agent=agent, percent=percent, epi=epi)
    assert not AnaestheticEntry.objects.exists()


def test_every_agent_and_strength_on_the_list_is_recordable(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    weigh(encounter.patient, "100")
    for agent, percent in [("ropivacaine", "0.75"), ("mepivacaine", "1.5"), ("lidocaine", "0.5")]:
        give(encounter, staff, "1", agent=agent, percent=percent)
    assert set(AnaestheticEntry.objects.values_list("agent", flat=True)) == {
        "ropivacaine",
        "mepivacaine",
        "lidocaine",
    }


# Item 4: the allergy dead end ----------------------------------------------------------------


def allergy(patient, substance: str, category: str = "local_anaesthetic") -> Allergy:
    return Allergy.objects.create(patient=patient, category=category, substance=substance)


@pytest.mark.parametrize(
    "substance", ["Lidocaine", "Xylocaine", "local anaesthetic (unknown)", "Marcaine"]
)
def test_an_amide_or_unnamed_local_anaesthetic_allergy_blocks_amides(
    encounter, walk, staff, substance
) -> None:
    walk(encounter, S.TIMEOUT_1)
    allergy(encounter.patient, substance)
    before = refusals()
    with pytest.raises(SafetyRefusal, match="STOP: .* allergy on record"):
        give(encounter, staff, "1", agent="mepivacaine")
    assert refusals() == before + 1
    assert services.dose_status(encounter).amide_blocked


@pytest.mark.parametrize("substance", ["Procaine", "Novocain", "chloroprocaine", "ester LA"])
def test_an_ester_allergy_does_not_block_amides(encounter, walk, staff, substance) -> None:
    walk(encounter, S.TIMEOUT_1)
    allergy(encounter.patient, substance)
    assert give(encounter, staff, "1").total_mg == 10
    assert services.dose_status(encounter).allergy is None


def test_an_amide_allergy_recorded_as_another_drug_still_blocks(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    allergy(encounter.patient, "Lignocaine", category="drug")
    with pytest.raises(SafetyRefusal, match="Lignocaine"):
        give(encounter, staff, "1")


def approve(encounter, staff, kind, agent="", password=PASSWORD, who="physician"):
    return services.alternative_agent_approve(
        encounter=encounter,
        by=staff[who],
        kind=kind,
        agent=agent,
        note="Allergy clinic 2025: skin and challenge test negative to mepivacaine.",
        password=password,
    )


def test_a_signed_plan_clears_one_named_amide_and_no_other(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    allergy(encounter.patient, "Lidocaine")
    plan = approve(encounter, staff, "cleared_amide", "mepivacaine")
    assert plan.signature.signer == staff["physician"] and plan.signature.meaning == "approved"
    assert AuditEvent.objects.filter(action="sign").exists()
    assert give(encounter, staff, "5", agent="mepivacaine").total_mg == 50
    with pytest.raises(SafetyRefusal, match="allergy"):
        give(encounter, staff, "1")
    services.encounter_transition(encounter=encounter, to=S.LOCAL_ANESTHESIA, by=staff["physician"])
    assert Allergy.objects.filter(archived_at__isnull=True).count() == 1  # nothing archived


def test_a_no_amide_plan_lets_the_local_anaesthesia_step_complete(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    allergy(encounter.patient, "Lidocaine")
    with pytest.raises(ValidationFailed, match="lidocaine"):
        services.encounter_transition(
            encounter=encounter, to=S.LOCAL_ANESTHESIA, by=staff["physician"]
        )
    plan = approve(encounter, staff, "no_amide")
    services.encounter_transition(encounter=encounter, to=S.LOCAL_ANESTHESIA, by=staff["physician"])
    step = encounter.steps.get(to_state=S.LOCAL_ANESTHESIA)
    assert step.checklist["alternative_agent_plan"] == str(plan.public_id)
    with pytest.raises(SafetyRefusal):
        give(encounter, staff, "1")


def test_only_a_physician_with_the_right_password_signs_the_plan(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    with pytest.raises(PermissionDenied):
        approve(encounter, staff, "no_amide", who="nurse")
    with pytest.raises(SignatureRefused):
        approve(encounter, staff, "no_amide", password="wrong password")
    with pytest.raises(ValidationFailed, match="agent"):
        approve(encounter, staff, "cleared_amide", "")
    assert not encounter.alternative_agent_plans.exists()


def test_a_nurse_cannot_give_local_anaesthetic(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    with pytest.raises(PermissionDenied):
        services.anaesthetic_give(
            encounter=encounter,
            by=staff["nurse"],
            percent=Decimal(1),
            ml=Decimal(1),
            with_epinephrine=False,
            site="x",
        )
    with pytest.raises(DomainError):
        give(
            scenario.check_in(
                scenario.second_needle_confirmed(
                    scenario.approved_plan(encounter.patient, by=staff["physician"], target="hip"),
                    staff["physician"],
                ),
                staff["nurse"],
            ),
            staff,
            "1",
        )
