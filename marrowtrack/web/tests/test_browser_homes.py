"""In a real browser at 1366 x 768: each role lands on its worklist and the navigation fits;
the patient signs the consent in patient mode, which only the staff member's password leaves,
and the witness is someone else (issue 9, items 8 and 12)."""

from __future__ import annotations

import os
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from marrowtrack.accounts.roles import Role, roles_sync
from marrowtrack.intake.models import Consent, TreatmentPlan
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import PASSWORD, PatientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MARROWTRACK_SCREENSHOTS", "")
LAPTOP = {"width": 1366, "height": 768}
HOMES = {
    Role.FRONT_DESK: "Today's check-ins",
    Role.NURSE: "Today's check-ins",
    Role.LAB_TECH: "Lab queue",
    Role.PHYSICIAN: "Plans awaiting your decision",
    Role.CLINIC_ADMIN: "Staff and equipment",
    Role.RESEARCHER: "Registry",
}


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def team(clinic):
    # A transactional test flushes the data migrations' rows: publish them again.
    import_module("marrowtrack.intake.migrations.0003_consent_documents_v1").publish_v1(apps, None)
    import_module("marrowtrack.intake.migrations.0005_consent_documents_v2").publish_v2(apps, None)
    roles_sync()
    return {
        role: UserFactory(
            clinic=clinic, role=role, username=role.value, display_name=f"{role.label} person"
        )
        for role in Role
    }


def _fits(page: Page) -> bool:
    """Every control of the top bar lies inside the window, all of them on ONE row (brand,
    links, "More" and the user side by side), and nothing scrolls sideways."""
    return page.evaluate(
        "() => { const bar = document.querySelector('header.topbar');"
        " const controls = [...bar.querySelectorAll("
        "   '.brand, .nav > li > a, .nav-more > summary, .usermenu')];"
        " const boxes = controls.map((el) => el.getBoundingClientRect());"
        " const inside = boxes.every((box) => box.right <= window.innerWidth);"
        " const oneRow = Math.max(...boxes.map((b) => b.top))"
        "   < Math.min(...boxes.map((b) => b.bottom));"
        " return inside && oneRow && bar.clientHeight <= 80"
        " && document.documentElement.scrollWidth <= window.innerWidth; }"
    )


def test_each_role_lands_on_its_worklist_and_the_navigation_fits(
    page: Page, live_server, clinic, team
) -> None:
    patient = PatientFactory(clinic=clinic, family_name="Ortega", given_name="Lucia")
    scenario.check_in(scenario.approved_plan(patient, by=team[Role.PHYSICIAN]), team[Role.NURSE])
    page.set_viewport_size(LAPTOP)
    for role, worklist in HOMES.items():
        login(page, live_server.url, role.value)
        expect(page.get_by_role("heading", name=worklist)).to_be_visible()
        expect(page.locator("p.lead")).to_contain_text(role.label)
        _shot(page, f"home-{role.value}")
        assert _fits(page), f"the navigation of {role.label} does not fit one row at 1366 px"
        if worklist == "Today's check-ins":
            expect(page.locator("#worklist-check-ins")).to_contain_text(
                f"ORTEGA, Lucia · MRN {patient.mrn}"
            )
        page.get_by_role("button", name="Log out").click()


def test_more_opens_and_leads_on_with_the_keyboard(page: Page, live_server, team) -> None:
    """The clinic administrator's less used links sit under "More": a native disclosure that
    Enter opens, Tab walks into, Escape closes; the bar keeps one row while it is open."""
    page.set_viewport_size(LAPTOP)
    login(page, live_server.url, Role.CLINIC_ADMIN.value)
    more = page.locator("details.nav-more > summary")
    traceability = page.locator("details.nav-more").get_by_role("link", name="Traceability")
    expect(traceability).to_be_hidden()
    more.focus()
    page.keyboard.press("Enter")
    expect(traceability).to_be_visible()
    assert _fits(page)
    _shot(page, "nav-more-open-clinic_admin")
    page.keyboard.press("Escape")
    expect(traceability).to_be_hidden()
    page.keyboard.press("Enter")
    traceability.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/trace/")
    # On a page under "More", "More" itself shows where the reader is.
    expect(more).to_have_class("current")


def test_the_patient_signs_in_patient_mode_and_a_colleague_witnesses(
    page: Page, live_server, clinic, team
) -> None:
    url = live_server.url
    patient = PatientFactory(clinic=clinic, family_name="Ibsen", given_name="Marta")
    plan = TreatmentPlan.objects.create(
        patient=patient,
        condition="knee_oa",
        target="knee",
        laterality="right",
        treatment="csi",
        status=TreatmentPlan.Status.APPROVED,
        created_by=team[Role.PHYSICIAN],
    )
    page.set_viewport_size(LAPTOP)
    login(page, url, "physician")
    page.goto(f"{url}{plan.get_absolute_url()}")
    page.get_by_role("button", name="Take consent on the tablet").click()

    # Patient mode: no staff navigation, and every other page leads back to the consent.
    expect(page.locator("header.topbar")).to_contain_text("Patient mode")
    expect(page.locator("nav[aria-label='Main']")).to_have_count(0)
    consent_page = page.url
    page.goto(f"{url}/patients/")
    assert page.url == consent_page
    _shot(page, "patient-mode-consent")
    page.locator("#id_typed_name").fill("Marta Ibsen")
    page.get_by_label("sign by clicking here instead").check()
    page.get_by_role("button", name="Sign consent").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    _shot(page, "patient-mode-signed")

    # Leaving needs the staff member's own password; a wrong one keeps patient mode.
    page.get_by_role("link", name="Staff: take the tablet back").first.click()
    page.locator("#id_password").fill("not-my-password")
    page.get_by_role("button", name="Leave patient mode").click()
    expect(page.get_by_text("not correct")).to_be_visible()
    _shot(page, "patient-mode-wrong-password")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Leave patient mode").click()
    expect(page.locator("nav[aria-label='Main']")).to_be_visible()

    # The presenter cannot witness; a colleague does, with their own password.
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as witness").click()
    expect(page.get_by_text("different person")).to_be_visible()
    page.locator("#id_username").fill("nurse")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as witness").click()
    expect(page.get_by_text("Consent witnessed")).to_be_visible()
    _shot(page, "consent-witnessed-by-colleague")
    consent = Consent.objects.get(plan=plan)
    assert consent.presented_by == team[Role.PHYSICIAN]
    assert consent.witness_signature.signer == team[Role.NURSE]
