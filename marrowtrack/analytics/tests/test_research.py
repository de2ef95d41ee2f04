"""The researcher: de-identified export (Safe Harbor) and aggregate pages without
identifiers; everyone else is refused the export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import time_machine

from marrowtrack.analytics import deidentify
from marrowtrack.analytics.tests.registry import TODAY, plan_with, score
from marrowtrack.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


@pytest.fixture
def on_today():
    """Every request and record at one fixed day, long after the windows closed."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def old_patient_plan(clinic, staff):
    plan = plan_with(
        clinic,
        staff["physician"],
        born=date(1930, 2, 1),
        who={
            "family_name": "Quixote",
            "given_name": "Alonso",
            "mrn": "MRN77",
            "phone": "555-123-4567",
            "email": "alonso@example.org",
            "address": "1 La Mancha Road, Springfield, IL 62704",
        },
    )
    score(plan, "baseline", 7)
    score(plan, "3m", 3)
    young = plan_with(
        clinic, staff["physician"], who={"address": "5 Small Town Rd, Tiny, NM 87823"}
    )
    score(young, "baseline", 5)
    return plan


def _export(client):
    return client.get("/analytics/research/export.csv")


def test_the_research_export_carries_no_identifier(old_patient_plan, staff, client_for):
    response = _export(client_for(staff["researcher"]))
    assert response.status_code == 200
    text = response.content.decode()
    for identifier in (
        "Quixote",
        "Alonso",
        "MRN77",
        "555-123-4567",
        "alonso@example.org",
        "La Mancha",
        "62704",
        "1930",
        str(old_patient_plan.public_id),
        str(old_patient_plan.patient.public_id),
    ):
        assert identifier not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "a date left the clinic"
    rows = list(csv.DictReader(io.StringIO(text)))
    old = [r for r in rows if r["age"] == "90 or older"]
    assert old and {r["zip3"] for r in old} == {"627"}
    assert {r["days_from_treatment"] for r in old} == {"-3", "91"}
    # 878 is one of the three-digit ZIP areas of 20,000 people or fewer.
    assert {r["zip3"] for r in rows if r["age"] != "90 or older"} == {"000"}


def test_the_export_is_audited(old_patient_plan, staff, client_for):
    _export(client_for(staff["researcher"]))
    event = AuditEvent.objects.filter(name="analytics.research_export").get()
    assert event.actor_id == staff["researcher"].pk


@pytest.mark.parametrize("role", ["front_desk", "nurse", "physician", "lab_tech", "clinic_admin"])
def test_only_the_researcher_takes_the_export(old_patient_plan, staff, client_for, role):
    assert _export(client_for(staff[role])).status_code == 403


def test_zip_codes_and_ages_are_cut_as_safe_harbor_asks():
    assert deidentify.zip3("03601") == "000"
    assert deidentify.zip3("62704") == "627"
    assert deidentify.zip3("") == ""
    assert deidentify.safe_age(89) == "89" and deidentify.safe_age(90) == "90 or older"


def test_the_researcher_sees_the_dashboard_with_no_identifier(old_patient_plan, staff, client_for):
    client = client_for(staff["researcher"])
    page = client.get("/analytics/")
    home = client.get("/analytics/research/")
    html = page.content.decode()
    assert page.status_code == 200 and home.status_code == 200
    assert "Mean improvement" in html
    for identifier in ("Quixote", "Alonso", "MRN77", staff["physician"].printed_name):
        assert identifier not in html
    assert 'name="physician"' not in html


def test_the_researcher_home_links_the_export(staff, client_for):
    html = client_for(staff["researcher"]).get("/analytics/research/").content.decode()
    assert "/analytics/research/export.csv" in html
