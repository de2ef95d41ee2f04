"""A whole procedure day in a real browser: nurse, physician and lab technologist, from
check-in to discharge, including one refused wrong-syringe scan."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import fill_harvest_form, local_time, login, logout
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _form(page: Page, action: str):
    return page.locator(f"form[action*='{action}']")


def _as(page: Page, url: str, username: str) -> None:
    logout(page)
    login(page, url, username)


def test_a_whole_procedure_day_with_three_roles(page: Page, live_server, make_user, clinic) -> None:
    nurse, doctor, lab = (
        make_user(r, username=u)
        for r, u in ((Role.NURSE, "nurse1"), (Role.PHYSICIAN, "doc1"), (Role.LAB_TECH, "lab1"))
    )
    staff = {"nurse": nurse, "physician": doctor, "lab_tech": lab}
    patient = PatientFactory(clinic=clinic, family_name="Okoye", given_name="Ada")
    scenario.approved_plan(patient, by=doctor)
    scenario.kit_lot_for(clinic)
    other = scenario.check_in(
        scenario.approved_plan(PatientFactory(clinic=clinic), by=doctor), nurse
    )
    scenario.walk_to(other, S.RELEASED, staff, PASSWORD)
    url = live_server.url

    login(page, url, "nurse1")
    page.get_by_role("link", name="Procedure day", exact=True).click()
    page.get_by_role("link", name="Check a patient in").click()
    page.get_by_label("Name (as the patient states it)").fill("Ada Okoye")
    page.get_by_label("Date of birth (as the patient states it)").fill(str(patient.date_of_birth))
    page.get_by_label("Temperature today (°C)").fill("36.8")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("is checked in")).to_be_visible()
    encounter_url = page.url
    form = _form(page, "/step/pre_assessed/")
    for label in (
        "Vital signs recorded",
        "Medications reviewed",
        "Pregnancy status",
        "Eligibility unchanged",
    ):
        form.get_by_label(label).check()
    form.get_by_role("button").click()
    expect(page.get_by_text("Recorded: Pre-assessed")).to_be_visible()

    _as(page, url, "doc1")
    page.goto(encounter_url)
    form = _form(page, "/step/consented/")
    form.get_by_label("Patient confirms the signed consent").check()
    form.get_by_label("Target and laterality confirmed").check()
    form.get_by_label("Harvest side").select_option("l_pic")
    form.get_by_role("button").click()
    form = _form(page, "/step/site_marked/")
    form.get_by_label("Harvest site marked").check()
    form.get_by_label("Injection target marked").check()
    form.get_by_role("button").click()
    form = _form(page, "/step/timeout_1/")
    for checkbox in form.locator("input[type=checkbox]").all():
        checkbox.check()
    form.get_by_label("Your password (to sign)").fill(PASSWORD)
    form.get_by_label("Team member 2: username").fill("nurse1")
    form.get_by_label("Team member 2: password").fill(PASSWORD)
    form.get_by_role("button").click()
    expect(page.get_by_text("Recorded: Time-out 1")).to_be_visible()
    form = _form(page, "/lidocaine/")
    form.get_by_label("Volume (mL)").fill("10")
    form.get_by_role("button").click()
    expect(page.locator("#remaining-plain")).to_contain_text("200.0 mg plain")
    _form(page, "/step/local_anesthesia/").get_by_role("button").click()
    _form(page, "/step/harvesting/").get_by_role("button").click()
    page.get_by_role("link", name="Record the harvest").click()
    fill_harvest_form(page, extra={"air_kerma_mgy": "3"})
    page.get_by_role("button", name="Record harvest").click()
    expect(page.get_by_text("Harvest recorded")).to_be_visible()

    encounter = ProcedureEncounter.objects.get(patient=patient)
    aspirate = encounter.containers.get().din
    _as(page, url, "nurse1")
    page.goto(encounter_url)
    form = _form(page, "/step/in_transit/")
    form.get_by_label("Scan the aspirate DIN").fill(f"={aspirate}00")
    form.get_by_label("Seal intact").check()
    form.get_by_role("button").click()
    expect(page.get_by_text("Recorded: In transit")).to_be_visible()

    _as(page, url, "lab1")
    page.get_by_role("link", name="Lab", exact=True).click()
    form = _form(page, f"/{encounter.public_id}/receive/")
    form.get_by_label("Scan the aspirate DIN").fill(f"]C0={aspirate}00")
    form.get_by_label("Seal intact").check()
    form.get_by_role("button").click()
    for name, value in (
        ("rpm", "3200"),
        ("spin_minutes", "15"),
        ("concentrate_ml", "8"),
        ("pre_tnc_per_ul", "30"),
        ("post_tnc_per_ul", "150"),
        ("started_at", local_time()),
        ("ended_at", local_time()),
    ):
        page.locator(f"[name={name}]").fill(value)
    page.locator("[name=kit_lot]").select_option(index=1)
    page.locator("[name=centrifuge]").select_option(index=1)
    page.get_by_role("button", name="Record processing").click()
    expect(page.get_by_text("Processing recorded")).to_be_visible()
    form = _form(page, "/release/")
    form.get_by_label("Your password (to sign)").fill(PASSWORD)
    form.get_by_label("Verifier (second person): username").fill("nurse1")
    form.get_by_label("Verifier: password").fill(PASSWORD)
    syringe = scenario.syringe(encounter)
    form.locator("[name=scans]").fill(scenario.scanned(syringe))
    form.get_by_role("button").click()
    expect(page.get_by_text("Product released")).to_be_visible()
    page.get_by_role("link", name="Lab", exact=True).click()
    form = _form(page, "/handoff/")
    form.get_by_label("Scan the syringe DIN (or its 2-D code)").fill(scenario.scanned(syringe))
    form.get_by_label("Received by (username)").fill("doc1")
    form.get_by_label("Receiver: password").fill(PASSWORD)
    form.get_by_label("Seal intact").check()
    form.get_by_role("button").click()
    expect(page.get_by_text("Hand-off to the procedure room recorded")).to_be_visible()

    _as(page, url, "doc1")
    page.goto(encounter_url)
    page.get_by_role("link", name="Open the bedside page").click()
    form = _form(page, "/bedside/verify/")
    form.get_by_label("Your password (to sign)").fill(PASSWORD)
    form.get_by_label("Scan the patient's wristband").fill(patient.mrn)
    form.get_by_label("Scan the syringe DIN (or its 2-D code)").fill(
        scenario.scanned(scenario.syringe(other))
    )
    form.get_by_label("Patient stated name and date of birth").check()
    form.get_by_label("Second clinician: username").fill("nurse1")
    form.get_by_label("Second clinician: password").fill(PASSWORD)
    form.get_by_role("button").click()
    expect(page.locator("#refusal")).to_contain_text("ANOTHER PATIENT")
    form = _form(page, "/bedside/verify/")
    form.get_by_label("Your password (to sign)").fill(PASSWORD)
    form.get_by_label("Scan the patient's wristband").fill(patient.mrn)
    form.get_by_label("Scan the syringe DIN (or its 2-D code)").fill(scenario.scanned(syringe))
    form.get_by_label("Patient stated name and date of birth").check()
    form.get_by_label("Second clinician: username").fill("nurse1")
    form.get_by_label("Second clinician: password").fill(PASSWORD)
    form.get_by_role("button").click()
    expect(page.get_by_text("Bedside verification complete")).to_be_visible()
    form = _form(page, "/bedside/inject/")
    form.get_by_label("Scan the syringe DIN again (or its 2-D code)").fill(
        scenario.scanned(syringe)
    )
    form.get_by_label("Volume injected (mL)").fill("7")
    form.get_by_role("button").click()
    expect(page.get_by_text("Injection recorded")).to_be_visible()

    _as(page, url, "nurse1")
    page.goto(encounter_url)
    form = _form(page, "/step/recovery/")
    form.get_by_label("Harvest and injection dressings dry and intact").check()
    form.get_by_label("Vital signs stable").check()
    form.get_by_role("button").click()
    scenario.recovered(encounter)  # the minimum time in recovery has passed
    page.goto(encounter_url)
    form = _form(page, "/step/discharged/")
    for checkbox in form.locator("input[type=checkbox]").all():
        checkbox.check()
    form.get_by_label("Blood pressure at discharge (e.g. 120/80)").fill("124/78")
    form.get_by_label("Pulse at discharge (/min)").fill("72")
    form.get_by_role("button").click()
    expect(page.get_by_text("Recorded: Discharged")).to_be_visible()
    encounter.refresh_from_db()
    assert encounter.state == S.DISCHARGED
    assert encounter.bedside_checks.filter(accepted=False).count() == 1
