"""Staff outcome pages: dashboard, plan, chart, transcription and verification; 403 and 404."""

from __future__ import annotations

import pytest
import time_machine

from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.responses import response_transcribe, response_verify
from marrowtrack.outcomes.tests.factories import PAPER, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_plan(patient, staff):
    from datetime import date

    plan = make_plan(patient, staff["physician"])
    for day, value in ((date(2026, 1, 5), 7), (date(2026, 1, 22), 3)):
        with time_machine.travel(f"{day} 12:00-05:00", tick=False):
            r = response_transcribe(
                plan=plan,
                instrument="NPRS",
                answers={"NPRS": value},
                answered_on=day,
                by=staff["nurse"],
                form=PAPER,
            )
            response_verify(response=r, by=staff["physician"])
    return plan


def test_the_dashboard_shows_completeness_within_a_query_budget(
    scored_plan, staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff["nurse"])
    with django_assert_max_num_queries(15):
        page = client.get("/outcomes/")
    assert page.status_code == 200
    assert "Completeness" in page.content.decode()


def test_the_plan_page_shows_schedule_chart_and_responders(scored_plan, staff, client_for):
    page = client_for(staff["physician"]).get(f"/outcomes/plans/{scored_plan.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "meaningful" in html
    assert "NPRS MCID: &gt;=2 points and &gt;=30%" in html
    assert "points: met; percent: met" in html  # 7 -> 3: 4 points, 57 %


def test_responses_on_product_labels_are_marked_and_left_out_unless_included(
    scored_plan, staff, client_for
):
    from datetime import date

    from marrowtrack.outcomes.services.responses import FormWording

    with time_machine.travel("2026-04-08 12:00-04:00", tick=False):
        r = response_transcribe(
            plan=scored_plan,
            instrument="NPRS",
            answers={"NPRS": 9},
            answered_on=date(2026, 4, 8),
            by=staff["nurse"],
            form=FormWording("product_labels"),
        )
        response_verify(response=r, by=staff["physician"])
    client = client_for(staff["physician"])
    url = f"/outcomes/plans/{scored_plan.public_id}/"
    html = client.get(url).content.decode()
    assert "Unvalidated wording" in html
    assert "1 response collected on MarrowTrack's own labels is left out" in html
    # The 3-month NPRS is neither compared with the baseline nor charted...
    assert "<h3>3 months</h3>" not in html and "8 Apr 2026" not in html
    included = client.get(url + "?unvalidated=1").content.decode()
    # ...until the reader includes it, and then it is marked in the chart's data table.
    assert "<h3>3 months</h3>" in included
    assert '<td>3 months <span class="wording-flag">unvalidated wording</span>' in included


def test_the_staff_chart_of_a_patient_shows_the_band(scored_plan, staff, client_for):
    page = client_for(staff["nurse"]).get(
        f"/outcomes/patients/{scored_plan.patient.public_id}/chart/"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    assert "5 to 9" in html  # baseline 7 +- 2 points


def test_outsiders_get_404_and_the_lab_gets_403(scored_plan, staff, outsider, client_for):
    urls = [
        f"/outcomes/plans/{scored_plan.public_id}/",
        f"/outcomes/patients/{scored_plan.patient.public_id}/chart/",
        f"/outcomes/plans/{scored_plan.public_id}/transcribe/KOOS/",
    ]
    for url in urls:
        assert client_for(outsider).get(url).status_code == 404, url
        assert client_for(staff["lab_tech"]).get(url).status_code == 403, url
    assert client_for(staff["lab_tech"]).get("/outcomes/").status_code == 403


@time_machine.travel("2026-01-25 12:00-05:00", tick=False)
def test_transcribing_and_verifying_through_the_pages(patient, staff, client_for):
    plan = make_plan(patient, staff["physician"])
    url = f"/outcomes/plans/{plan.public_id}/transcribe/NPRS/"
    client = client_for(staff["front_desk"])
    unnamed = client.post(url, {"answered_on": "2026-01-22", "NPRS": "8"})
    assert unnamed.status_code == 200 and not SurveyResponse.objects.exists()
    paper = {"form_used": "licensed_paper", "form_version": "NPRS 2024 printout"}
    client.post(url, {"answered_on": "2026-01-22", "NPRS": "8", **paper})
    response = SurveyResponse.objects.get()
    assert response.form_version == "NPRS 2024 printout" and response.validated_wording
    assert response.answers == {"NPRS": 8} and response.status == "awaiting_verification"
    verify = f"/outcomes/responses/{response.public_id}/verify/"
    refused = client_for(staff["front_desk"]).post(verify, {"mode": "second_person"})
    assert refused.status_code == 403
    client_for(staff["nurse"]).post(verify, {"mode": "double_entry", "NPRS": "8"})
    response.refresh_from_db()
    assert response.status == "submitted" and response.verification == "double_entry"


@time_machine.travel("2026-01-22 12:00-05:00", tick=False)
def test_issuing_a_link_shows_it_once_and_censoring_works(patient, staff, client_for):
    plan = make_plan(patient, staff["physician"])
    followup = plan.followups.get(timepoint="2w")
    client = client_for(staff["nurse"])
    page = client.post(f"/outcomes/followups/{followup.public_id}/link/", follow=True)
    assert "/outcomes/portal/s/" in page.content.decode()
    client.post(
        f"/outcomes/plans/{plan.public_id}/censor/", {"reason": "withdrawal", "on": "2026-01-22"}
    )
    assert plan.followups.get(timepoint="6m").status == "withdrawn"
