"""Real browser: a patient answers a KOOS and an EQ-5D on a phone through the link (the EQ VAS
as a vertical slider), leaves, resumes on the same phone, is refused on another device,
submits and sees scores in words; then a nurse sees them on the plan page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from marrowtrack.accounts.roles import Role
from marrowtrack.outcomes.services.followups import baseline_open, instrument_set_save
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.tests.factories import make_plan
from marrowtrack.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _answer_koos_screens(page: Page, first: int, last: int) -> None:
    for _step in range(first, last + 1):
        for fieldset in page.locator("fieldset.survey-item").all():
            if fieldset.locator("legend").text_content() == "Can straighten the knee fully":
                fieldset.get_by_label("Always", exact=True).check()  # reversed: Always = 0
            else:
                fieldset.locator("input[type=radio]").nth(2).check()
        page.get_by_role("button", name="Save and continue").click()


def _answer_eq5d_with_the_vertical_slider(page: Page) -> None:
    expect(page.get_by_text("No problems walking", exact=True)).to_be_visible()
    slider = page.locator("input.vas-slider")
    box = slider.bounding_box()
    assert box is not None and box["height"] > 3 * box["width"]  # vertical on the phone
    number = page.get_by_label("Your number, 0 to 100")
    expect(number).to_have_value("")  # nothing preset: the patient must answer
    slider.focus()
    slider.press("ArrowUp")
    expect(number).to_have_value("51")
    for fieldset in page.locator("fieldset.survey-item").all()[:5]:
        fieldset.locator("input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Save and continue").click()


def test_patient_answers_on_a_phone_resumes_there_only_and_staff_see_it(
    page: Page, browser: Browser, live_server, make_user, patient, clinic
) -> None:
    nurse = make_user(Role.NURSE, username="nurse1")
    instrument_set_save(
        clinic=clinic,
        condition="knee_oa",
        instruments=["KOOS", "EQ5D5L"],
        follow_up_only=[],
        by=nurse,
    )
    plan = make_plan(patient, nurse, status="approved", treated_on=None)
    baseline = baseline_open(plan=plan, by=nurse)  # sendable once the plan is approved
    token = survey_link_create(followup=baseline, by=nurse).token
    url = f"{live_server.url}/outcomes/portal/s/{token}/"

    phone_context = browser.new_context(viewport=PHONE)
    first_page = phone_context.new_page()
    first_page.goto(url)
    expect(first_page.get_by_text("Step 1 of 8")).to_be_visible()
    first = first_page.locator("fieldset.survey-item").first
    expect(first.locator("legend")).to_have_text("How often the knee hurts")
    first.get_by_label("Never", exact=True).check()  # P1 is a frequency: Never = 0
    for fieldset in first_page.locator("fieldset.survey-item").all()[1:]:
        fieldset.get_by_label("Moderate", exact=True).check()
    first_page.get_by_role("button", name="Save and continue").click()
    expect(first_page.get_by_text("Step 2 of 8")).to_be_visible()
    first_page.close()  # leaves half-way

    elsewhere = browser.new_context(viewport=PHONE).new_page()
    elsewhere.goto(url)
    expect(elsewhere.get_by_text("already opened on another phone or computer")).to_be_visible()

    phone = phone_context.new_page()  # the same phone comes back with the link
    phone.goto(url)
    expect(phone.get_by_text("Step 2 of 8")).to_be_visible()
    _answer_koos_screens(phone, 2, 7)
    _answer_eq5d_with_the_vertical_slider(phone)
    phone.get_by_role("button", name="Submit my answers").click()
    expect(phone.get_by_role("heading", name="Your scores")).to_be_visible()
    # Pain: P1 0 + P2..P9 at 2 -> mean 16/9; 100 - 25 x 16/9 = 55.56, in words
    expect(phone.get_by_text("55.56 on a scale from 0 to 100 (higher is better)")).to_be_visible()
    expect(phone.get_by_text("Your own rating of your health:")).to_be_visible()
    phone.goto(url)
    expect(phone.get_by_text("This link cannot be used")).to_be_visible()

    staff_page = browser.new_context().new_page()
    login(staff_page, live_server.url, "nurse1")
    staff_page.goto(f"{live_server.url}/outcomes/plans/{plan.public_id}/")
    expect(staff_page.get_by_text("Pain 55.56").first).to_be_visible()
    expect(staff_page.get_by_text("Unvalidated wording").first).to_be_visible()
    from marrowtrack.outcomes.models import SurveyResponse

    answers = SurveyResponse.objects.get(instrument="KOOS").answers
    assert (answers["P1"], answers["S4"], answers["S5"]) == (0, 0, 2)  # values, not labels
    assert SurveyResponse.objects.get(instrument="EQ5D5L").answers["VAS"] == 51
