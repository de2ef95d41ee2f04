"""The safety pages: the plan's safety panel, hold plans, the day re-check, the rules page,
the clinic's settings and the plans list search; each with the outsider and wrong role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from marrowtrack.intake.models import IntakeSettings, MedicationHold
from marrowtrack.intake.tests.conftest import MONDAY
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db


def test_the_plan_page_shows_the_limits_for_its_target(client_for, make_plan, staff) -> None:
    plan = make_plan(
        treatment="csi",
        target="facet",
        target_level="L4-L5",
        laterality="midline",
        injectate_drug="Triamcinolone",
        harvest_side="",
    )
    MedicationFactory(
        patient=plan.patient, name="Clopidogrel", drug_class="antiplatelet", agent="clopidogrel"
    )
    page = client_for(staff["nurse"]).get(plan.get_absolute_url()).content.decode()
    assert "Safety limits for this plan" in page
    assert "intermediate" in page and "at least 50 ×10^9/L" in page
    assert "at most 1.8, taken within 5 days before" in page


def test_a_nurse_records_a_signed_hold_plan_from_the_page(client_for, approved_plan, staff):
    apixaban = MedicationFactory(
        patient=approved_plan.patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    url = reverse("intake:hold-add", args=[approved_plan.public_id])
    client = client_for(staff["nurse"])
    form = client.get(url).content.decode()
    assert "3 drug-free days before a procedure at low bleeding risk with a marrow harvest" in form
    response = client.post(
        url,
        {
            "medication": apixaban.pk,
            "last_dose_on": str(MONDAY + timedelta(days=5)),
            "restart_on": str(MONDAY + timedelta(days=11)),
            "prescriber": "Dr A. Mensah",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert MedicationHold.objects.get().prescriber == "Dr A. Mensah"


def test_hold_and_day_check_pages_refuse_the_wrong_role_and_the_outsider(
    client_for, approved_plan, staff, outsider
) -> None:
    for name in ("hold-add", "day-check"):
        url = reverse(f"intake:{name}", args=[approved_plan.public_id])
        assert client_for(staff["front_desk"]).get(url).status_code == 403
        assert client_for(outsider).get(url).status_code == 404


def test_the_day_check_page_shows_why_the_day_is_refused(client_for, approved_plan, staff):
    url = reverse("intake:day-check", args=[approved_plan.public_id])
    response = client_for(staff["nurse"]).post(url, {"temperature_c": "38.2"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "The procedure cannot go ahead." in page
    assert "no signed and witnessed consent" in page


def test_the_rules_page_lists_every_rule_with_its_threshold_and_source(
    client_for, staff, outsider
) -> None:
    page = client_for(staff["front_desk"]).get(reverse("intake:ruleset")).content.decode()
    assert "Rule set <strong>2026.3</strong>" in page
    assert "platelets_below_needle_floor" in page and "floor_intermediate = 50" in page
    assert "SIR 2019" in page
    assert client_for(outsider).get(reverse("intake:ruleset")).status_code == 200  # own clinic


def test_only_a_clinic_administrator_changes_the_intake_settings(client_for, staff, clinic):
    url = reverse("intake:settings")
    assert client_for(staff["nurse"]).get(url).status_code == 403
    response = client_for(staff["clinic_admin"]).post(
        url,
        {
            "arrival_lead_minutes": "45",
            "after_hours_phone": "555 0199",
            "screening_max_age_days": "21",
            "version": "1",
        },
    )
    assert response.status_code == 302
    saved = IntakeSettings.objects.get(clinic=clinic)
    assert (saved.arrival_lead_minutes, saved.screening_max_age_days) == (45, 21)


def test_the_plans_list_searches_filters_and_pages(client_for, make_plan, staff) -> None:
    for _ in range(3):
        make_plan()
    client = client_for(staff["front_desk"])
    page = client.get(reverse("intake:plan-list"), {"treatment": "csi"}).content.decode()
    assert "No plans match" in page
    rows = client.get(reverse("intake:plan-list"), headers={"HX-Request": "true"})
    body = rows.content.decode()
    assert body.count("<tr>") == 4 and "<html" not in body  # header + 3 rows, partial only


def test_the_plans_list_stays_within_its_query_budget(
    client_for, make_plan, staff, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        make_plan()
    client = client_for(staff["front_desk"])
    with django_assert_max_num_queries(12):
        client.get(reverse("intake:plan-list"), {"q": "nunez", "status": "draft"})
