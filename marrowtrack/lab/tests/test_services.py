"""Lab services: DINs and product codes, expiry, custody, processing, units and
plausibility, release by two people scanning every label, late results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Counter
from marrowtrack.facilities.models import KitLot
from marrowtrack.lab import services
from marrowtrack.lab.isbt128 import check_character
from marrowtrack.lab.models import Container, LateResult, ProcessingRun
from marrowtrack.procedures import services as day
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _recorded(encounter, walk, staff, **overrides):
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic, **overrides)
    return services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)


def _release(run, staff, **overrides):
    args = {
        "run": run,
        "by": staff["lab_tech"],
        "password": PASSWORD,
        "verifier": staff["nurse"],
        "verifier_password": PASSWORD,
        "scans": scenario.label_scans(run),
    }
    return day.product_release(**{**args, **overrides})


# --- DINs, product codes, expiry -------------------------------------------------------


def test_dins_use_the_facility_code_year_and_a_never_reused_sequence(clinic) -> None:
    now = clock.now()
    first = services.din_allocate(clinic=clinic, at=now)
    second = services.din_allocate(clinic=clinic, at=now)
    year = f"{clock.localtime(now, clinic).year % 100:02d}"
    assert first == f"{clinic.facility_code}{year}000001" and second.endswith("000002")
    assert Counter.objects.get(clinic=clinic, name=f"din-{year}").value == 2
    assert len(check_character(first)) == 1


def test_the_din_year_is_the_clinics_local_year_on_new_years_eve(clinic) -> None:
    # 04:30 UTC on 1 January is still 31 December in New York.
    din = services.din_allocate(clinic=clinic, at=datetime(2027, 1, 1, 4, 30, tzinfo=UTC))
    assert din[5:7] == "26"


def test_a_clinic_whose_facility_code_is_not_a_fin_gets_no_din(db) -> None:
    clinic = ClinicFactory(facility_code="O1234")
    with pytest.raises(DomainError, match="one capital letter other than O"):
        services.din_allocate(clinic=clinic, at=clock.now())


@override_settings(MARROWTRACK_HOLD_HOURS=2)
def test_expiry_is_the_end_of_harvest_plus_the_configured_hold(encounter, walk) -> None:
    walk(encounter, S.IN_TRANSIT)
    container = encounter.containers.get()
    assert container.expires_at - encounter.harvest.ended_at == timedelta(hours=2)


def test_a_harvest_dated_48_hours_ahead_cannot_push_the_expiry_out(encounter, staff) -> None:
    # Issue 11, item 2: expiry is computed from the server-recorded time of the harvest.
    now = clock.now()
    harvest = SimpleNamespace(
        aspirate_ml=Decimal(60),
        anticoagulant="acd_a",
        anticoagulant_ml=Decimal(6),
        ended_at=now + timedelta(hours=48),
        get_side_display=lambda: "Left posterior iliac crest",
    )
    with transaction.atomic():
        container = services.aspirate_create(
            encounter=encounter, harvest=harvest, by=staff["physician"]
        )
    assert container.collected_at <= clock.now()
    assert container.expires_at <= clock.now() + timedelta(hours=services.hold_hours())


def test_the_aspirate_and_every_syringe_share_the_harvests_din(clinic, staff, walk) -> None:
    plan = scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"])
    plan.laterality = "bilateral"
    plan.save(update_fields=["laterality"])
    encounter = scenario.check_in(plan, staff["nurse"])
    run = _recorded(encounter, walk, staff, syringes=2)
    aspirate = encounter.containers.get(kind="aspirate")
    syringes = list(run.syringes.order_by("product_code"))
    assert {s.din for s in syringes} == {aspirate.din}
    assert aspirate.product_code == "DBMA1100"
    assert [(s.product_code, s.laterality) for s in syringes] == [
        ("DBMC11A0", "left"),
        ("DBMC11B0", "left"),
        ("DBMC11C0", "right"),
        ("DBMC11D0", "right"),
    ]
    assert all(s.target == "knee" for s in syringes)


def test_a_single_syringe_is_not_divided_and_heparin_has_its_own_codes(
    encounter, walk, staff
) -> None:
    walk(encounter, S.LOCAL_ANESTHESIA)
    day.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    data = {**scenario.harvest_data(), "anticoagulant": "heparin"}
    day.harvest_record(encounter=encounter, by=staff["physician"], data=data)
    assert encounter.containers.get().product_code == "DBMA2100"
    run = _recorded(encounter, walk, staff)
    assert run.syringes.get().product_code == "DBMC2100"


def test_a_din_alone_is_ambiguous_once_the_aspirate_is_divided(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(DomainError, match="scan the product code barcode too"):
        services.container_for_entry(
            clinic_id=encounter.clinic_id, din_entry=f"={run.aspirate.din}00"
        )
    found, read = services.container_for_entry(
        clinic_id=encounter.clinic_id, din_entry=scenario.scanned(run.syringes.get())
    )
    assert found == run.syringes.get() and read.method == "scanned"


# --- Receipt and processing ------------------------------------------------------------


def test_the_lab_cannot_process_an_aspirate_not_received(encounter, walk, staff) -> None:
    walk(encounter, S.IN_TRANSIT)
    din = encounter.containers.get().din
    with pytest.raises(ValidationFailed, match="Scan"):
        day.encounter_transition(
            encounter=encounter, to=S.PROCESSING, by=staff["lab_tech"], data={"seal_intact": True}
        )
    with pytest.raises(SafetyRefusal, match="seal"):
        day.encounter_transition(
            encounter=encounter,
            to=S.PROCESSING,
            by=staff["lab_tech"],
            data={"din_scan": f"={din}00", "seal_intact": False},
        )
    assert encounter.containers.get().location == "in_transit"


def test_receipt_records_whether_the_label_was_scanned_or_keyed(encounter, walk, staff) -> None:
    walk(encounter, S.IN_TRANSIT)
    din = encounter.containers.get().din
    day.encounter_transition(
        encounter=encounter,
        to=S.PROCESSING,
        by=staff["lab_tech"],
        data={"din_scan": din + check_character(din), "seal_intact": True},
    )
    events = list(encounter.containers.get().custody.order_by("at"))
    assert [e.entry_method for e in events] == ["scanned", "keyed"]


def test_a_container_not_where_the_record_says_cannot_be_processed(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    Container.objects.filter(encounter=encounter).update(location="procedure_room")
    with pytest.raises(SafetyRefusal, match="Record the hand-off scan"):
        services.run_record(
            encounter=encounter, by=staff["lab_tech"], data=scenario.run_data(encounter.clinic)
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_on": "past"}, "expired on"),
        ({"status": KitLot.Status.RECALLED, "status_reason": "FSN-22"}, "recalled: FSN-22"),
        ({"quantity_used": 50}, "No kits of lot"),
    ],
)
def test_an_expired_recalled_or_empty_kit_lot_is_refused_and_audited(
    encounter, walk, staff, change, message
) -> None:
    walk(encounter, S.PROCESSING)
    lot = scenario.kit_lot_for(encounter.clinic)
    if change.get("expires_on") == "past":
        change = {"expires_on": clock.today() - timedelta(days=1)}
    KitLot.objects.filter(pk=lot.pk).update(**change)
    data = scenario.run_data(encounter.clinic)
    with pytest.raises(SafetyRefusal, match=message):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)
    assert not ProcessingRun.objects.exists()
    assert KitLot.objects.get(pk=lot.pk).quantity_used == (50 if "No kits" in message else 0)
    assert AuditEvent.objects.filter(action="refused", reason__contains=message).exists()


def test_a_run_takes_one_kit_from_the_lot(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    lot = KitLot.objects.get(pk=run.kit.pk)
    assert (lot.quantity_used, run.kit_lot, run.kit_expires_on) == (1, "KIT-A17", lot.expires_on)


def test_a_kit_lot_of_another_clinic_is_refused(encounter, walk, staff, other_clinic) -> None:
    walk(encounter, S.PROCESSING)
    foreign = scenario.kit_lot_for(other_clinic)
    data = scenario.run_data(encounter.clinic, kit_lot=foreign)
    with pytest.raises(ValidationFailed, match="kit lot of this clinic"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)


def test_a_centrifuge_past_calibration_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic)
    data["centrifuge"].calibration_due = clock.today() - timedelta(days=1)
    data["centrifuge"].save()
    with pytest.raises(SafetyRefusal, match="calibration"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)


def test_a_run_computes_rcf_cf_with_its_basis_and_flags_recovery(encounter, walk, staff) -> None:
    run = _recorded(
        encounter, walk, staff, post_tnc_per_ul=Decimal(300000), concentrate_ml=Decimal(30)
    )
    assert run.rcf_g == Decimal("1144.8")
    assert (run.computed["cf_tnc"], run.computed["cf_tnc_basis"]) == ("10.00", "diluted")
    # Against neat marrow (30,000 × 66 / 60 = 33,000 /µL) the factor is smaller.
    assert run.computed["tnc_neat_per_ul"] == "33000"
    assert run.computed["cf_tnc_neat"] == "9.09"
    assert any("recovery" in flag for flag in run.qc_flags)
    assert run.syringes.get().status == "processed"


def test_counts_typed_in_thousands_per_ul_are_stored_as_cells_per_ul(
    encounter, walk, staff
) -> None:
    # The named case of issue 8, item 14: the analyser prints ×10³/µL.
    run = _recorded(
        encounter,
        walk,
        staff,
        count_unit="10e3_per_ul",
        pre_tnc_per_ul=Decimal("30"),
        post_tnc_per_ul=Decimal("150"),
        pre_plt_per_ul=Decimal("250"),
        post_plt_per_ul=Decimal("1100"),
    )
    assert (run.pre_tnc_per_ul, run.post_tnc_per_ul) == (30000, 150000)
    assert run.computed["total_tnc_aspirate"] == "1980000000"  # 30,000 × 1,000 × 66 mL
    assert run.count_unit == "10e3_per_ul" and run.qc_flags == []


def test_counts_typed_in_thousands_but_marked_cells_per_ul_are_refused(
    encounter, walk, staff
) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(
        encounter.clinic, pre_tnc_per_ul=Decimal(30), post_tnc_per_ul=Decimal(150)
    )
    with pytest.raises(ValidationFailed) as refused:
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)
    assert "If the analyser printed ×10³/µL" in refused.value.errors["pre_tnc_per_ul"][0]
    assert not Container.objects.filter(kind="concentrate").exists()


def test_an_aspirate_count_outside_its_window_is_flagged_but_recorded(
    encounter, walk, staff
) -> None:
    run = _recorded(encounter, walk, staff, pre_tnc_per_ul=Decimal(4999))
    assert any("Aspirate TNC 4,999/µL is below" in flag for flag in run.qc_flags)


def test_cd34_before_processing_differentials_and_rbc_are_recorded(encounter, walk, staff) -> None:
    run = _recorded(
        encounter,
        walk,
        staff,
        pre_cd34_per_ul=Decimal(300),
        post_cd34_per_ul=Decimal(1500),
        pre_rbc_10e6_per_ul=Decimal("3.9"),
        post_rbc_10e6_per_ul=Decimal("2.1"),
        post_lymph_pct=Decimal(30),
        post_mono_pct=Decimal(10),
        post_gran_pct=Decimal(60),
    )
    assert run.computed["cf_cd34"] == "5.00"
    assert run.computed["mnc_post_per_ul"] == "60000"
    assert run.pre_rbc_10e6_per_ul == Decimal("3.90")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"post_lymph_pct": 50, "post_mono_pct": 10, "post_gran_pct": 60}, "post_lymph_pct"),
        ({"pre_cd34_per_ul": Decimal(40000)}, "pre_cd34_per_ul"),
        ({"anticoagulant_ml": Decimal(66)}, "anticoagulant_ml"),
    ],
)
def test_impossible_lab_values_are_refused_naming_the_field(
    encounter, walk, staff, overrides, field
) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic, **overrides)
    with pytest.raises(ValidationFailed) as refused:
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)
    assert field in refused.value.errors


def test_processing_times_lie_between_the_receipt_and_the_server_clock(
    encounter, walk, staff
) -> None:
    walk(encounter, S.PROCESSING)
    now = clock.now()
    future = scenario.run_data(encounter.clinic, ended_at=now + timedelta(minutes=10))
    with pytest.raises(ValidationFailed, match="future"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=future)
    early = scenario.run_data(encounter.clinic, started_at=now - timedelta(hours=2))
    with pytest.raises(ValidationFailed, match="before the aspirate reached the lab"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=early)


# --- Release: two people, every label scanned ----------------------------------------


def test_release_needs_a_verifier(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(ValidationFailed, match="second person checks and scans"):
        _release(run, staff, verifier=None)


def test_the_verifier_must_be_someone_else(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(ValidationFailed, match="not you"):
        _release(run, staff, verifier=staff["lab_tech"])


@pytest.mark.parametrize("role", ["researcher", "front_desk", "clinic_admin"])
def test_a_verifier_without_a_clinical_or_lab_role_is_refused(encounter, walk, staff, role) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(ValidationFailed, match="physician, nurse or lab technologist"):
        _release(run, staff, verifier=staff[role])
    run.refresh_from_db()
    assert run.status == "recorded"


@pytest.mark.parametrize("role", ["physician", "nurse"])
def test_a_physician_or_nurse_may_verify(encounter, walk, staff, role) -> None:
    run = _release(_recorded(encounter, walk, staff), staff, verifier=staff[role])
    assert run.verification == "second_person_scan"


def test_a_second_lab_technologist_may_verify(encounter, walk, staff, make_user) -> None:
    second = make_user("lab_tech")
    run = _release(_recorded(encounter, walk, staff), staff, verifier=second)
    assert run.verification_signature.signer == second


def test_typed_dins_read_from_the_api_do_not_count_as_label_scans(encounter, walk, staff) -> None:
    # Issue 11, item 4: DINs read from GET /lab/specimens and typed are not a scan.
    run = _recorded(encounter, walk, staff)
    syringe = run.syringes.get()
    typed = f"{syringe.din}{syringe.check_char}\n{syringe.product_code}"
    with pytest.raises(ValidationFailed, match="typed, not scanned"):
        _release(run, staff, scans=typed)
    with pytest.raises(ValidationFailed, match="typed, not scanned"):
        _release(run, staff, scans=[syringe.din])
    run.refresh_from_db()
    assert run.status == "recorded"


def test_every_syringe_label_must_be_scanned(clinic, staff, walk) -> None:
    plan = scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"])
    plan.laterality = "bilateral"
    plan.save(update_fields=["laterality"])
    encounter = scenario.check_in(plan, staff["nurse"])
    run = _recorded(encounter, walk, staff)
    first = run.syringes.order_by("product_code").first()
    with pytest.raises(SafetyRefusal, match="1 not scanned"):
        _release(run, staff, scans=scenario.scanned(first))
    with pytest.raises(ValidationFailed, match="product code barcode too"):
        _release(run, staff, scans=f"={first.din}00")
    run = _release(run, staff)
    assert len(run.verification_scans) == 2
    assert set(run.syringes.values_list("status", flat=True)) == {"released"}


def test_a_release_with_a_wrong_verifier_password_signs_nothing(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(DomainError, match="not correct"):
        _release(run, staff, verifier_password="wrong")
    run.refresh_from_db()
    assert (run.status, run.release_signature) == ("recorded", None)


# --- Custody: the receiver authenticates --------------------------------------------


def _released(encounter, walk, staff):
    run = _release(_recorded(encounter, walk, staff), staff)
    return run.syringes.get()


def test_a_hand_off_needs_the_receivers_own_password(encounter, walk, staff) -> None:
    syringe = _released(encounter, walk, staff)
    with pytest.raises(DomainError, match="not correct"):
        services.custody_scan(
            by=staff["lab_tech"],
            din_scan=scenario.scanned(syringe),
            to_location="procedure_room",
            receiver_username=staff["nurse"].username,
            receiver_password="guess",
            seal_intact=True,
        )
    syringe.refresh_from_db()
    assert syringe.location == "lab"
    event = scenario.hand_off(syringe, staff, PASSWORD)
    assert (event.received_by, event.receipt, event.entry_method) == (
        staff["nurse"],
        "password",
        "scanned",
    )


def test_only_a_clinician_receives_a_syringe_in_the_procedure_room(encounter, walk, staff) -> None:
    syringe = _released(encounter, walk, staff)
    with pytest.raises(ValidationFailed, match="Only a"):
        services.custody_scan(
            by=staff["lab_tech"],
            din_scan=scenario.scanned(syringe),
            to_location="procedure_room",
            seal_intact=True,
        )


def test_a_syringe_not_released_cannot_leave_the_lab(encounter, walk, staff) -> None:
    run = _recorded(encounter, walk, staff)
    with pytest.raises(SafetyRefusal, match="not released"):
        scenario.hand_off(run.syringes.get(), staff, PASSWORD)


def test_a_returned_syringe_travels_back_and_is_scanned_into_the_lab(
    encounter, walk, staff
) -> None:
    syringe = _released(encounter, walk, staff)
    scenario.hand_off(syringe, staff, PASSWORD)
    services.custody_return_to_lab(
        by=staff["physician"], container=syringe, reason="Wrong side at the bedside"
    )
    syringe.refresh_from_db()
    assert (syringe.location, syringe.status) == ("in_transit", "released")
    services.custody_scan(
        by=staff["lab_tech"],
        din_scan=scenario.scanned(syringe),
        to_location="lab",
        seal_intact=True,
    )
    syringe.refresh_from_db()
    assert syringe.location == "lab"
    reasons = list(syringe.custody.values_list("reason", flat=True))
    assert "Wrong side at the bedside" in reasons


def test_unused_product_is_discarded_with_a_reason(encounter, walk, staff) -> None:
    syringe = _released(encounter, walk, staff)
    with pytest.raises(DomainError):
        services.container_discard(container=syringe, by=staff["physician"], reason="")
    services.container_discard(
        container=syringe, by=staff["physician"], reason="Surplus after injection"
    )
    syringe.refresh_from_db()
    assert syringe.status == "discarded" and syringe.location == "discarded"


# --- Late results ----------------------------------------------------------------------


def test_late_results_are_appended_never_overwritten(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    for value in ("320", "340"):
        services.late_result_add(run=encounter.run, by=staff["lab_tech"], kind="cd34", value=value)
    assert list(LateResult.objects.values_list("value", flat=True)) == ["320", "340"]


def test_cfu_f_is_computed_per_ml_and_per_million_tnc(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    result = services.late_result_add(
        run=encounter.run,
        by=staff["lab_tech"],
        kind="cfu_f",
        sample="concentrate",
        colonies=18,
        cells_plated=1_000_000,
    )
    # 18 per 10⁶ TNC × 150,000 TNC/µL × 1,000 µL/mL / 10⁶ = 2,700 CFU-F/mL
    assert (result.value, result.unit) == ("2700", "CFU-F/mL")
    assert result.computed["per_10e6_tnc"] == "18.0"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "other", "value": "x" * 10_000, "unit": "u"}, "value"),
        ({"kind": "other", "value": "1", "unit": "u" * 21}, "unit"),
        ({"kind": "cd34", "value": "1", "note": "n" * 201}, "note"),
        ({"kind": "cd34", "value": "abc"}, "value"),
        ({"kind": "cd34", "value": 12}, "value"),
        (
            {"kind": "cfu_f", "sample": "concentrate", "colonies": "many", "cells_plated": 1},
            "colonies",
        ),
        ({"kind": "cfu_f", "colonies": 3, "cells_plated": 10}, "sample"),
        ({"kind": "sterility", "value": "Growth"}, "note"),
        ({"kind": "sterility", "value": "maybe"}, "value"),
        ({"kind": "other", "value": "ok\u202e", "unit": "u"}, "value"),
        ({"kind": "bogus"}, "kind"),
    ],
)
def test_late_result_fields_are_checked_for_length_and_type(
    encounter, walk, staff, data, field
) -> None:
    walk(encounter, S.RELEASED)
    with pytest.raises(ValidationFailed) as refused:
        services.late_result_add(run=encounter.run, by=staff["lab_tech"], **data)
    assert field in refused.value.errors
    assert not LateResult.objects.exists()


# --- Commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(("din", "check"), [("A999914123458", "J"), ("ABCDE27000069", "C")])
def test_the_check_char_command_prints_known_check_characters(din, check, capsys) -> None:
    call_command("isbt128", "check-char", din)
    assert capsys.readouterr().out.strip() == check


def test_the_check_char_command_exits_2_on_a_bad_din(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        call_command("isbt128", "check-char", "A99991412345")
    assert exited.value.code == 2
    assert "not a 13-character DIN" in capsys.readouterr().err


def test_the_validate_command_checks_a_keyed_din(capsys) -> None:
    call_command("isbt128", "validate", "A999914123458J")
    assert "valid" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("isbt128", "validate", "A999914123458K")
