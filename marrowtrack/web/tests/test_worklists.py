"""Each role's home page is its worklist, roles in words (issue 9, item 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from marrowtrack.core import clock
from marrowtrack.facilities.models import Equipment
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services import screening
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PatientFactory
from marrowtrack.web.worklists import worklists_for

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")


def _keys(user) -> list[str]:
    return [w.key for w in worklists_for(user)]


def test_each_role_gets_its_own_worklists_in_procedure_day_order(staff):
    assert _keys(staff["front_desk"]) == ["check-ins"]
    assert _keys(staff["nurse"]) == ["check-ins", "surveys"]
    assert _keys(staff["lab_tech"]) == ["lab"]
    assert _keys(staff["physician"]) == ["decisions", "surveys"]
    assert _keys(staff["clinic_admin"]) == ["admin"]
    assert _keys(staff["researcher"]) == ["registry"]


def test_the_home_page_names_the_roles_in_words(staff, client_for):
    page = client_for(staff["front_desk"]).get(HOME).content.decode()
    assert "Front desk" in page and "front_desk" not in page and "Front_Desk" not in page
    lab = client_for(staff["lab_tech"]).get(HOME).content.decode()
    assert "Lab technologist" in lab and "Lab queue" in lab


def test_the_front_desk_home_lists_todays_check_ins_by_name_with_mrn(clinic, staff, client_for):
    patient = PatientFactory(clinic=clinic, family_name="Ortega", given_name="Lucia")
    plan = scenario.approved_plan(patient, by=staff["physician"])
    scenario.check_in(plan, staff["front_desk"])
    page = client_for(staff["front_desk"]).get(HOME).content.decode()
    assert f"ORTEGA, Lucia · MRN {patient.mrn}" in page
    assert reverse("procedures:check-in") in page


def test_the_physician_home_lists_plans_screened_and_awaiting_a_decision(clinic, staff, client_for):
    patient = PatientFactory(clinic=clinic, family_name="Ibsen", given_name="Marta")
    plan = TreatmentPlan.objects.create(
        patient=patient,
        condition="knee_oa",
        target="knee",
        laterality="right",
        treatment="csi",
        created_by=staff["nurse"],
    )
    page = client_for(staff["physician"]).get(HOME).content.decode()
    assert "IBSEN, Marta" not in page  # not screened yet: nothing to decide
    screening.screening_run(plan=plan, by=staff["nurse"])
    page = client_for(staff["physician"]).get(HOME).content.decode()
    assert f"IBSEN, Marta · MRN {patient.mrn}" in page and plan.get_absolute_url() in page


def test_clinicians_see_surveys_typed_in_that_await_verification(clinic, staff, client_for):
    patient = PatientFactory(clinic=clinic, family_name="Kahn", given_name="Omar")
    plan = scenario.approved_plan(patient, by=staff["physician"])
    SurveyResponse.objects.create(
        plan=plan,
        patient=patient,
        instrument="NPRS",
        instrument_version="0-10",
        answers={"NPRS": 6},
        scores={},
        status=SurveyResponse.Status.AWAITING_VERIFICATION,
        entered_by=staff["front_desk"],
    )
    page = client_for(staff["nurse"]).get(HOME).content.decode()
    assert "Surveys to verify" in page and f"KAHN, Omar · MRN {patient.mrn}" in page


def test_the_clinic_admin_home_shows_staff_and_calibrations_due(clinic, staff, client_for):
    Equipment.objects.create(
        clinic=clinic,
        name="Spinner 2",
        kind="centrifuge",
        calibration_due=clock.today() + timedelta(days=3),
    )
    page = client_for(staff["clinic_admin"]).get(HOME).content.decode()
    assert "Staff and equipment" in page and "Spinner 2" in page
    assert reverse("accounts:staff-list") in page and reverse("facilities:overview") in page


def test_another_clinics_check_ins_never_show_on_the_home_page(clinic, staff, outsider, client_for):
    patient = PatientFactory(clinic=clinic, family_name="Ortega", given_name="Lucia")
    scenario.check_in(scenario.approved_plan(patient, by=staff["physician"]), staff["nurse"])
    page = client_for(outsider).get(HOME).content.decode()
    assert "ORTEGA" not in page and "Nobody is checked in yet today." in page
