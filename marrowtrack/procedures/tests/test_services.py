"""Procedure-day services: order of steps, roles, time-outs, dose guard, harvest limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.intake.models import Consent
from marrowtrack.patients.models import Allergy, WeightMeasurement
from marrowtrack.procedures import services
from marrowtrack.procedures.models import LidocaineEntry, TimeOut
from marrowtrack.procedures.services import TransitionRefused
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_check_in_is_refused_while_intake_blockers_remain(plan, staff) -> None:
    Consent.objects.filter(plan=plan).update(status=Consent.Status.SIGNED)
    with pytest.raises(DomainError, match="no signed and witnessed consent"):
        scenario.check_in(plan, staff["nurse"])


def test_check_in_refuses_a_wrong_date_of_birth_and_audits_it(plan, staff) -> None:
    with pytest.raises(ValidationFailed):
        services.encounter_check_in(
            plan=plan,
            by=staff["nurse"],
            typed_name="Rosa Núñez",
            typed_dob=plan.patient.date_of_birth + timedelta(days=1),
            temperature_c="36.8",
        )
    assert AuditEvent.objects.filter(action="refused").exists()


def test_a_patient_cannot_be_checked_in_twice_for_one_plan(plan, staff, encounter) -> None:
    with pytest.raises(DomainError, match="already checked in"):
        scenario.check_in(plan, staff["nurse"])


def test_an_out_of_order_step_is_refused_with_what_is_missing(encounter, staff) -> None:
    with pytest.raises(TransitionRefused, match="pre-assessed and consented first"):
        services.encounter_transition(encounter=encounter, to=S.SITE_MARKED, by=staff["physician"])


def test_a_repeated_step_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.PRE_ASSESSED)
    with pytest.raises(TransitionRefused, match="already at Pre-assessed"):
        scenario.STEPS[S.PRE_ASSESSED](encounter, staff, PASSWORD)


def test_going_back_and_leaving_a_final_state_are_refused(encounter, walk, staff) -> None:
    walk(encounter, S.CONSENTED)
    with pytest.raises(TransitionRefused, match="cannot go back"):
        services.encounter_transition(encounter=encounter, to=S.PRE_ASSESSED, by=staff["nurse"])
    services.encounter_transition(
        encounter=encounter,
        to=S.ABORTED,
        by=staff["physician"],
        data={"reason": "Vasovagal episode"},
    )
    with pytest.raises(TransitionRefused, match="final state"):
        services.encounter_transition(encounter=encounter, to=S.SITE_MARKED, by=staff["physician"])


def test_a_role_that_may_not_record_a_step_gets_permission_denied(encounter, staff) -> None:
    with pytest.raises(PermissionDenied):
        services.encounter_transition(
            encounter=encounter,
            to=S.PRE_ASSESSED,
            by=staff["lab_tech"],
            data=dict.fromkeys(["vitals_recorded"], True),
        )


def test_an_incomplete_checklist_is_refused(encounter, staff) -> None:
    with pytest.raises(ValidationFailed, match="Not confirmed"):
        services.encounter_transition(
            encounter=encounter,
            to=S.PRE_ASSESSED,
            by=staff["nurse"],
            data={"vitals_recorded": True},
        )


def test_a_time_out_needs_every_item_and_two_signers(encounter, walk, staff) -> None:
    walk(encounter, S.SITE_MARKED)
    items = dict.fromkeys(TimeOut.ITEMS, True)
    go = lambda data: services.encounter_transition(  # noqa: E731
        encounter=encounter,
        to=S.TIMEOUT_1,
        by=staff["physician"],
        data={"prep_agent": "chlorhexidine", **data},
    )
    with pytest.raises(ValidationFailed, match="Not confirmed"):
        go(
            {
                "checklist": {**items, "imaging": False},
                "signers": [(staff["physician"], PASSWORD), (staff["nurse"], PASSWORD)],
            }
        )
    with pytest.raises(ValidationFailed, match="at least two"):
        go({"checklist": items, "signers": [(staff["physician"], PASSWORD)]})
    with pytest.raises(DomainError, match="password or 6-digit code is not correct"):
        go({"checklist": items, "signers": [(staff["physician"], PASSWORD), (staff["nurse"], "x")]})
    assert not TimeOut.objects.exists()
    go(
        {
            "checklist": items,
            "signers": [(staff["physician"], PASSWORD), (staff["nurse"], PASSWORD)],
        }
    )
    assert TimeOut.objects.get().signatures.count() == 2


def _lido(encounter, staff, ml, epi=False, percent="1"):
    return services.lidocaine_give(
        encounter=encounter,
        by=staff["physician"],
        percent=Decimal(percent),
        ml=Decimal(ml),
        with_epinephrine=epi,
        site="iliac crest",
    )


@pytest.mark.parametrize(
    ("weight", "epi", "limit_ml"),
    [("60", False, "27"), ("80", False, "30"), ("60", True, "42"), ("80", True, "50")],
)
def test_the_dose_guard_allows_exactly_the_limit_and_refuses_a_hair_more(
    encounter, walk, staff, weight, epi, limit_ml
) -> None:
    """Plain: min(4.5 mg/kg, 300 mg); with epinephrine: min(7 mg/kg, 500 mg); 1 % = 10 mg/mL."""
    WeightMeasurement.objects.filter(patient=encounter.patient).update(weight_kg=Decimal(weight))
    walk(encounter, S.TIMEOUT_1)
    check = _lido(encounter, staff, limit_ml, epi)
    assert check.remaining_mg == 0
    with pytest.raises(SafetyRefusal, match="Lidocaine limit exceeded"):
        _lido(encounter, staff, "0.01", epi)
    assert LidocaineEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="refused").exists()


def test_the_dose_guard_counts_the_whole_day_and_needs_a_weight(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    _lido(encounter, staff, "20")
    assert services.dose_status(encounter).remaining_plain_mg == Decimal(100)
    WeightMeasurement.objects.filter(patient=encounter.patient).delete()
    with pytest.raises(SafetyRefusal, match="weight"):
        _lido(encounter, staff, "1")


def test_a_local_anaesthetic_allergy_stops_lidocaine(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    Allergy.objects.create(
        patient=encounter.patient, category="local_anaesthetic", substance="Lidocaine"
    )
    with pytest.raises(SafetyRefusal, match="allergy"):
        _lido(encounter, staff, "1")


def test_an_implausible_air_kerma_is_refused_and_volume_warned(encounter, walk, staff) -> None:
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    with pytest.raises(ValidationFailed, match="air_kerma_mgy"):
        services.harvest_record(
            encounter=encounter,
            by=staff["physician"],
            data={**scenario.harvest_data(), "air_kerma_mgy": Decimal(5000)},
        )
    harvest = services.harvest_record(
        encounter=encounter, by=staff["physician"], data=scenario.harvest_data(aspirate_ml="140")
    )
    assert harvest.warnings and "outside the expected 30-120" in harvest.warnings[0]
    assert encounter.containers.get().kind == "aspirate"


def test_anaesthetic_mixed_into_the_injectate_is_recorded_and_counted(
    encounter, walk, staff
) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    services.injection_record(
        encounter=encounter,
        by=staff["physician"],
        syringe_scan=scenario.scanned(scenario.syringe(encounter)),
        data=scenario.injection_data(
            encounter,
            anaesthetic_percent=Decimal("1"),
            anaesthetic_ml=Decimal("2"),
            co_injectate="PRP 2 mL",
        ),
    )
    mixed = LidocaineEntry.objects.get(mixed_into_injectate=True)
    assert mixed.mg == 20
    encounter.refresh_from_db()
    assert encounter.state == S.INJECTED and encounter.plan.status == "treated"


def test_a_wrong_site_is_refused_at_injection(encounter, walk, staff) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    with pytest.raises(SafetyRefusal, match="WRONG SITE"):
        services.injection_record(
            encounter=encounter,
            by=staff["physician"],
            syringe_scan=scenario.scanned(scenario.syringe(encounter)),
            data=scenario.injection_data(encounter, laterality="right"),
        )
