"""Browser walk of issue 9's intake part: a right-knee BMAC for a patient on apixaban and
ibuprofen with a chlorhexidine allergy; the booking refused inside the hold; the signed
hold plan; the consent voided when the plan is edited; cortisone instructions."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps

from marrowtrack.accounts.roles import Role
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import Consent, TreatmentPlan, WorkingHours
from marrowtrack.intake.tests.factories import LabValueFactory
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import (
    PASSWORD,
    AllergyFactory,
    ClinicFactory,
    MedicationFactory,
    PatientFactory,
    UserFactory,
    WeightFactory,
)

SHOTS = Path(os.environ.get("MARROWTRACK_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def frozen_time():
    """Real time here: the live server runs in another thread."""
    yield


@pytest.fixture
def world(transactional_db):
    import_module("marrowtrack.intake.migrations.0005_consent_documents_v2").publish_v2(apps, None)
    from marrowtrack.accounts.roles import roles_sync

    roles_sync()
    clinic = ClinicFactory(name="Browser Clinic", phone="555 0100")
    for weekday in range(7):
        WorkingHours.objects.create(clinic=clinic, weekday=weekday, starts="07:00", ends="20:00")
    Room.objects.create(clinic=clinic, name="Fluoro Room", kind="procedure", has_fluoroscopy=True)
    Room.objects.create(clinic=clinic, name="Clinic Room", kind="procedure")
    Equipment.objects.create(clinic=clinic, name="Spinner", kind="centrifuge")
    for role in (Role.PHYSICIAN, Role.NURSE, Role.LAB_TECH):
        UserFactory(clinic=clinic, role=role, username=role, display_name=f"{role} person")
    patient = PatientFactory(
        clinic=clinic, family_name="Ibsen", given_name="Marta", height_cm=Decimal("170")
    )
    WeightFactory(patient=patient, measured_on=date.today(), weight_kg=Decimal("74"))
    LabValueFactory(patient=patient, value=240, taken_on=date.today())
    MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    MedicationFactory(patient=patient, name="Ibuprofen", drug_class="nsaid")
    AllergyFactory(patient=patient, category="antiseptic", substance="Chlorhexidine")
    return patient


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"intake-{name}.png"), full_page=True)


def _plan(page, url: str, patient, **choices: str) -> None:
    page.goto(f"{url}/plans/new/{patient.public_id}/")
    for field, value in choices.items():
        locator = page.locator(f"#id_{field}")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)
    page.get_by_role("button", name="Start plan").click()
    page.get_by_text("Treatment plan started.").wait_for()


def _approve(page) -> None:
    page.get_by_role("button", name="Run screening").click()
    page.get_by_text("Screening result: Needs review.").wait_for()
    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("Approved for treatment").check()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    page.get_by_text("Decision signed.").wait_for()


@pytest.mark.browser
def test_the_hold_the_consent_and_the_instructions_follow_the_patient(live_server, page, world):
    url, patient = live_server.url, world
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, url, "physician", PASSWORD)
    _plan(
        page,
        url,
        patient,
        condition="knee_oa",
        target="knee",
        laterality="right",
        treatment="bmac",
        harvest_side="left",
        harvest_anticoagulant="acd_a",
        kellgren_lawrence_grade="3",
    )
    _approve(page)
    for flag in (
        "Antiseptic allergy (Chlorhexidine)",
        "Apixaban (anticoagulant, ongoing)",
        "NSAID Ibuprofen",
    ):
        assert page.get_by_text(flag).count() >= 1, flag
    assert page.get_by_text("Safety limits for this plan").is_visible()
    _shot(page, "plan-safety")

    # Three days ahead is inside both holds: the page says so and the booking is refused.
    soon = date.today() + timedelta(days=3)
    page.get_by_role("link", name="Book appointment").click()
    page.locator("#slot-day").fill(soon.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_text("is inside a medication hold").wait_for()
    assert page.get_by_role("button", name="Book 09:00").count() == 0  # no slot offered
    page.locator("#id_day").fill(soon.isoformat())
    page.locator("#id_time").fill("09:00")
    for field in ("room", "physician", "nurse", "centrifuge", "lab_tech"):
        page.locator(f"#id_{field}").select_option(index=1)
    page.get_by_role("button", name="Book", exact=True).click()
    page.get_by_text("Cannot book inside a medication hold").wait_for()
    _shot(page, "booking-refused")
    assert not TreatmentPlan.objects.get().appointments.exists()

    # The prescriber's hold for apixaban, signed for the day it is booked on (a hold plan
    # is for one day, ADR 0024); ibuprofen still needs its 7 days.
    later = date.today() + timedelta(days=9)
    page.goto(f"{url}{TreatmentPlan.objects.get().get_absolute_url()}")
    page.get_by_role("link", name="Record a hold plan").click()
    page.locator("#id_medication").select_option(label="Apixaban (Anticoagulant)")
    page.locator("#id_procedure_on").fill(later.isoformat())
    page.locator("#id_last_dose_on").fill((date.today() + timedelta(days=4)).isoformat())
    page.locator("#id_restart_on").fill((date.today() + timedelta(days=10)).isoformat())
    page.locator("#id_prescriber").fill("Dr A. Mensah, cardiology")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign hold plan").click()
    page.get_by_text("Hold plan recorded and signed.").wait_for()

    page.get_by_role("link", name="Book appointment").click()
    page.locator("#slot-day").fill(later.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_role("button", name="Book 09:00").click()
    page.get_by_text("Appointment booked.").wait_for()

    # Consent on the tablet, then the plan is edited: the consent no longer stands.
    page.get_by_role("button", name="Take consent on the tablet").click()
    page.locator("#id_typed_name").fill("Marta Ibsen")
    page.get_by_label("sign by clicking here instead").check()
    page.get_by_role("button", name="Sign consent").click()
    # Patient mode: the presenter takes the tablet back, a colleague witnesses.
    page.get_by_role("link", name="Staff: take the tablet back").first.click()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Leave patient mode").click()
    page.locator("#id_username").fill("nurse")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as witness").click()
    page.get_by_text("Consent witnessed").wait_for()
    page.goto(f"{url}{TreatmentPlan.objects.get().get_absolute_url()}")
    page.get_by_role("link", name="Edit plan").click()
    page.locator("#id_laterality").select_option("left")
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text("Plan saved.").wait_for()
    page.get_by_text("changed from right to left after consent").first.wait_for()
    _shot(page, "consent-voided")
    assert Consent.objects.get().status == Consent.Status.INVALIDATED
    assert TreatmentPlan.objects.get().status == TreatmentPlan.Status.DRAFT


@pytest.mark.browser
def test_cortisone_instructions_show_after_care_and_warning_signs_only(live_server, page, world):
    url, patient = live_server.url, world
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, url, "physician", PASSWORD)
    _plan(
        page,
        url,
        patient,
        condition="knee_oa",
        target="knee",
        laterality="right",
        treatment="csi",
        guidance="us",
        injectate_drug="Triamcinolone acetonide",
        dose_mg="40",
        volume_ml="5",
        kellgren_lawrence_grade="3",
    )
    _approve(page)
    page.get_by_role("link", name="Book appointment").click()
    page.locator("#slot-day").fill((date.today() + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_role("button", name="Book 14:00").click()
    page.get_by_text("Appointment booked.").wait_for()
    page.get_by_role("link", name="Patient instructions").click()
    body = page.locator("main").inner_text()
    _shot(page, "cortisone-instructions")
    assert "NSAID" not in body and "gown" not in body and "drive you home" not in body
    assert "blood sugar" in body
    assert "Call your emergency number now" in body
    assert "A temperature of 38.0 °C (100.4 °F) or more." in body
