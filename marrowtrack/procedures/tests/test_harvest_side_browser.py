"""Issue 9 in a real browser (items 1, 4, 7): a patient on apixaban with a chlorhexidine
allergy; the time-out shows the allergy and offers povidone-iodine; a harvest on the other
side than the plan is refused, then recorded with a signed reason and corrected by a signed
amendment; discharge waits for the minimum recovery time; the physician signs the note."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.procedures import services
from marrowtrack.procedures.models import ProcedureNote
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import fill_harvest_form, login, logout
from marrowtrack.testing.factories import (
    PASSWORD,
    AllergyFactory,
    MedicationFactory,
    PatientFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MARROWTRACK_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"issue9-{name}.png"), full_page=True)


def test_issue_9_side_safety_summary_discharge_and_note(
    page: Page, live_server, make_user, clinic
) -> None:
    staff = {
        "nurse": make_user(Role.NURSE, username="nurse1"),
        "physician": make_user(Role.PHYSICIAN, username="doc1"),
        "lab_tech": make_user(Role.LAB_TECH, username="lab1"),
    }
    patient = PatientFactory(clinic=clinic, family_name="Okafor", given_name="Ada")
    AllergyFactory(patient=patient, category="antiseptic", substance="Chlorhexidine")
    MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    plan = scenario.approved_plan(patient, by=staff["physician"], laterality="right")
    plan.harvest_side = "left"
    plan.save(update_fields=["harvest_side"])
    encounter = scenario.walk_to(
        scenario.check_in(plan, staff["nurse"]), S.SITE_MARKED, staff, PASSWORD
    )
    url = live_server.url
    login(page, url, "doc1")
    page.goto(f"{url}/procedures/{encounter.public_id}/")
    timeout_form = page.locator("form[action*='/step/timeout_1/']")
    expect(timeout_form.locator(".allergies")).to_contain_text("Chlorhexidine")
    expect(timeout_form.locator(".blood-thinners")).to_contain_text("Apixaban")
    expect(timeout_form.locator("[name='timeout_1-prep_agent']")).to_have_value("povidone_iodine")
    _shot(page, "timeout-safety-summary")

    scenario.walk_to(encounter, S.LOCAL_ANESTHESIA, staff, PASSWORD)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    page.goto(f"{url}/procedures/{encounter.public_id}/harvest/")
    expect(page.get_by_text("Planned side (plan and consent): Left posterior")).to_be_visible()
    fill_harvest_form(page, "r_pic")
    page.get_by_role("button", name="Record harvest").click()
    expect(page.get_by_text("is not the side the plan and consent name")).to_be_visible()
    _shot(page, "harvest-other-side-refused")
    fill_harvest_form(page, "r_pic")
    page.locator("form [name=side_reason]").fill("Left crest scarred from an old graft")
    page.locator("form [name=side_password]").fill(PASSWORD)
    page.get_by_role("button", name="Record harvest").click()
    expect(page.get_by_text("Harvest: Right posterior iliac crest")).to_be_visible()

    page.goto(f"{url}/procedures/{encounter.public_id}/harvest/")
    page.locator("form [name=side]").select_option("l_pic")
    page.locator("form [name=reason]").fill("Entered the wrong side")
    page.locator("form [name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Amend and sign").click()
    expect(page.locator("#recorded-side")).to_contain_text("Left posterior iliac crest")
    expect(page.locator("#amendments")).to_contain_text("Entered the wrong side")
    _shot(page, "harvest-amended")

    scenario.walk_to(encounter, S.RECOVERY, staff, PASSWORD)
    logout(page)
    login(page, url, "nurse1")
    page.goto(f"{url}/procedures/{encounter.public_id}/")
    form = page.locator("form[action*='/step/discharged/']")
    for checkbox in form.locator("input[type=checkbox]").all():
        checkbox.check()
    form.get_by_label("Blood pressure at discharge (e.g. 120/80)").fill("124/78")
    form.get_by_label("Pulse at discharge (/min)").fill("72")
    form.locator("[name='discharged-anticoagulant_restart_on']").fill(
        (timezone.localdate() + timedelta(days=1)).isoformat()
    )
    form.get_by_role("button").click()
    expect(page.locator("#refusal")).to_contain_text("the minimum is 30 min")
    _shot(page, "discharge-too-early")

    scenario.recovered(encounter)
    scenario.discharge(encounter, staff, anticoagulant_restart_on=timezone.localdate())
    logout(page)
    login(page, url, "doc1")
    page.goto(f"{url}/procedures/{encounter.public_id}/note/")
    page.get_by_label("Your password (to sign)").fill(PASSWORD)
    page.get_by_role("button", name="Sign the procedure note").click()
    expect(page.locator("#note-signed")).to_be_visible()
    _shot(page, "procedure-note-signed")
    assert ProcedureNote.objects.filter(encounter=encounter).exists()
