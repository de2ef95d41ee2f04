"""Real browser: a patient answers a KOOS on a phone through the link, leaves, resumes,
submits and sees the score; then a nurse sees it on the patient's chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.core import clock
from marrowtrack.outcomes.services.followups import instrument_set_save
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.tests.factories import make_plan
from marrowtrack.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_patient_completes_koos_on_a_phone_resumes_and_staff_see_it(
    page: Page, browser: Browser, live_server, make_user, patient, clinic
) -> None:
    nurse = make_user(Role.NURSE, username="nurse1")
    instrument_set_save(
        clinic=clinic, condition="knee_oa", instruments=["KOOS"], follow_up_only=[], by=nurse
    )
    today = clock.today()
    plan = make_plan(patient, nurse, treated_on=today)  # baseline window ends today
    followup = plan.followups.get(timepoint="baseline")
    token = survey_link_create(followup=followup, by=nurse).token
    url = f"{live_server.url}/outcomes/portal/s/{token}/"

    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.get_by_text("Step 1 of 7")).to_be_visible()
    first = page.locator("fieldset.survey-item").first
    expect(first.locator("legend")).to_have_text("How often the knee hurts")
    first.get_by_label("Never", exact=True).check()  # P1 is a frequency: Never = 0
    for fieldset in page.locator("fieldset.survey-item").all()[1:]:
        fieldset.get_by_label("Moderate", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Step 2 of 7")).to_be_visible()
    page.close()  # leaves half-way

    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(url)
    expect(phone.get_by_text("Step 2 of 7")).to_be_visible()  # resumes where left
    for _step in range(2, 8):
        for fieldset in phone.locator("fieldset.survey-item").all():
            if fieldset.locator("legend").text_content() == "Can straighten the knee fully":
                fieldset.get_by_label("Always", exact=True).check()  # reversed: Always = 0
            else:
                fieldset.locator("input[type=radio]").nth(2).check()
        phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_role("button", name="Submit my answers").click()
    expect(phone.get_by_role("heading", name="Your scores")).to_be_visible()
    # Pain: P1 0 + P2..P6 at 2 + P7..P9 at 2 -> mean 16/9; 100 - 25 x 16/9 = 55.56
    expect(phone.get_by_text("pain: 55.56")).to_be_visible()
    expect(phone.locator(".chart-svg svg").first).to_be_visible()
    phone.goto(url)
    expect(phone.get_by_text("This link cannot be used")).to_be_visible()

    staff_page = browser.new_context().new_page()
    login(staff_page, live_server.url, "nurse1")
    staff_page.goto(f"{live_server.url}/outcomes/patients/{patient.public_id}/chart/")
    expect(
        staff_page.get_by_text("Knee injury and Osteoarthritis Outcome Score: pain")
    ).to_be_visible()
    staff_page.goto(f"{live_server.url}/outcomes/plans/{plan.public_id}/")
    expect(staff_page.get_by_text("pain 55.56")).to_be_visible()
    from marrowtrack.outcomes.models import SurveyResponse

    answers = SurveyResponse.objects.get(instrument="KOOS").answers
    assert (answers["P1"], answers["S4"], answers["S5"]) == (0, 0, 2)  # values, not labels
