"""The cases issues 8 and 9 name, run end to end through the services as a clinic would
meet them. Each failed on the code before this change (see docs/decisions/0005)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from marrowtrack.intake import documents, gates
from marrowtrack.intake.models import Consent
from marrowtrack.intake.services import booking, plans, screening
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services.holds import medication_hold_record
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.intake.tests.factories import LabValueFactory, PriorFactory
from marrowtrack.testing.factories import PASSWORD, MedicationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _codes(plan, staff) -> set[str]:
    result = screening.screening_run(plan=plan, by=staff["nurse"])
    return {f["code"] for f in result.hard_stops}


def test_issue_8_warfarin_with_no_inr_at_a_disc_is_a_hard_stop_before_the_day(
    make_plan, staff, facility
) -> None:
    plan = make_plan(target="disc", target_level="L4-L5", laterality="midline", status="approved")
    MedicationFactory(
        patient=plan.patient, name="Warfarin", drug_class="anticoagulant", agent="warfarin"
    )
    booking.appointment_book(
        plan=plan,
        by=staff["nurse"],
        starts_at=at(MONDAY + timedelta(days=8), 9),  # after the 5-day warfarin hold
        team=facility.team(),
    )
    with_no_inr = _codes(plan, staff)
    assert "inr_on_warfarin" not in with_no_inr  # 8 days ahead: the INR is not due yet
    medication_hold_record(
        plan=plan,
        by=staff["physician"],
        medication=plan.patient.medications.get(),
        last_dose_on=MONDAY + timedelta(days=1),
        restart_on=None,
        prescriber="Dr Mensah",
        password=PASSWORD,
    )
    with time_machine.travel(at(MONDAY + timedelta(days=4), 8), tick=False):
        assert "inr_on_warfarin" in _codes(plan, staff)
        LabValueFactory(
            patient=plan.patient,
            test="inr",
            unit="ratio",
            value="1.6",
            taken_on=MONDAY + timedelta(days=4),
        )
        assert "inr_on_warfarin" in _codes(plan, staff)  # 1.6 is above 1.5 for a disc
        LabValueFactory(
            patient=plan.patient,
            test="inr",
            unit="ratio",
            value="1.2",
            taken_on=MONDAY + timedelta(days=4),
        )
        assert "inr_on_warfarin" not in _codes(plan, staff)


def test_issue_8_platelets_15_at_a_facet_stop_a_cortisone_injection(make_plan, staff) -> None:
    plan = make_plan(
        treatment="csi",
        target="facet",
        target_level="L4-L5",
        laterality="midline",
        injectate_drug="Triamcinolone",
        dose_mg=40,
        volume_ml=2,
        guidance="fluoro",
        harvest_side="",
    )
    LabValueFactory(patient=plan.patient, value=15, taken_on=MONDAY)
    assert "platelets_below_needle_floor" in _codes(plan, staff)


def test_issue_8_a_15_year_old_is_not_eligible(staff, clinic) -> None:
    from marrowtrack.intake.tests.factories import PlanFactory

    teenager = PatientFactory(clinic=clinic, date_of_birth=date(2011, 1, 15))
    plan = PlanFactory(patient=teenager, created_by=staff["nurse"])
    assert "age_below_minimum" in _codes(plan, staff)


def test_issue_8_a_subacromial_steroid_3_weeks_before_a_rotator_cuff_bmac_stops_it(
    make_plan, staff
) -> None:
    earlier = make_plan(condition="shoulder", target="subacromial", kellgren_lawrence_grade=None)
    PriorFactory(plan=earlier, target="subacromial", given_on=MONDAY - timedelta(days=21))
    plan = make_plan(condition="shoulder", target="rotator_cuff", kellgren_lawrence_grade=None)
    assert "steroid_injection_same_target" in _codes(plan, staff)


def test_issue_8_cortisone_instructions_have_no_bmac_lines_and_all_warning_signs(
    make_plan, staff, facility, clinic
) -> None:
    from marrowtrack.intake.models import IntakeSettings

    IntakeSettings.objects.create(clinic=clinic, after_hours_phone="555 0199")
    plan = make_plan(
        status="approved",
        treatment="csi",
        injectate_drug="Triamcinolone",
        dose_mg=40,
        volume_ml=5,
        guidance="us",
        harvest_side="",
    )
    MedicationFactory(patient=plan.patient, name="Ibuprofen", drug_class="nsaid")
    booking.appointment_book(
        plan=plan,
        by=staff["nurse"],
        starts_at=at(MONDAY + timedelta(days=1), 14),
        team=facility.team(room=facility.plain_room, centrifuge=None, lab_tech=None),
    )
    data = documents.plan_instructions(plan)
    before = " ".join(data.items)
    for absent in ("NSAID", "gown", "drive you home", "marrow", "2 to 3 hours"):
        assert absent not in before
    assert data.computed.medications == ()
    assert "blood sugar" in " ".join(data.computed.after_care)
    signs = data.computed.warning_signs
    assert "after hours 555 0199" in signs.how_to_call
    assert "Chest pain." in signs.call_emergency


def test_issue_9_booking_inside_the_nsaid_hold_is_refused(approved_plan, facility, staff):
    MedicationFactory(patient=approved_plan.patient, name="Ibuprofen", drug_class="nsaid")
    with pytest.raises(booking.BookingRefused, match="Ibuprofen needs 7 NSAID-free days"):
        booking.appointment_book(
            plan=approved_plan,
            by=staff["front_desk"],
            starts_at=at(MONDAY + timedelta(days=3), 9),
            team=facility.team(),
        )


def test_issue_9_a_plan_edited_after_consent_is_refused_at_the_gate(make_plan, staff) -> None:
    plan = make_plan()
    screening.screening_run(plan=plan, by=staff["nurse"])
    screening.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    plans.plan_update(
        plan=plan, by=staff["nurse"], data={"laterality": "right"}, version=plan.version
    )
    plan.refresh_from_db()
    assert plan.consents.get().status == Consent.Status.INVALIDATED
    assert gates.procedure_blockers(plan)
