"""The patient record's panels come from the apps above patients, found like navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.intake.tests.factories import PlanFactory
from marrowtrack.patients.panels import panels_for
from marrowtrack.testing.scenario import approved_plan, check_in

pytestmark = pytest.mark.django_db

PLANS, DAYS, CHART = (
    "intake/_record_plans.html",
    "procedures/_record_days.html",
    "outcomes/_record_chart.html",
)


def test_each_app_contributes_its_panel_in_app_order(staff, patient) -> None:
    shown = [panel.template for panel in panels_for(patient, staff["physician"])]
    assert shown == [PLANS, DAYS, CHART]


def test_a_panel_with_a_permission_is_left_out_for_roles_without_it(staff, patient) -> None:
    shown = [panel.template for panel in panels_for(patient, staff["lab_tech"])]
    assert shown == [PLANS, DAYS]


def test_each_panel_reads_its_own_rows(staff, patient) -> None:
    plan = PlanFactory(patient=patient)
    PlanFactory()  # another patient's plan stays off this record

    plans, days, _ = panels_for(patient, staff["physician"])

    assert plans.data == {"plans": [plan]}
    assert days.data == {"encounters": []}


def test_the_record_page_shows_the_plans_the_procedure_days_and_the_chart_link(
    staff, patient, client_for
) -> None:
    physician = staff["physician"]
    encounter = check_in(approved_plan(patient, by=physician), by=staff["nurse"])
    url = reverse("patients:detail", args=[patient.public_id])

    page = client_for(physician).get(url).content.decode()

    assert "Treatment plans" in page and str(encounter.plan) in page
    assert "Procedure days" in page and encounter.get_absolute_url() in page
    assert reverse("outcomes:patient-chart", args=[patient.public_id]) in page
