"""Lab services: DINs, custody, processing refusals, release and verification, late results."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal
from marrowtrack.core.models import Counter
from marrowtrack.lab import services
from marrowtrack.lab.isbt128 import check_character
from marrowtrack.lab.models import Container, LateResult
from marrowtrack.procedures import services as day
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_dins_use_the_facility_code_year_and_a_never_reused_sequence(clinic) -> None:
    now = clock.now()
    first = services.din_allocate(clinic=clinic, at=now)
    second = services.din_allocate(clinic=clinic, at=now)
    year = f"{now.year % 100:02d}"
    assert first == f"{clinic.facility_code}{year}000001" and second.endswith("000002")
    assert Counter.objects.get(clinic=clinic, name=f"din-{year}").value == 2
    assert len(check_character(first)) == 1


@override_settings(MARROWTRACK_HOLD_HOURS=2)
def test_expiry_is_the_end_of_harvest_plus_the_configured_hold(encounter, walk) -> None:
    walk(encounter, S.IN_TRANSIT)
    container = encounter.containers.get()
    assert container.expires_at - encounter.harvest.ended_at == timedelta(hours=2)


def test_the_lab_cannot_process_an_aspirate_not_received(encounter, walk, staff) -> None:
    walk(encounter, S.IN_TRANSIT)
    with pytest.raises(DomainError, match="Scan"):
        scenario.services.encounter_transition(
            encounter=encounter, to=S.PROCESSING, by=staff["lab_tech"], data={"seal_intact": True}
        )
    with pytest.raises(SafetyRefusal, match="seal"):
        scenario.services.encounter_transition(
            encounter=encounter,
            to=S.PROCESSING,
            by=staff["lab_tech"],
            data={"din_scan": encounter.containers.get().din, "seal_intact": False},
        )
    assert encounter.containers.get().location == "in_transit"


def test_a_container_not_where_the_record_says_cannot_be_processed(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    Container.objects.filter(encounter=encounter).update(location="procedure_room")
    with pytest.raises(SafetyRefusal, match="Record the hand-off scan"):
        services.run_record(
            encounter=encounter, by=staff["lab_tech"], data=scenario.run_data(encounter.clinic)
        )


def test_an_expired_kit_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic, kit_expires_on=clock.today() - timedelta(days=1))
    with pytest.raises(SafetyRefusal, match="expired"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)


def test_a_centrifuge_past_calibration_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic)
    data["centrifuge"].calibration_due = clock.today() - timedelta(days=1)
    data["centrifuge"].save()
    with pytest.raises(SafetyRefusal, match="calibration"):
        services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)


def test_a_run_computes_rcf_and_lab_values_and_flags_recovery(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(
        encounter.clinic, post_tnc_per_ul=Decimal(300000), concentrate_ml=Decimal(30)
    )
    run = services.run_record(encounter=encounter, by=staff["lab_tech"], data=data)
    assert run.rcf_g == Decimal("1144.8")
    assert run.computed["cf_tnc"] == "10.00"
    assert run.computed["tnc_neat_per_ul"] == "33000"
    assert any("recovery" in flag for flag in run.qc_flags)
    assert run.syringes.get().status == "processed"


def test_release_needs_a_different_verifier_or_a_scan_of_every_label(
    encounter, walk, staff
) -> None:
    walk(encounter, S.PROCESSING)
    run = services.run_record(
        encounter=encounter, by=staff["lab_tech"], data=scenario.run_data(encounter.clinic)
    )
    with pytest.raises(DomainError, match="second person"):
        day.product_release(
            run=run,
            by=staff["lab_tech"],
            password=PASSWORD,
            verifier=staff["lab_tech"],
            verifier_password=PASSWORD,
        )
    with pytest.raises(SafetyRefusal, match="do not match"):
        day.product_release(
            run=run, by=staff["lab_tech"], password=PASSWORD, scans=["T0000" + "26999999"]
        )
    din = run.syringes.get().din
    day.product_release(run=run, by=staff["lab_tech"], password=PASSWORD, scans=[f"={din}00"])
    run.refresh_from_db()
    encounter.refresh_from_db()
    assert run.verification == "scan" and encounter.state == S.RELEASED
    assert run.syringes.get().status == "released"


def test_late_results_are_appended_never_overwritten(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    services.late_result_add(
        run=encounter.run, by=staff["lab_tech"], kind="cfu_f", value="2600", unit="/mL"
    )
    services.late_result_add(
        run=encounter.run,
        by=staff["lab_tech"],
        kind="cfu_f",
        value="2700",
        unit="/mL",
        note="recount",
    )
    assert list(LateResult.objects.values_list("value", flat=True)) == ["2600", "2700"]


def test_unused_product_is_discarded_with_a_reason(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    syringe = scenario.syringe(encounter)
    with pytest.raises(DomainError):
        services.container_discard(container=syringe, by=staff["physician"], reason="")
    services.container_discard(
        container=syringe, by=staff["physician"], reason="Surplus after injection"
    )
    syringe.refresh_from_db()
    assert syringe.status == "discarded" and syringe.location == "discarded"


def test_a_syringe_not_released_cannot_leave_the_lab(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    run = services.run_record(
        encounter=encounter, by=staff["lab_tech"], data=scenario.run_data(encounter.clinic)
    )
    with pytest.raises(SafetyRefusal, match="not released"):
        services.custody_scan(
            by=staff["lab_tech"],
            scan=run.syringes.get().din,
            to_location="procedure_room",
            received_by=staff["nurse"],
            seal_intact=True,
        )


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
