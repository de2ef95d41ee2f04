"""The patient sees only their own pages and objects; everything else is 404."""

from __future__ import annotations

import json

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.recovery.models import NurseTask

pytestmark = pytest.mark.django_db
DAY2 = time_machine.travel("2026-03-04 10:00-05:00", tick=False)


@pytest.fixture
def mine(course, portal_client):
    return portal_client(course.patient)


@pytest.fixture
def theirs(other_patient, portal_client):
    return portal_client(other_patient)


@DAY2
def test_the_home_page_offers_todays_check_in(course, portal_client):
    page = portal_client(course.patient).get("/portal/")
    day2 = course.checkins.get(day=2)
    assert f"/portal/check-ins/{day2.public_id}/" in page.content.decode()


@DAY2
def test_the_patient_answers_a_check_in_and_sees_what_happens_next(course, portal_client):
    client = portal_client(course.patient)
    day2 = course.checkins.get(day=2)
    form = client.get(f"/portal/check-ins/{day2.public_id}/")
    assert "Pain at the hip where the marrow was taken" in form.content.decode()
    answers = {
        "treated_pain": "6",
        "harvest_pain": "3",
        "temperature": "38.3",
        "temperature_unit": "C",
        "redness": "none",
        "swelling": "none",
        "drainage": "none",
        "bleeding": "none",
    }
    done = client.post(f"/portal/check-ins/{day2.public_id}/", answers, follow=True)
    html = done.content.decode()
    assert "Please call us now" in html and "555-010-1000" in html
    assert NurseTask.objects.get().level == "urgent"


@DAY2
def test_the_check_in_form_speaks_spanish_to_a_spanish_speaker(course, portal_client):
    course.patient.preferred_language = "es"
    course.patient.save()
    day2 = course.checkins.get(day=2)
    html = (
        portal_client(course.patient).get(f"/portal/check-ins/{day2.public_id}/").content.decode()
    )
    assert 'lang="es"' in html and "Dolor en la zona tratada" in html


@DAY2
def test_a_bad_answer_shows_the_field_error_and_stores_nothing(course, mine):
    day2 = course.checkins.get(day=2)
    page = mine.post(f"/portal/check-ins/{day2.public_id}/", {"harvest_pain": "3"})
    assert page.status_code == 200
    day2.refresh_from_db()
    assert day2.status == "open"


@DAY2
def test_another_patient_cannot_open_or_answer_my_check_in(course, theirs):
    day2 = course.checkins.get(day=2)
    assert theirs.get(f"/portal/check-ins/{day2.public_id}/").status_code == 404
    refused = theirs.post(
        f"/portal/check-ins/{day2.public_id}/", {"treated_pain": "1", "harvest_pain": "1"}
    )
    assert refused.status_code == 404
    day2.refresh_from_db()
    assert day2.status == "open"


def test_another_patient_cannot_open_my_instructions_or_their_pdf(course, theirs, mine):
    assert mine.get(f"/portal/recovery/{course.public_id}/instructions/").status_code == 200
    assert theirs.get(f"/portal/recovery/{course.public_id}/instructions/").status_code == 404
    assert theirs.get(f"/portal/recovery/{course.public_id}/instructions.pdf").status_code == 404


def test_the_patient_downloads_their_instructions_as_pdf(course, mine):
    response = mine.get(f"/portal/recovery/{course.public_id}/instructions.pdf")
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"


def test_another_patient_cannot_download_my_consent(course, theirs, mine):
    consent = course.plan.consents.get()
    assert theirs.get(f"/portal/consents/{consent.public_id}.pdf").status_code == 404
    assert str(consent.public_id) not in theirs.get("/portal/consents/").content.decode()
    assert str(consent.public_id) in mine.get("/portal/consents/").content.decode()


def test_another_patient_cannot_start_my_survey(course, theirs, mine):
    followup = course.plan.followups.get(timepoint="2w")
    assert theirs.post(f"/portal/surveys/{followup.public_id}/start/").status_code == 404
    with time_machine.travel("2026-03-16 10:00-05:00", tick=False):
        started = mine.post(f"/portal/surveys/{followup.public_id}/start/")
    assert started.status_code == 302 and started["Location"].startswith("/outcomes/portal/s/")
    issued = AuditEvent.objects.filter(entity="outcomes.surveylink").latest("occurred_at")
    assert "via portal" in issued.actor_label


def test_lists_show_only_my_own_records(course, theirs):
    assert "Day 2" not in theirs.get("/portal/check-ins/").content.decode()
    assert str(course.public_id) not in theirs.get("/portal/instructions/").content.decode()


def test_the_patient_chooses_how_to_be_contacted(course, mine):
    course.patient.phone = "555-010-2233"
    course.patient.save()
    mine.post("/portal/contact/", {"channel": "sms"})
    assert course.patient.contact_preference.channel == "sms"


@DAY2
def test_the_api_gives_my_check_ins_and_refuses_another_patients(course, mine, theirs):
    day2 = course.checkins.get(day=2)
    listed = mine.get("/api/v1/portal/checkins")
    assert listed.status_code == 200
    assert {row["day"] for row in listed.json()["items"]} == {1, 2, 3, 4, 5, 6, 7, 14}
    assert theirs.get("/api/v1/portal/checkins").json()["items"] == []
    assert theirs.get(f"/api/v1/portal/checkins/{day2.public_id}").status_code == 404
    body = json.dumps({"treated_pain": 2, "harvest_pain": 1})
    refused = theirs.post(
        f"/api/v1/portal/checkins/{day2.public_id}", body, content_type="application/json"
    )
    assert refused.status_code == 404
    answered = mine.post(
        f"/api/v1/portal/checkins/{day2.public_id}", body, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["level"] == "expected"


@DAY2
def test_the_api_needs_a_portal_session_not_a_staff_token(course, staff, client_for):
    from django.test import Client

    assert Client().get("/api/v1/portal/checkins").status_code == 401
    assert client_for(staff["nurse"]).get("/api/v1/portal/checkins").status_code == 401


@DAY2
def test_the_api_refuses_bad_answers_per_field(course, mine):
    day2 = course.checkins.get(day=2)
    body = json.dumps({"treated_pain": 11, "harvest_pain": 1})
    refused = mine.post(
        f"/api/v1/portal/checkins/{day2.public_id}", body, content_type="application/json"
    )
    assert refused.status_code == 422 and "treated_pain" in refused.json()["errors"]
