"""Real browser, phone-sized: the patient opens the link, reports a fever on day 2; the
nurse sees an urgent task, resolves it and turns it into an adverse event; a physician
signs it. The patient's pages pass axe-core's WCAG 2 A/AA checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.core import clock
from marrowtrack.notifications.links import link_url
from marrowtrack.portal.services import link_send
from marrowtrack.recovery.tests.factories import treated_course
from marrowtrack.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _wcag_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


def test_fever_on_day_two_reaches_the_nurse_becomes_an_event_and_is_signed(
    browser: Browser, live_server, make_user, patient, clinic, settings
) -> None:
    settings.MARROWTRACK_BASE_URL = live_server.url
    clinic.phone = "555-010-1000"
    clinic.save()
    nurse = make_user(Role.NURSE, username="nurse1")
    doctor = make_user(Role.PHYSICIAN, username="doctor1")
    patient.email = "rosa@example.org"
    patient.save()
    treated_course(patient, doctor, on=clock.today(clinic) - timedelta(days=2))
    link = link_send(patient=patient, by=nurse)

    # The CSP forbids inline scripts; axe is injected by the test, not by the app.
    phone = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    phone.goto(link_url(link))
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Hello Rosa")).to_be_visible()
    assert _wcag_violations(phone) == []
    phone.get_by_role("link", name="Start today's check-in").click()
    expect(phone.get_by_role("heading", name="Check-in, day 2")).to_be_visible()
    assert _wcag_violations(phone) == []
    phone.locator("input[name=treated_pain][value='6']").check()
    phone.locator("input[name=harvest_pain][value='3']").check()
    phone.get_by_label("Your temperature, if you have taken it").fill("38.6")
    phone.get_by_label("I feel feverish or shivery").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Please call us now")).to_be_visible()
    expect(phone.get_by_role("link", name="555-010-1000")).to_be_visible()
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a phone

    desk = browser.new_context(bypass_csp=True).new_page()
    login(desk, live_server.url, "nurse1")
    desk.get_by_role("link", name="Worklist").click()
    row = desk.locator("tr", has_text="Temperature 38.6")
    expect(row.get_by_text("Urgent")).to_be_visible()
    assert _wcag_violations(desk) == []
    row.get_by_role("link").first.click()
    assert _wcag_violations(desk) == []
    desk.get_by_role("button", name="Acknowledge").click()
    desk.get_by_role("textbox", name="What was done").fill(
        "Called: fever and warm knee, seen in clinic today."
    )
    desk.get_by_role("button", name="Resolve").click()
    expect(desk.get_by_text("Task resolved.")).to_be_visible()
    desk.get_by_role("link", name="Record as adverse event").click()
    expect(desk.get_by_role("combobox", name="Type", exact=True)).to_have_value("infection")
    assert _wcag_violations(desk) == []
    desk.get_by_role("combobox", name="Site", exact=True).select_option("target")
    desk.get_by_role("combobox", name="Grade (CTCAE v5.0)").select_option("2")
    desk.get_by_role("combobox", name="Related to the procedure").select_option("probable")
    desk.get_by_role("checkbox", name="Antibiotics", exact=True).check()
    desk.get_by_role("combobox", name="Outcome", exact=True).select_option("recovering")
    desk.get_by_role("button", name="Save for physician review").click()
    expect(desk.get_by_text("Awaiting physician review").first).to_be_visible()
    event_url = desk.url

    signer = browser.new_context().new_page()
    login(signer, live_server.url, "doctor1")
    signer.goto(event_url)
    signer.get_by_role("textbox", name="Your password (to sign)").fill("correct-horse-battery")
    signer.get_by_role("button", name="Sign").click()
    expect(signer.get_by_text("Signed, locked")).to_be_visible()
    expect(signer.get_by_role("link", name="Correct")).to_have_count(0)
