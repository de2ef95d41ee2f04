"""The bedside service, one syringe at a time: keyed vs scanned labels, the site on the
label, bilateral days, the hold limit by the server's clock, times bounded by the step
before, returning a syringe to the lab, and no syringe left behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.lab.models import Container
from marrowtrack.lab.services import custody_return_to_lab
from marrowtrack.procedures import services
from marrowtrack.procedures.bedside.selectors import delivered_per_target
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.procedures.services.gates import RECOVERY
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilateral(clinic, staff, walk):
    """A bilateral knee day at RELEASED: one syringe labelled LEFT, one RIGHT, both in the
    procedure room."""
    plan = scenario.approved_plan(
        PatientFactory(clinic=clinic), by=staff["physician"], laterality="bilateral"
    )
    return walk(scenario.check_in(plan, staff["nurse"]), S.RELEASED)


def _side(encounter, side):
    return scenario.syringe(encounter, site=("knee", side))


def test_a_typed_13_character_din_at_the_bedside_is_refused(encounter, walk, staff) -> None:
    # Issue 8, item 11, named case: a bare 13-character DIN was accepted as a scan.
    walk(encounter, S.RELEASED)
    syringe = scenario.syringe(encounter)
    with pytest.raises(ValidationFailed) as refused:
        scenario.verify(
            encounter, staff, PASSWORD, syringe_scan=syringe.din, product_scan=syringe.product_code
        )
    assert "needs its boxed check character" in refused.value.errors["syringe_scan"][0]
    assert not BedsideCheck.objects.exists()


def test_a_keyed_din_with_its_check_character_is_accepted_and_recorded_as_keyed(
    encounter, walk, staff
) -> None:
    walk(encounter, S.RELEASED)
    syringe = scenario.syringe(encounter)
    check = scenario.verify(
        encounter,
        staff,
        PASSWORD,
        syringe_scan=f"{syringe.din} {syringe.check_char}",
        product_scan=syringe.product_code,
    )
    assert (check.accepted, check.entry_method) == (True, "keyed")


def test_a_scanned_label_is_recorded_as_scanned(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    assert scenario.verify(encounter, staff, PASSWORD).entry_method == "scanned"


def test_the_din_alone_does_not_say_which_container_it_is(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    with pytest.raises(ValidationFailed) as refused:
        scenario.verify(
            encounter, staff, PASSWORD, syringe_scan=f"={scenario.syringe(encounter).din}00"
        )
    assert "product_scan" in refused.value.errors


def test_each_syringe_of_a_bilateral_day_is_verified_and_injected_on_its_own(
    bilateral, staff
) -> None:
    left, right = _side(bilateral, "left"), _side(bilateral, "right")
    assert left.din == right.din and left.product_code != right.product_code
    scenario.verify(bilateral, staff, PASSWORD, container=left)
    bilateral.refresh_from_db()
    assert bilateral.current == S.BEDSIDE_VERIFIED
    scenario.inject(bilateral, staff, left, volume_ml=Decimal("3.5"))
    bilateral.refresh_from_db()
    assert bilateral.current == S.INJECTED and bilateral.plan.status == "treated"
    scenario.verify(bilateral, staff, PASSWORD, container=right)
    scenario.inject(bilateral, staff, right, volume_ml=Decimal("3.7"))
    bilateral.refresh_from_db()
    assert bilateral.current == S.INJECTED
    sites = set(Injection.objects.values_list("laterality", "volume_ml"))
    assert sites == {("left", Decimal("3.5")), ("right", Decimal("3.7"))}
    assert [c.bedside_check.container for c in Injection.objects.order_by("started_at")] == [
        left,
        right,
    ]


def test_a_syringe_presented_at_the_wrong_side_is_refused_and_kept(bilateral, staff) -> None:
    right = _side(bilateral, "right")
    with pytest.raises(SafetyRefusal, match="WRONG SIDE") as refused:
        scenario.verify(bilateral, staff, PASSWORD, container=right, laterality="left")
    assert "labelled for RIGHT KNEE, not LEFT KNEE" in refused.value.message
    check = BedsideCheck.objects.get(accepted=False)
    assert (check.container, check.laterality) == (right, "left")
    assert AuditEvent.objects.filter(action="refused", reason__contains="WRONG SIDE").exists()
    bilateral.refresh_from_db()
    assert bilateral.current == S.RELEASED


def test_bilateral_is_not_a_site_for_one_syringe(bilateral, staff) -> None:
    with pytest.raises(SafetyRefusal, match="WRONG SITE"):
        scenario.verify(
            bilateral, staff, PASSWORD, container=_side(bilateral, "left"), laterality="bilateral"
        )


def test_a_syringe_verified_for_one_side_cannot_be_injected_into_the_other(
    bilateral, staff
) -> None:
    left = _side(bilateral, "left")
    scenario.verify(bilateral, staff, PASSWORD, container=left)
    with pytest.raises(SafetyRefusal, match="WRONG SIDE"):
        scenario.inject(bilateral, staff, left, laterality="right")
    assert not Injection.objects.exists()


def test_a_syringe_not_verified_at_the_bedside_is_refused_at_injection(bilateral, staff) -> None:
    scenario.verify(bilateral, staff, PASSWORD, container=_side(bilateral, "left"))
    with pytest.raises(SafetyRefusal, match="not verified at the bedside"):
        scenario.inject(bilateral, staff, _side(bilateral, "right"))


def test_a_syringe_is_injected_once(encounter, walk, staff) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    syringe = scenario.syringe(encounter)
    scenario.inject(encounter, staff, syringe)
    with pytest.raises(SafetyRefusal, match="administered"):
        scenario.inject(encounter, staff, syringe)
    assert Injection.objects.count() == 1


def test_the_day_cannot_enter_recovery_with_a_syringe_left(bilateral, staff) -> None:
    left = _side(bilateral, "left")
    scenario.verify(bilateral, staff, PASSWORD, container=left)
    scenario.inject(bilateral, staff, left)
    bilateral.refresh_from_db()
    with pytest.raises(ValidationFailed, match="Not injected: .*Right knee"):
        services.encounter_transition(
            encounter=bilateral,
            to=S.RECOVERY,
            by=staff["nurse"],
            data=dict.fromkeys(RECOVERY, True),
        )


def test_cells_and_platelets_delivered_are_computed_per_target(bilateral, staff) -> None:
    run = bilateral.run
    run.post_plt_per_ul = Decimal(900_000)
    run.save(update_fields=["post_plt_per_ul"])
    left, right = _side(bilateral, "left"), _side(bilateral, "right")
    for syringe, volume in ((left, "3.5"), (right, "2")):
        scenario.verify(bilateral, staff, PASSWORD, container=syringe)
        scenario.inject(bilateral, staff, syringe, volume_ml=Decimal(volume))
    rows = {row.site: row for row in delivered_per_target(bilateral)}
    # 150,000 TNC/µL × 1,000 × 3.5 mL; 900,000 platelets/µL × 1,000 × 3.5 mL
    assert (rows["Left knee"].tnc, rows["Left knee"].platelets) == ("5.25 × 10⁸", "3.15 × 10⁹")
    assert rows["Right knee"].tnc == "3.00 × 10⁸" and rows["Right knee"].cd34 == "—"


def test_an_expired_product_cannot_be_injected_by_back_dating_started_at(
    encounter, walk, staff
) -> None:
    # Issue 11, item 2, first attack: verify inside the hold limit, record the injection
    # after expiry with a started_at typed back to before it.
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        walk(encounter, S.BEDSIDE_VERIFIED)
        syringe = scenario.syringe(encounter)
        traveller.move_to(syringe.expires_at + timedelta(minutes=1))
        with pytest.raises(SafetyRefusal, match="EXPIRED"):
            scenario.inject(
                encounter,
                staff,
                syringe,
                started_at=start + timedelta(minutes=1),
                ended_at=start + timedelta(minutes=3),
            )
    assert not Injection.objects.exists()
    assert AuditEvent.objects.filter(action="refused", reason__contains="EXPIRED").exists()


def test_an_injection_cannot_start_before_its_bedside_check_or_end_in_the_future(
    encounter, walk, staff
) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    syringe = scenario.syringe(encounter)
    check_at = encounter.bedside_checks.get().at
    with pytest.raises(ValidationFailed, match="before the syringe was verified"):
        scenario.inject(encounter, staff, syringe, started_at=check_at - timedelta(minutes=2))
    with pytest.raises(ValidationFailed, match="future"):
        scenario.inject(encounter, staff, syringe, ended_at=clock.now() + timedelta(minutes=5))
    # The minute the check happened, as a form can express it, is allowed.
    minute = check_at.replace(second=0, microsecond=0)
    scenario.inject(encounter, staff, syringe, started_at=minute)


def test_after_a_stop_the_syringe_goes_back_to_the_lab(bilateral, staff) -> None:
    right = _side(bilateral, "right")
    with pytest.raises(SafetyRefusal):
        scenario.verify(bilateral, staff, PASSWORD, container=right, laterality="left")
    with pytest.raises(Exception, match="return a syringe"):
        custody_return_to_lab(by=staff["lab_tech"], container=right, reason="wrong side")
    custody_return_to_lab(by=staff["physician"], container=right, reason="Wrong side offered")
    right.refresh_from_db()
    assert (right.location, right.status) == ("in_transit", "released")
    with pytest.raises(DomainError, match="nothing to return"):
        custody_return_to_lab(by=staff["physician"], container=right, reason="again")


def test_the_aspirate_tube_shares_the_din_but_is_not_a_product(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    aspirate = encounter.containers.get(kind=Container.Kind.ASPIRATE)
    assert aspirate.din == scenario.syringe(encounter).din
    with pytest.raises(SafetyRefusal, match="aspirate tube"):
        scenario.verify(encounter, staff, PASSWORD, syringe_scan=scenario.scanned(aspirate))
