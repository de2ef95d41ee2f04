"""A bilateral knee day in a real browser: two syringes from one harvest, one offered at the
wrong side and refused (the STOP offers "return to lab" first), then each verified and
injected on its own, and what each knee received shown."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MARROWTRACK_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _verify(page: Page, mrn: str, scan: str, site: str) -> None:
    form = page.locator("form[action*='/bedside/verify/']")
    form.get_by_label("Your password (to sign)").fill(PASSWORD)
    form.get_by_label("Scan the patient's wristband").fill(mrn)
    form.get_by_label("Scan the syringe DIN (or its 2-D code)").fill(scan)
    form.get_by_label("Site this syringe goes into").select_option(site)
    form.get_by_label("Patient stated name and date of birth").check()
    form.get_by_label("Second clinician: username").fill("nurse1")
    form.get_by_label("Second clinician: password").fill(PASSWORD)
    form.get_by_role("button").click()


def _inject(page: Page, scan: str, site: str, ml: str) -> None:
    form = page.locator("form[action*='/bedside/inject/']")
    form.get_by_label("Scan the syringe DIN again (or its 2-D code)").fill(scan)
    form.get_by_label("Site this syringe goes into").select_option(site)
    form.get_by_label("Volume injected (mL)").fill(ml)
    form.get_by_role("button").click()


def test_a_bilateral_knee_day_with_two_syringes_one_refused_at_the_wrong_side(
    page: Page, live_server, make_user, clinic
) -> None:
    staff = {
        "nurse": make_user(Role.NURSE, username="nurse1"),
        "physician": make_user(Role.PHYSICIAN, username="doc1"),
        "lab_tech": make_user(Role.LAB_TECH, username="lab1"),
    }
    patient = PatientFactory(clinic=clinic, family_name="Adeyemi", given_name="Tola")
    plan = scenario.approved_plan(patient, by=staff["physician"], laterality="bilateral")
    encounter = scenario.walk_to(
        scenario.check_in(plan, staff["nurse"]), S.RELEASED, staff, PASSWORD
    )
    left = scenario.syringe(encounter, site=("knee", "left"))
    right = scenario.syringe(encounter, site=("knee", "right"))

    login(page, live_server.url, "doc1")
    page.goto(f"{live_server.url}/procedures/{encounter.public_id}/")
    page.get_by_role("link", name="Open the bedside page").click()
    expect(page.locator("table.syringes")).to_contain_text("Left knee")
    expect(page.locator("table.syringes")).to_contain_text("Right knee")

    _verify(page, patient.mrn, scenario.scanned(right), "knee:left")
    stop = page.locator("#refusal")
    expect(stop).to_contain_text("WRONG SIDE")
    expect(stop).to_contain_text("labelled for RIGHT KNEE, not LEFT KNEE")
    expect(stop.get_by_role("button")).to_have_text("Return this syringe to the lab")
    expect(stop).not_to_contain_text("Discard")
    _shot(page, "bedside-wrong-side-stop")

    _verify(page, patient.mrn, scenario.scanned(left), "knee:left")
    expect(page.get_by_text("Bedside verification complete")).to_be_visible()
    _inject(page, scenario.scanned(left), "knee:left", "3.5")
    expect(page.get_by_text("Injection recorded")).to_be_visible()
    _verify(page, patient.mrn, scenario.scanned(right), "knee:right")
    expect(page.get_by_text("Bedside verification complete")).to_be_visible()
    _inject(page, scenario.scanned(right), "knee:right", "3.5")
    expect(page.get_by_text("Injection recorded")).to_be_visible()

    delivered = page.locator("section[aria-labelledby='h-delivered'] tbody")
    expect(delivered).to_contain_text("Left knee")
    expect(delivered).to_contain_text("Right knee")
    expect(delivered).to_contain_text("5.25 × 10⁸")
    _shot(page, "bedside-both-knees-injected")

    assert BedsideCheck.objects.filter(accepted=False).count() == 1
    assert sorted(Injection.objects.values_list("laterality", flat=True)) == ["left", "right"]
    encounter.refresh_from_db()
    assert encounter.current == S.INJECTED
