"""No service path records an injection of a product into a patient other than its donor."""

from __future__ import annotations

import itertools

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import SafetyRefusal
from marrowtrack.demo import procedures as demo
from marrowtrack.demo.context import DemoContext
from marrowtrack.lab.models import Container
from marrowtrack.procedures import services
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory


@pytest.fixture
def demo_day(clinic, staff, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PASSWORD", PASSWORD)
    ctx = DemoContext(seed=1, patients=12, today=None, rng=__import__("random").Random(1))
    ctx.clinic = clinic
    ctx.staff = {
        "desk": staff["front_desk"],
        "nurse": staff["nurse"],
        "doctor": staff["physician"],
        "lab": staff["lab_tech"],
    }
    patients = [PatientFactory(clinic=clinic) for _ in demo.TODAY]
    return demo.seed_today(ctx, patients)


def _products(encounters):
    """Every container of the day: each patient's own aspirate and concentrate."""
    return {e.pk: list(Container.objects.filter(encounter=e)) for e in encounters}


def test_a_swapped_syringe_is_refused_for_every_ordered_pair_of_demo_day_patients(
    demo_day, staff
) -> None:
    products = _products(demo_day)
    with_product = [e for e in demo_day if products[e.pk]]
    assert len(demo_day) >= 8 and len(with_product) >= 5
    pairs = 0
    for patient_enc, donor_enc in itertools.permutations(demo_day, 2):
        for container in products[donor_enc.pk]:
            with pytest.raises(SafetyRefusal, match="ANOTHER PATIENT"):
                scenario.verify(
                    patient_enc, staff, PASSWORD, syringe_scan=scenario.scanned(container)
                )
            pairs += 1
    assert pairs >= len(with_product) * (len(demo_day) - 1)
    for injection in Injection.objects.select_related("container", "encounter"):
        assert injection.container.patient_id == injection.encounter.patient_id


def test_a_swapped_syringe_is_refused_at_injection_even_with_a_verified_syringe(
    clinic, staff
) -> None:
    a = scenario.check_in(
        scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]), staff["nurse"]
    )
    b = scenario.check_in(
        scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]), staff["nurse"]
    )
    scenario.walk_to(a, S.BEDSIDE_VERIFIED, staff, PASSWORD)
    scenario.walk_to(b, S.RELEASED, staff, PASSWORD)
    with pytest.raises(SafetyRefusal, match="ANOTHER PATIENT"):
        services.injection_record(
            encounter=a,
            by=staff["physician"],
            syringe_scan=scenario.scanned(scenario.syringe(b)),
            data=scenario.injection_data(a),
        )
    assert not Injection.objects.exists()


def test_a_refused_scan_is_kept_and_audited_as_refused(encounter, walk, staff, clinic) -> None:
    other = scenario.check_in(
        scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]), staff["nurse"]
    )
    walk(encounter, S.RELEASED)
    walk(other, S.RELEASED)
    with pytest.raises(SafetyRefusal) as refused:
        scenario.verify(
            encounter, staff, PASSWORD, syringe_scan=scenario.scanned(scenario.syringe(other))
        )
    message = refused.value.message
    assert "STOP" in message and "ANOTHER PATIENT" in message
    assert other.patient.family_name not in message and other.patient.mrn not in message
    check = BedsideCheck.objects.get(accepted=False)
    assert check.container == scenario.syringe(other)
    refusal = AuditEvent.objects.filter(action="refused").latest("sequence")
    assert refusal.patient_id == str(encounter.patient.public_id)
    encounter.refresh_from_db()
    assert encounter.state == S.RELEASED


def test_the_wrong_wristband_is_refused(encounter, walk, staff, clinic) -> None:
    walk(encounter, S.RELEASED)
    with pytest.raises(SafetyRefusal, match="WRONG WRISTBAND"):
        scenario.verify(encounter, staff, PASSWORD, wristband_scan="MT9999999")


def test_the_wrong_side_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    with pytest.raises(SafetyRefusal, match="WRONG SITE"):
        scenario.verify(encounter, staff, PASSWORD, laterality="right")


def test_an_expired_product_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    Container.objects.filter(encounter=encounter).update(expires_at=encounter.checked_in_at)
    with pytest.raises(SafetyRefusal, match="EXPIRED"):
        scenario.verify(encounter, staff, PASSWORD)


def test_a_product_not_released_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    Container.objects.filter(encounter=encounter, kind="concentrate").update(status="processed")
    with pytest.raises(SafetyRefusal, match="not released"):
        scenario.verify(encounter, staff, PASSWORD)


def test_a_product_still_recorded_in_the_lab_is_refused(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    Container.objects.filter(encounter=encounter, kind="concentrate").update(location="lab")
    with pytest.raises(SafetyRefusal, match="hand-off"):
        scenario.verify(encounter, staff, PASSWORD)


def test_the_aspirate_tube_is_not_a_product(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    aspirate = encounter.containers.get(kind="aspirate")
    with pytest.raises(SafetyRefusal, match="aspirate tube"):
        scenario.verify(encounter, staff, PASSWORD, syringe_scan=scenario.scanned(aspirate))


def test_verification_needs_a_second_different_clinician(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    from marrowtrack.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        scenario.verify(encounter, staff, PASSWORD, second_person=staff["physician"])
    with pytest.raises(ValidationFailed):
        scenario.verify(encounter, staff, PASSWORD, second_person=staff["lab_tech"])
