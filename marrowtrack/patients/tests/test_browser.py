"""Real-browser walks through the patient record (headless Chromium via Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.patients.models import Medication, Patient
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import MedicationFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_registers_finds_and_edits_medications(
    page: Page, live_server, make_user
) -> None:
    make_user(Role.FRONT_DESK, username="desk1")
    login(page, live_server.url, "desk1")

    page.get_by_role("link", name="Register a patient").first.click()
    page.get_by_label("Family name").fill("Valdés")
    page.get_by_label("Given name").fill("Marisol")
    page.get_by_label("Date of birth").fill("1961-04-12")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Condition referred for").select_option("knee_oa")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("registered with MRN")).to_be_visible()

    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Name, MRN or date of birth").fill("valdes mari")
    expect(page.locator("#results").get_by_role("link", name="VALDÉS, Marisol")).to_be_visible()
    page.locator("#results").get_by_role("link", name="VALDÉS, Marisol").click()

    page.get_by_role("link", name="Add medication").click()
    page.get_by_label("Name").fill("Naproxen")
    page.get_by_label("Class").select_option("nsaid")
    page.get_by_label("Dose").fill("500 mg twice daily")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="NSAID (anti-inflammatory)")).to_be_visible()

    page.get_by_role("link", name="Edit Naproxen").click()
    page.get_by_label("Stopped on (blank if still taking)").fill("2026-01-02")
    page.get_by_label("Started on").fill("2026-01-10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The stop date is before the start date.")).to_be_visible()
    page.get_by_label("Started on").fill("2025-12-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The medication was updated.")).to_be_visible()

    patient = Patient.objects.get(family_name="Valdés")
    medication = Medication.objects.get(patient=patient)
    assert str(medication.stopped_on) == "2026-01-02"


def test_a_nurse_of_another_clinic_cannot_open_the_patient(
    page: Page, live_server, make_user, clinic, other_clinic
) -> None:
    patient = PatientFactory(clinic=clinic, family_name="Hidden", given_name="Harriet")
    MedicationFactory(patient=patient)
    make_user(Role.NURSE, username="outsider_nurse", at=other_clinic)
    login(page, live_server.url, "outsider_nurse")

    response = page.goto(f"{live_server.url}/patients/{patient.public_id}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Harriet")).to_have_count(0)

    page.goto(f"{live_server.url}/patients/?q=hidden")
    expect(page.locator("#results").get_by_text("No patients found")).to_be_visible()
