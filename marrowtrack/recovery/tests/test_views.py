"""Staff pages: role (403) and clinic (404) checks, the worklist, resolving, the prefilled
adverse event, physician signing, the discharge page and PDF."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from marrowtrack.audit.models import AuditEvent
from marrowtrack.recovery.models import AdverseEvent, NurseTask
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(course):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False):
        checkin_submit(
            checkin=course.checkins.get(day=2),
            data={"treated_pain": "6", "harvest_pain": "2", "temperature": "38.4"},
        )
    return NurseTask.objects.get()


def test_the_worklist_shows_urgent_tasks_to_nurses_only(
    task, staff, client_for, django_assert_max_num_queries
):
    nurse = client_for(staff["nurse"])
    with django_assert_max_num_queries(12):
        page = nurse.get("/recovery/")
    assert "Urgent" in page.content.decode() and task.reason in page.content.decode()
    assert client_for(staff["lab_tech"]).get("/recovery/").status_code == 403
    assert client_for(staff["front_desk"]).get("/recovery/").status_code == 403


def test_the_worklist_refreshes_as_a_partial(task, staff, client_for):
    page = client_for(staff["nurse"]).get("/recovery/", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert 'id="worklist"' in html and "<html" not in html


def test_another_clinics_nurse_sees_no_task_and_gets_404(task, outsider, client_for):
    client = client_for(outsider)
    assert task.reason not in client.get("/recovery/").content.decode()
    assert client.get(f"/recovery/tasks/{task.public_id}/").status_code == 404
    assert (
        client.post(f"/recovery/tasks/{task.public_id}/resolve/", {"note": "x"}).status_code == 404
    )


def test_a_nurse_acknowledges_and_resolves_with_a_note(task, staff, client_for):
    nurse = client_for(staff["nurse"])
    nurse.post(f"/recovery/tasks/{task.public_id}/acknowledge/")
    empty = nurse.post(f"/recovery/tasks/{task.public_id}/resolve/", {"note": ""})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    nurse.post(f"/recovery/tasks/{task.public_id}/resolve/", {"note": "Seen in clinic."})
    task.refresh_from_db()
    assert task.status == "resolved"


def test_a_clinic_administrator_cannot_resolve(task, staff, client_for):
    admin = client_for(staff["clinic_admin"])
    assert (
        admin.post(f"/recovery/tasks/{task.public_id}/resolve/", {"note": "x"}).status_code == 403
    )


@time_machine.travel("2026-03-05 11:00-05:00", tick=False)
def test_a_task_becomes_a_prefilled_event_that_a_physician_signs(task, staff, client_for):
    nurse = client_for(staff["nurse"])
    form = nurse.get(f"/recovery/tasks/{task.public_id}/adverse-event/")
    assert 'value="infection" selected' in form.content.decode()
    posted = nurse.post(
        f"/recovery/tasks/{task.public_id}/adverse-event/",
        {
            "event_type": "infection",
            "site": "target",
            "onset_on": "2026-03-04",
            "grade": "2",
            "relatedness": "probable",
            "actions": ["antibiotics"],
            "outcome": "recovering",
            "description": "Fever on day 2.",
        },
    )
    event = AdverseEvent.objects.get()
    assert posted.status_code == 302 and event.source_task == task
    assert (
        nurse.post(
            f"/recovery/adverse-events/{event.public_id}/sign/", {"password": PASSWORD}
        ).status_code
        == 403
    )
    doctor = client_for(staff["physician"])
    wrong = doctor.post(f"/recovery/adverse-events/{event.public_id}/sign/", {"password": "nope"})
    assert "not correct" in wrong.content.decode()
    doctor.post(f"/recovery/adverse-events/{event.public_id}/sign/", {"password": PASSWORD})
    event.refresh_from_db()
    assert event.status == "signed"
    locked = nurse.post(
        f"/recovery/adverse-events/{event.public_id}/edit/",
        {
            "event_type": "infection",
            "site": "target",
            "onset_on": "2026-03-04",
            "grade": "1",
            "relatedness": "probable",
            "outcome": "recovering",
            "description": "changed",
            "version": "1",
        },
    )
    assert "locked" in locked.content.decode()
    assert AuditEvent.objects.filter(action="refused", entity="recovery.adverseevent").exists()


def test_an_event_form_error_names_the_field(course, staff, client_for):
    page = client_for(staff["nurse"]).post(
        f"/recovery/plans/{course.plan.public_id}/adverse-events/new/",
        {
            "event_type": "septic_arthritis",
            "site": "harvest",
            "onset_on": "2026-03-03",
            "grade": "2",
            "relatedness": "possible",
            "outcome": "recovering",
            "description": "x",
        },
    )
    assert "recorded at the target site" in page.content.decode()
    assert AdverseEvent.objects.count() == 0


def test_adverse_events_of_another_clinic_are_404(task, staff, outsider, client_for):
    with time_machine.travel("2026-03-05 11:00-05:00", tick=False):
        from marrowtrack.recovery.services.adverse_events import adverse_event_record

        event = adverse_event_record(
            plan=task.course.plan,
            by=staff["nurse"],
            task=task,
            data={
                "event_type": "infection",
                "site": "target",
                "onset_on": date(2026, 3, 4),
                "grade": 2,
                "relatedness": "possible",
                "outcome": "recovering",
                "description": "x",
            },
        )
    assert (
        client_for(outsider).get(f"/recovery/adverse-events/{event.public_id}/").status_code == 404
    )
    assert (
        client_for(staff["lab_tech"])
        .get(f"/recovery/adverse-events/{event.public_id}/")
        .status_code
        == 403
    )


def test_the_discharge_page_and_pdf_in_either_language(course, staff, client_for, outsider):
    nurse = client_for(staff["nurse"])
    page = nurse.get(f"/recovery/courses/{course.public_id}/discharge/?lang=es")
    assert "No tome antiinflamatorios" in page.content.decode()
    pdf = nurse.get(f"/recovery/courses/{course.public_id}/discharge.pdf?lang=en")
    assert pdf.content[:4] == b"%PDF"
    assert AuditEvent.objects.filter(action="print", entity="recovery.recoverycourse").exists()
    assert (
        client_for(outsider).get(f"/recovery/courses/{course.public_id}/discharge/").status_code
        == 404
    )


def test_the_course_page_lists_check_ins_and_a_nurse_can_stop_them(
    course, staff, client_for, outsider
):
    nurse = client_for(staff["nurse"])
    assert "Day" in nurse.get(f"/recovery/courses/{course.public_id}/").content.decode()
    assert client_for(outsider).get(f"/recovery/courses/{course.public_id}/").status_code == 404
    assert (
        client_for(staff["front_desk"])
        .post(f"/recovery/courses/{course.public_id}/stop/", {"reason": "x y z"})
        .status_code
        == 403
    )
    nurse.post(f"/recovery/courses/{course.public_id}/stop/", {"reason": "Patient declined"})
    course.refresh_from_db()
    assert course.status == "withdrawn"


@time_machine.travel("2026-03-04 10:00-05:00", tick=False)
def test_a_nurse_enters_a_check_in_given_by_phone(course, staff, client_for):
    day2 = course.checkins.get(day=2)
    client_for(staff["nurse"]).post(
        f"/recovery/check-ins/{day2.public_id}/phone/",
        {
            "treated_pain": "4",
            "harvest_pain": "2",
            "temperature_unit": "C",
            "redness": "none",
            "swelling": "none",
            "drainage": "none",
            "bleeding": "none",
        },
    )
    day2.refresh_from_db()
    assert (day2.status, day2.source, day2.entered_by) == ("submitted", "phone", staff["nurse"])


def test_staff_send_a_portal_link_from_the_course_page(course, staff, client_for, outsider):
    course.patient.email = "rosa@example.org"
    course.patient.save()
    url = f"/portal/staff/patients/{course.patient.public_id}/send-link/"
    assert client_for(staff["lab_tech"]).post(url).status_code == 403
    assert client_for(outsider).post(url).status_code == 404
    client_for(staff["front_desk"]).post(url)
    assert course.patient.access_links.get().created_by == staff["front_desk"]


def _api(user):
    from django.test import Client

    from marrowtrack.accounts.services import api_token_issue

    _, secret = api_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_api_worklist_and_resolution(task, staff, outsider):
    nurse = _api(staff["nurse"])
    rows = nurse.get("/api/v1/recovery/tasks")
    assert rows.status_code == 200 and rows.json()["items"][0]["level"] == "urgent"
    assert _api(outsider).get(f"/api/v1/recovery/tasks/{task.public_id}").status_code == 404
    assert _api(staff["lab_tech"]).get("/api/v1/recovery/tasks").status_code == 403
    url = f"/api/v1/recovery/tasks/{task.public_id}/resolve"
    refused = nurse.post(url, {"note": ""}, content_type="application/json")
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    done = nurse.post(url, {"note": "Called."}, content_type="application/json")
    assert done.json()["status"] == "resolved"


@time_machine.travel("2026-03-05 11:00-05:00", tick=False)
def test_the_api_records_and_signs_an_adverse_event(course, staff, outsider):
    body = {
        "event_type": "haematoma",
        "site": "harvest",
        "onset_on": "2026-03-03",
        "grade": 1,
        "relatedness": "definite",
        "outcome": "recovering",
        "description": "Bruise at the hip.",
    }
    url = f"/api/v1/recovery/plans/{course.plan.public_id}/adverse-events"
    assert _api(outsider).post(url, body, content_type="application/json").status_code == 404
    bad = _api(staff["nurse"]).post(url, {**body, "grade": 5}, content_type="application/json")
    assert bad.status_code == 422 and "outcome" in bad.json()["errors"]
    made = _api(staff["nurse"]).post(url, body, content_type="application/json")
    assert made.status_code == 201
    sign = f"/api/v1/recovery/adverse-events/{made.json()['id']}/sign"
    assert (
        _api(staff["nurse"])
        .post(sign, {"password": PASSWORD}, content_type="application/json")
        .status_code
        == 403
    )
    signed = _api(staff["physician"]).post(
        sign, {"password": PASSWORD}, content_type="application/json"
    )
    assert signed.json()["status"] == "signed"
    edit = _api(staff["physician"]).put(
        f"/api/v1/recovery/adverse-events/{made.json()['id']}",
        {**body, "version": made.json()["version"]},
        content_type="application/json",
    )
    assert edit.status_code == 409 and "locked" in edit.json()["message"]
