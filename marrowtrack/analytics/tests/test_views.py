"""Registry pages: who may open them, the filters, the CSV, the comparison page."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine

from marrowtrack.analytics.tests.registry import TODAY, plan_with, reintervention, score

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


@pytest.fixture
def on_today():
    """Every request and record at one fixed day, long after the windows closed."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def knee_registry(clinic, staff):
    for value in (3, 4, 5):
        plan = plan_with(clinic, staff["physician"])
        score(plan, "baseline", 7)
        score(plan, "3m", value)
    reintervention(plan, staff["physician"], days=120)
    return plan


def _get(client, url):
    return client.get(url)


@pytest.mark.parametrize("role", ["front_desk", "nurse", "physician", "clinic_admin"])
def test_clinical_readers_open_the_dashboard(knee_registry, staff, client_for, role):
    page = _get(client_for(staff[role]), "/analytics/?condition=knee_oa&score=NPRS:total")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mean improvement" in html and "<svg" in html
    assert "Time to re-intervention" in html


def test_the_lab_may_not_open_the_registry(staff, client_for):
    assert _get(client_for(staff["lab_tech"]), "/analytics/").status_code == 403


def test_a_bad_filter_is_named_and_nothing_is_computed(staff, client_for):
    page = _get(
        client_for(staff["nurse"]),
        "/analytics/?condition=knee_oa&score=NPRS:total&treated_from=2026-05-01"
        "&treated_to=2026-01-01",
    )
    assert page.status_code == 400
    assert "The period ends before it starts." in page.content.decode()


def test_the_table_downloads_as_csv_with_the_same_numbers(knee_registry, staff, client_for):
    response = _get(client_for(staff["clinic_admin"]), "/analytics/dashboard.csv?condition=knee_oa")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    at_3m = next(r for r in rows if r["treatment"] == "bmac" and r["timepoint"] == "3m")
    assert at_3m["analysed"] == "3" and at_3m["mean_improvement"] == "3.0"
    survival = _get(
        client_for(staff["clinic_admin"]),
        "/analytics/dashboard.csv?condition=knee_oa&table=survival",
    ).content.decode()
    # The other two were last heard of at 3 months (day 91): censored there.
    assert "bmac,surgery,91,3,0,2,1.0,1.0,1.0" in survival
    assert "bmac,surgery,120,1,1,0,0.0,," in survival


def test_the_comparison_refuses_small_groups_and_says_it_is_observational(
    knee_registry, staff, client_for
):
    page = _get(
        client_for(staff["physician"]),
        "/analytics/compare/?condition=knee_oa&comparator=csi&score=NPRS:total",
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Observational, not randomised" in html
    assert "Too few BMAC patients with both scores: 3 (at least 20 needed)." in html


def test_an_outsider_sees_only_their_own_clinic(knee_registry, outsider, client_for):
    html = _get(client_for(outsider), "/analytics/?condition=knee_oa").content.decode()
    assert "No treated plans match these filters." in html


def test_the_comparison_says_what_it_left_out_and_why(knee_registry, clinic, staff, client_for):
    plan = plan_with(clinic, staff["physician"])
    score(plan, "baseline", 7)
    score(plan, "6m", 2, status="awaiting_verification")
    score(plan, "3m", 2, wording="product_labels")
    client = client_for(staff["physician"])
    html = client.get("/analytics/compare/?condition=knee_oa").content.decode()
    assert (
        "Scores left out at baseline or 6m: 1 (1 unverified; 0 unvalidated wording; "
        "0 out of window)." in html
    )
    assert (
        "Scores left out at baseline or 3m: 1 (0 unverified; 1 unvalidated wording; "
        "0 out of window)." in html
    )
    included = client.get("/analytics/compare/?condition=knee_oa&include=on").content.decode()
    assert "Excluded data are <strong>included</strong> at your request: 1 score would" in included


def test_the_comparison_follows_the_dashboards_filters_and_prints_them(
    knee_registry, clinic, staff, client_for
):
    for value in (2, 3):
        plan = plan_with(clinic, staff["physician"], sex="male")
        score(plan, "baseline", 7)
        score(plan, "3m", value)
    client = client_for(staff["physician"])
    dashboard = client.get("/analytics/?condition=knee_oa&sex=male&age_band=60-69")
    assert 'href="/analytics/compare/?condition=knee_oa&amp;sex=male&amp;age_band=60-69"' in (
        dashboard.content.decode()
    )
    html = client.get("/analytics/compare/?condition=knee_oa&sex=male&age_band=60-69")
    text = " ".join(html.content.decode().split())
    assert html.status_code == 200
    assert "only those the filters admit: sex male; age band 60-69." in text
    assert "Patients with both scores: BMAC 2, Corticosteroid injection 0." in text
    assert "No adjusted estimate for the filtered group (sex male; age band 60-69):" in text
    assert "Too few BMAC patients with both scores: 2 (at least 20 needed)." in text
    everyone = " ".join(
        client.get("/analytics/compare/?condition=knee_oa").content.decode().split()
    )
    assert "every patient of the condition (no filter)" in everyone
    assert "Patients with both scores: BMAC 5, Corticosteroid injection 0." in everyone


def test_a_bad_comparison_filter_is_named(staff, client_for):
    page = client_for(staff["nurse"]).get("/analytics/compare/?condition=knee_oa&severity=9")
    assert page.status_code == 400 and "severity" in page.content.decode().lower()
