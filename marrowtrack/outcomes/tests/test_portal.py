"""The portal survey: single-use expiring link, screens, resume, label-to-value traps."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.followups import instrument_set_save
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.tests.factories import make_plan
from marrowtrack.outcomes.views.portal import DEVICE_COOKIE

pytestmark = pytest.mark.django_db
SURVEY = "/outcomes/portal/survey/"


@pytest.fixture
def koos_link(patient, staff, clinic):
    instrument_set_save(
        clinic=clinic,
        condition="knee_oa",
        instruments=["KOOS"],
        follow_up_only=[],
        by=staff["clinic_admin"],
    )
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-22 09:00-05:00", tick=False):
        issued = survey_link_create(followup=plan.followups.get(timepoint="2w"), by=None)
    return issued


def value_for_label(html: str, item: str, label: str) -> str:
    """The value of the radio button of `item` whose visible label is `label`."""
    pattern = rf'<input type="radio" name="{item}" value="(\d+)"[^>]*> <span>{label}</span>'
    match = re.search(pattern, html)
    assert match, f"no radio labelled {label!r} for {item}"
    return match.group(1)


def _all_screens(client: Client, pick) -> str:  # noqa: ANN001
    page = client.get(SURVEY)
    while 'name="screen"' in page.content.decode():
        html = page.content.decode()
        screen = re.search(r'name="screen" value="(\d+)"', html).group(1)
        items = sorted(set(re.findall(r'type="radio" name="(\w+)"', html)))
        data = {"screen": screen, **{item: pick(html, item) for item in items}}
        client.post(SURVEY, data)
        page = client.get(SURVEY)
    return page.content.decode()


@time_machine.travel("2026-01-23 09:00-05:00", tick=False)
def test_koos_traps_store_values_not_labels_through_the_form(koos_link):
    client = Client()
    assert client.get(f"/outcomes/portal/s/{koos_link.token}/").status_code == 302
    trap_labels = {"S4": "Always", "S5": "Never", "P1": "Never", "Q1": "Constantly"}

    def pick(html: str, item: str) -> str:
        return value_for_label(html, item, trap_labels[item]) if item in trap_labels else "1"

    review = _all_screens(client, pick)
    assert "Submit my answers" in review
    answers = SurveyResponse.objects.get(instrument="KOOS").answers
    # Always -> 0 for S4 (reversed wording), Never -> 4 for S5; P1 Never -> 0; Q1 Constantly -> 4
    assert (answers["S4"], answers["S5"], answers["P1"], answers["Q1"]) == (0, 4, 0, 4)
    assert answers["P2"] == 1


@time_machine.travel("2026-01-23 09:00-05:00", tick=False)
def test_the_survey_resumes_at_the_first_unsaved_screen_and_the_link_dies_on_submit(koos_link):
    client = Client()
    client.get(f"/outcomes/portal/s/{koos_link.token}/")
    first = client.get(SURVEY).content.decode()
    assert "Step 1 of 7" in first and "<legend>" in first
    client.post(SURVEY, {"screen": "0", **{f"P{i}": "2" for i in range(1, 7)}})
    # The same browser, after closing the page, comes back with the link on screen 2...
    again = Client()
    again.cookies[DEVICE_COOKIE] = client.cookies[DEVICE_COOKIE].value
    again.get(f"/outcomes/portal/s/{koos_link.token}/")
    assert "Step 2 of 7" in again.get(SURVEY).content.decode()
    # ...and another phone or computer cannot open it.
    elsewhere = Client().get(f"/outcomes/portal/s/{koos_link.token}/")
    assert elsewhere.status_code == 410
    assert "already opened on another phone or computer" in elsewhere.content.decode()
    _all_screens(again, lambda html, item: "2")
    done = again.post("/outcomes/portal/survey/submit/")
    assert done.status_code == 302 and done["Location"] == "/outcomes/portal/results/"
    results = again.get("/outcomes/portal/results/").content.decode()
    assert "Your scores" in results, results
    assert "<svg" in results
    # Scores in words, never raw keys such as sport_rec.
    assert "Knee questionnaire (KOOS)" in results
    assert "<strong>Sport and recreation:</strong> 50 on a scale from 0 to 100" in results
    assert "sport_rec" not in results and "sportrec" not in results
    assert Client().get(f"/outcomes/portal/s/{koos_link.token}/").status_code == 410
    response = SurveyResponse.objects.get()
    assert response.status == "submitted" and response.scores["KOOS"]["pain"] == 50.0


def test_an_expired_link_does_not_open(koos_link):
    with time_machine.travel("2026-02-06 09:00-05:00", tick=False):  # issued 22 Jan + 14 days
        assert Client().get(f"/outcomes/portal/s/{koos_link.token}/").status_code == 410


def test_an_unknown_token_and_no_session_get_the_invalid_page(db):
    assert Client().get("/outcomes/portal/s/not-a-token/").status_code == 410
    assert Client().get(SURVEY).status_code == 410
    assert Client().get("/outcomes/portal/results/").status_code == 410


@time_machine.travel("2026-01-23 09:00-05:00", tick=False)
def test_an_out_of_range_value_is_refused_on_the_form(koos_link):
    client = Client()
    client.get(f"/outcomes/portal/s/{koos_link.token}/")
    page = client.post(SURVEY, {"screen": "0", "P1": "9"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert SurveyResponse.objects.get().answers == {}
